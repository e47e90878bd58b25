"""Fuzzing the SDP checks and the WHIP/WHEP views with generated offers (issue 8).

Real offers from aiortc clients, mutated line by line, plus arbitrary text and bytes: the
checks raise only ``OfferError``; the views answer every request below 500, nothing
escapes, and no session, slot or peer connection is left behind. ``make test`` runs
``FUZZ_EXAMPLES`` (default 1,000) examples of the checks and a third as many per view;
``make fuzz`` many more.
"""

import asyncio
import os
import time

import numpy as np
import pytest
from django.test import AsyncClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.passthrough import Passthrough
from ciasom.media.aiortc_patches import offer_host_candidates
from ciasom.media.sdp import OfferError, check_offer

from .clients import (
    PatternTrack,
    Publisher,
    ToneTrack,
    Watcher,
    peer_connections,
)
from .web import bearer, broadcast_of, host, live_service

pytestmark = pytest.mark.django_db(transaction=True)

SDP = "application/sdp"
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", 1000))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
# Each WHIP/WHEP example may build a peer connection and write the database: fewer of them.
FUZZ_VIEWS = settings(FUZZ, max_examples=max(1, EXAMPLES // 3))
GREY = np.full((120, 160, 3), 60, np.uint8)
# Lines that steer aiortc's parser and our checks into their corners.
TRICKY = [
    "m=video 9 UDP/TLS/RTP/SAVPF 96",
    "m=audio 9 UDP/TLS/RTP/SAVPF 111",
    "m=application 9 x",
    "m=video 0 RTP/AVP 0",
    "m=video",
    "a=rtpmap:96 VP8/90000",
    "a=rtpmap:97 H264/90000",
    "a=rtpmap:96 nonsense",
    "a=rtpmap:x",
    "a=fmtp:97 packetization-mode=1",
    "a=fmtp:",
    "a=sendonly",
    "a=recvonly",
    "a=sendrecv",
    "a=inactive",
    "a=mid:0",
    "a=mid:",
    "a=group:BUNDLE 0 1 2",
    "a=group:BUNDLE",
    "a=ice-ufrag:",
    "a=ice-pwd:x",
    "a=fingerprint:sha-256 00",
    "a=fingerprint:md5 zz",
    "a=fingerprint:",
    "a=setup:actpass",
    "a=setup:bogus",
    "a=rtcp-mux",
    "a=rtcp:9 IN IP4 0.0.0.0",
    "a=ssrc:1 cname:x",
    "a=ssrc:x",
    "a=ssrc-group:FID 1",
    "a=extmap:1 urn:x",
    "a=extmap:x",
    "a=rtcp-fb:96 nack pli",
    "a=candidate:1 1 udp 1 127.0.0.1 9 typ host",
    "a=candidate:x",
    "a=end-of-candidates",
    "c=IN IP4 0.0.0.0",
    "c=IN IP6 ::",
    "c=",
    "o=- 0 0 IN IP4 127.0.0.1",
    "s=-",
    "t=0 0",
    "v=0",
    "v=1",
    "b=AS:x",
    "a=msid:x y",
    "a=sctp-port:5000",
    "a=max-message-size:x",
]
line = st.one_of(st.sampled_from(TRICKY), st.text(max_size=60))


@st.composite
def mutated(draw, offers: list[str]) -> str:
    lines = draw(st.sampled_from(offers)).split("\r\n")
    for _ in range(draw(st.integers(0, 6))):
        operation = draw(st.sampled_from(["delete", "duplicate", "replace", "insert", "cut"]))
        at = draw(st.integers(0, max(0, len(lines) - 1)))
        if operation == "delete" and lines:
            del lines[at]
        elif operation == "duplicate" and lines:
            lines.insert(at, lines[at])
        elif operation == "replace" and lines:
            lines[at] = draw(line)
        elif operation == "insert":
            lines.insert(at, draw(line))
        elif operation == "cut" and lines:
            lines[at] = lines[at][: draw(st.integers(0, len(lines[at])))]
    return draw(st.sampled_from(["\r\n", "\n"])).join(lines)


def offers_strategy(offers: list[str]) -> st.SearchStrategy[str]:
    return st.one_of(mutated(offers), st.sampled_from(offers), st.text(max_size=300))


def bodies(offers: list[str]) -> st.SearchStrategy[bytes]:
    return st.one_of(offers_strategy(offers).map(str.encode), st.binary(max_size=300))


content_types = st.sampled_from(
    [SDP, SDP, SDP, "application/sdp; charset=utf-8", "text/plain", "application/json", ""]
)


def real_offers() -> tuple[list[str], list[str]]:
    """(publisher offers, viewer offers) from real aiortc clients, on loopback only."""
    offer_host_candidates(["127.0.0.1"])  # made at import, before conftest's fixture runs

    async def make() -> list[str]:
        clients = [
            Publisher(PatternTrack(GREY)),
            Publisher(PatternTrack(GREY), ToneTrack()),
            Watcher(),
            Watcher(audio=True),
        ]
        offers = [await client.offer() for client in clients]
        for client in clients:
            await client.close()
        return offers

    offers = asyncio.run(make())
    return offers[:2], offers[2:]


PUBLISH, WATCH = real_offers()


async def until(check, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "a session was left behind"
        await asyncio.sleep(0.01)


@pytest.fixture
async def live(monkeypatch):
    service = live_service()
    monkeypatch.setattr(service, "make_engine", lambda broadcast: Passthrough())
    yield service
    await service.registry.close()
    await service.drain()
    assert len(service.registry) == 0
    assert peer_connections(open_only=True) == 0


@pytest.fixture
async def account(live):
    user, key = await host()
    return await broadcast_of(user), key


@pytest.fixture
async def on_air(account, live):
    broadcast, key = account
    publisher = Publisher(PatternTrack(GREY))
    response = await AsyncClient().post(
        f"/whip/{broadcast.pk}", await publisher.offer(), content_type=SDP, headers=bearer(key)
    )
    await publisher.answer(response.content.decode())
    yield broadcast, live.stream(broadcast.pk)
    await publisher.close()


def test_real_offers_pass_the_checks():
    for offer in PUBLISH:
        check_offer(offer, publish=True)
    for offer in WATCH:
        check_offer(offer, publish=False)


@pytest.mark.parametrize("bundle", ["a=group:BUNDLE 7 1", "a=group:BUNDLE 0 5"])
async def test_a_bundle_group_naming_an_unknown_mid_is_400_not_500(on_air, bundle):
    # Found by this fuzzer: aiortc left the bundled sections without a transport, and
    # closing that peer connection raised (500) and leaked its sockets.
    broadcast, stream = on_air
    offer = next(o for o in WATCH if "a=group:BUNDLE 0 1" in o)
    response = await AsyncClient().post(
        f"/whep/{broadcast.pk}", offer.replace("a=group:BUNDLE 0 1", bundle), content_type=SDP
    )
    assert response.status_code == 400 and b"BUNDLE" in response.content
    assert not stream.viewers and stream.pending == 0


def test_duplicate_mids_are_refused():
    offer = next(o for o in WATCH if "a=mid:1" in o)
    with pytest.raises(OfferError, match="own a=mid"):
        check_offer(offer.replace("a=mid:1", "a=mid:0"), publish=False)


@FUZZ
@given(offer=offers_strategy(PUBLISH + WATCH), publishing=st.booleans())
def test_the_offer_checks_raise_only_offer_errors(offer: str, publishing: bool):
    try:
        check_offer(offer, publish=publishing)
    except OfferError as error:
        assert str(error)


@FUZZ_VIEWS
@given(body=bodies(PUBLISH), content_type=content_types)
async def test_whip_answers_every_offer_below_500_and_leaves_nothing_behind(
    live, account, body: bytes, content_type: str
):
    broadcast, key = account
    client = AsyncClient()
    response = await client.post(
        f"/whip/{broadcast.pk}", body, content_type=content_type, headers=bearer(key)
    )
    assert response.status_code in (201, 400, 415), response.content
    if response.status_code == 201:
        # 404: the session already failed (a mutated offer's candidates are unreachable).
        assert (await client.delete(response["Location"])).status_code in (200, 404)
        await until(lambda: len(live.registry) == 0)
        await live.drain()


@FUZZ_VIEWS
@given(
    body=bodies(WATCH),
    content_type=content_types,
    session_method=st.sampled_from(["PATCH", "DELETE", "OPTIONS", "GET", "PUT"]),
)
async def test_whep_answers_every_offer_below_500_and_leaves_nothing_behind(
    live, on_air, body: bytes, content_type: str, session_method: str
):
    broadcast, stream = on_air
    client = AsyncClient()
    response = await client.post(f"/whep/{broadcast.pk}", body, content_type=content_type)
    assert response.status_code in (201, 400, 415), response.content
    if response.status_code == 201:
        location = response["Location"]
        try:
            other = await client.generic(session_method, location, body, content_type=content_type)
            assert other.status_code < 500
        finally:
            await client.delete(location)
    assert not stream.viewers and stream.pending == 0
    assert live.registry.sessions() == 1  # the publisher only
