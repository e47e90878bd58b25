"""ICE configuration from settings (DESIGN §5, pitfalls 1 and 2) and TURN REST credentials.

Which host addresses aioice offers is a private-API reach:
:func:`ciasom.media.aiortc_patches.offer_host_candidates`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from aiortc import RTCConfiguration, RTCIceServer


def rtc_configuration(ice_servers: Iterable[Mapping[str, Any]]) -> RTCConfiguration:
    """Build the peer-connection configuration from browser-style ``RTCIceServer`` dicts.

    Always pass an explicit list: ``RTCPeerConnection()`` with no configuration contacts a
    public STUN server, which leaks traffic off a loopback/LAN deployment.
    """
    return RTCConfiguration(
        iceServers=[
            RTCIceServer(
                urls=server["urls"],
                username=server.get("username"),
                credential=server.get("credential"),
            )
            for server in ice_servers
        ]
    )


def turn_credentials(secret: str, tag: str, ttl: int, now: float | None = None) -> tuple[str, str]:
    """A TURN username and password that coturn's ``use-auth-secret`` accepts for ``ttl`` s.

    coturn's REST scheme: the username is ``"<expiry unix time>:<tag>"`` and the password
    ``base64(HMAC-SHA1(secret, username))``; coturn recomputes it from the shared
    ``static-auth-secret``, so nothing is stored and a leaked pair expires on its own —
    unlike one static password handed to every visitor.
    """
    expiry = int(time.time() if now is None else now) + ttl
    username = f"{expiry}:{tag}"
    digest = hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
    return username, base64.b64encode(digest).decode()


def ice_servers(
    static: Iterable[Mapping[str, Any]],
    turn_urls: Sequence[str],
    turn_secret: str,
    ttl: int,
    tag: str,
) -> list[dict[str, Any]]:
    """Browser-style ``RTCIceServer`` dicts: ``static`` ones plus TURN with fresh credentials."""
    servers = [dict(server) for server in static]
    if turn_urls and turn_secret:
        username, credential = turn_credentials(turn_secret, tag, ttl)
        servers.append({"urls": list(turn_urls), "username": username, "credential": credential})
    return servers


def ice_server_links(servers: Iterable[Mapping[str, Any]]) -> str:
    """The ``Link`` header value of a WHIP/WHEP 201 answer (RFC 9725 §4.4), one per URL.

    Several links share one header, comma-separated (RFC 8288 §3), as OBS parses them.
    """
    links = []
    for server in servers:
        urls = server["urls"]
        for url in [urls] if isinstance(urls, str) else urls:
            link = f'<{url}>; rel="ice-server"'
            if server.get("username") and server.get("credential"):
                link += (
                    f'; username="{_quoted(server["username"])}"'
                    f'; credential="{_quoted(server["credential"])}"'
                    '; credential-type="password"'
                )
            links.append(link)
    return ", ".join(links)


def _quoted(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')
