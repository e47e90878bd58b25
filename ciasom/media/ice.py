"""ICE configuration from settings (DESIGN §5, pitfalls 1 and 2)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import aioice.ice
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


def offer_host_candidates(addresses: Sequence[str]) -> None:
    """Offer exactly ``addresses`` as local host candidates (e.g. ``["127.0.0.1"]``).

    aioice enumerates the machine's interfaces and never offers 127.0.0.1, so a browser on
    the same machine could not reach us over loopback. This is process-wide, like the
    setting it comes from. An empty sequence keeps aioice's own enumeration.
    """
    if not addresses:
        return
    chosen = list(addresses)
    aioice.ice.get_host_addresses = lambda use_ipv4, use_ipv6: list(chosen)
