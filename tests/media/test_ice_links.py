"""ICE servers in WHIP/WHEP answers (RFC 9725 §4.4) and pages, TURN credentials minted per
session (coturn REST); trickle PATCH answered 405 as RFC 9725 §4.3.1 allows."""

import base64
import hashlib
import hmac
import json
import re
import time

import numpy as np
import pytest
from django.test import AsyncClient

from bench.passthrough import Passthrough
from ciasom.live.service import LiveService
from ciasom.media.ice import ice_server_links, turn_credentials

from .clients import PatternTrack, Publisher, Watcher
from .web import bearer, broadcast_of, host, live_service

pytestmark = pytest.mark.django_db(transaction=True)

SDP = "application/sdp"
SECRET = "test-turn-secret"
STUN = {"urls": "stun:stun.example.net:3478"}
TURN_URLS = ["turn:turn.example.net:3478?transport=udp", "turns:turn.example.net:5349"]
LINK = re.compile(r'<(?P<url>[^>]+)>; rel="ice-server"(?P<params>(?:; [\w-]+="[^"]*")*)')


def links(header: str) -> list[tuple[str, dict[str, str]]]:
    """Parse ``Link`` values as a WHIP client does: ``<url>; rel=...; key="value"``."""
    found = []
    for match in LINK.finditer(header):
        params = dict(re.findall(r'; ([\w-]+)="([^"]*)"', match["params"]))
        found.append((match["url"], params))
    assert ", ".join(m.group(0) for m in LINK.finditer(header)) == header
    return found


def assert_minted(username: str, credential: str, ttl: int) -> None:
    expiry, _, tag = username.partition(":")
    assert tag and abs(int(expiry) - (time.time() + ttl)) < 5
    digest = hmac.new(SECRET.encode(), username.encode(), hashlib.sha1).digest()
    assert credential == base64.b64encode(digest).decode()


@pytest.fixture
async def live(monkeypatch):
    service = live_service()
    monkeypatch.setattr(service, "make_engine", lambda broadcast: Passthrough())
    monkeypatch.setattr(service, "stun_servers", [STUN])
    monkeypatch.setattr(service, "turn_urls", TURN_URLS)
    monkeypatch.setattr(service, "turn_secret", SECRET)
    monkeypatch.setattr(service, "turn_ttl", 600)
    yield service
    await service.registry.close()
    await service.drain()


def test_the_link_format_is_rfc_9725s():
    username, credential = turn_credentials("s", "tag", 60, now=1_000_000)
    assert username == "1000060:tag"
    header = ice_server_links(
        [
            {"urls": "stun:a.example"},
            {
                "urls": ["turn:b.example?transport=tcp"],
                "username": username,
                "credential": credential,
            },
        ]
    )
    assert header == (
        '<stun:a.example>; rel="ice-server", '
        f'<turn:b.example?transport=tcp>; rel="ice-server"; username="{username}"; '
        f'credential="{credential}"; credential-type="password"'
    )


async def test_whip_and_whep_answers_name_the_servers_with_fresh_turn_credentials(live):
    user, key = await host()
    broadcast = await broadcast_of(user)
    publisher = Publisher(PatternTrack(np.zeros((120, 160, 3), np.uint8)))
    published = await AsyncClient().post(
        f"/whip/{broadcast.pk}", await publisher.offer(), content_type=SDP, headers=bearer(key)
    )
    assert published.status_code == 201
    await publisher.answer(published.content.decode())
    watcher = Watcher()
    watched = await AsyncClient().post(
        f"/whep/{broadcast.pk}", await watcher.offer(), content_type=SDP
    )
    assert watched.status_code == 201
    assert "Link" in watched["Access-Control-Expose-Headers"]  # players in pages read it

    usernames = set()
    for response in (published, watched):
        found = links(response["Link"])
        assert [url for url, _ in found] == [STUN["urls"], *TURN_URLS]
        assert found[0][1] == {}  # STUN: no credentials
        for _, params in found[1:]:
            assert params["credential-type"] == "password"
            assert_minted(params["username"], params["credential"], 600)
            # coturn logs usernames: never the session id, which can end the session
            assert response["Location"].rsplit("/", 1)[1] not in params["username"]
            usernames.add(params["username"])
    assert len(usernames) == 2  # one pair per session, never one for everybody

    # No trickle ICE: the answers carried every candidate; PATCH is 405 (RFC 9725 §4.3.1).
    for response in (published, watched):
        patched = await AsyncClient().patch(
            response["Location"],
            "a=end-of-candidates\r\n",
            content_type="application/trickle-ice-sdpfrag",
        )
        assert patched.status_code == 405
        assert "PATCH" not in patched["Allow"] and "DELETE" in patched["Allow"]
    # PATCH is not a method of any session here, known or not: the web tier answers it
    # without asking the node that holds the session.
    unknown = await AsyncClient().patch(
        f"/whep/{broadcast.pk}/nope", "", content_type="application/trickle-ice-sdpfrag"
    )
    assert unknown.status_code == 405
    await watcher.close()
    await publisher.close()


async def test_pages_get_minted_turn_credentials_never_a_static_password(live, settings):
    settings.CIASOM_ICE_SERVERS = [STUN]
    user, _ = await host()
    broadcast = await broadcast_of(user, is_live=True)  # anyone may open a live one's page
    servers = []
    for _ in range(2):
        page = await AsyncClient().get(f"/watch/{broadcast.pk}")
        assert page.status_code == 200
        script = re.search(
            r'<script id="ice-servers" type="application/json">(.*?)</script>',
            page.content.decode(),
            re.S,
        )
        servers.append(json.loads(script[1]))
    for found in servers:
        assert found[0] == STUN
        assert found[1]["urls"] == TURN_URLS
        assert_minted(found[1]["username"], found[1]["credential"], 600)


def test_a_static_turn_password_in_the_settings_is_never_handed_out(settings, caplog):
    settings.CIASOM_ICE_SERVERS = [
        STUN,
        {"urls": "turn:turn.example.net:3478", "username": "u", "credential": "static"},
    ]
    settings.CIASOM_TURN_URLS = TURN_URLS
    settings.CIASOM_TURN_SECRET = SECRET
    service = LiveService.from_settings()
    servers = service.ice_servers("page")
    assert "static" not in json.dumps(servers)
    assert servers[0] == STUN and servers[1]["urls"] == TURN_URLS
    assert "static password" in caplog.text
