"""Half-open WHIP/WHEP sessions (ICE never completes) cannot hold slots (issue 8).

A half-open offer is a real aiortc offer stripped of its candidates and never followed by
any: our answer has nowhere to send checks, so the session never connects.
"""

import asyncio
import time

import numpy as np
import pytest
from django.core.handlers.asgi import ASGIHandler

from bench.passthrough import Passthrough

from .clients import PatternTrack, Publisher, Watcher
from .web import bearer, broadcast_of, fresh, host, live_service

pytestmark = pytest.mark.django_db(transaction=True)

SDP = "application/sdp"
GREY = np.full((120, 160, 3), 60, np.uint8)
TIMEOUT = 1.5  # seconds; the setting's default is 10


def half_open(offer: str) -> str:
    return "".join(
        line
        for line in offer.splitlines(keepends=True)
        if not line.startswith(("a=candidate:", "a=end-of-candidates"))
    )


async def half_open_offer(client: Watcher | Publisher) -> str:
    offer = half_open(await client.offer())
    await client.close()
    return offer


class Answer:
    def __init__(self, status: int, headers: dict[str, str], content: bytes) -> None:
        self.status_code, self.headers, self.content = status, headers, content

    def __getitem__(self, name: str) -> str:
        return self.headers[name.lower()]


async def post(path: str, offer: str, address: str = "127.0.0.1", **headers: str) -> Answer:
    """POST through the ASGI app itself, from ``address`` (the test client cannot set it)."""
    body = offer.encode()
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "client": (address, 4000),
        "server": ("testserver", 80),
        "headers": [
            (b"host", b"testserver"),
            (b"content-type", SDP.encode()),
            (b"content-length", str(len(body)).encode()),
            *((k.lower().encode(), v.encode()) for k, v in headers.items()),
        ],
    }
    messages = [{"type": "http.request", "body": body, "more_body": False}]
    sent: list[dict] = []

    async def receive() -> dict:
        if messages:
            return messages.pop()
        await asyncio.Event().wait()  # the client stays connected

    async def send(message: dict) -> None:
        sent.append(message)

    await ASGIHandler()(scope, receive, send)
    start = sent[0]
    return Answer(
        start["status"],
        {k.decode().lower(): v.decode() for k, v in start["headers"]},
        b"".join(m.get("body", b"") for m in sent[1:]),
    )


async def until(check, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "not released in time"
        await asyncio.sleep(0.05)


@pytest.fixture
async def live(monkeypatch):
    service = live_service()
    monkeypatch.setattr(service, "make_engine", lambda broadcast: Passthrough())
    monkeypatch.setattr(service.registry, "connect_timeout", TIMEOUT)
    yield service
    await service.registry.close()
    await service.drain()


@pytest.fixture
async def on_air(live):
    user, key = await host()
    broadcast = await broadcast_of(user)
    publisher = Publisher(PatternTrack(GREY))
    response = await post(f"/whip/{broadcast.pk}", await publisher.offer(), **bearer(key))
    assert response.status_code == 201
    await publisher.answer(response.content.decode())
    yield broadcast, live.stream(broadcast.pk)
    await publisher.close()


async def test_half_open_viewers_neither_block_a_real_one_nor_stay(on_air):
    broadcast, stream = on_air
    stream.relay.max_viewers = 5
    for _ in range(5):  # what locked real viewers out for good before
        response = await post(f"/whep/{broadcast.pk}", await half_open_offer(Watcher()))
        assert response.status_code == 201
    real = Watcher()
    response = await post(f"/whep/{broadcast.pk}", await real.offer())
    assert response.status_code == 201  # connecting ones do not count against the cap
    await real.answer(response.content.decode())
    await real.frames_after(3)
    started = time.monotonic()
    await until(lambda: len(stream.viewers) == 1)
    assert time.monotonic() - started < TIMEOUT + 2
    assert stream.viewer_count == 1 and stream.pending == 0
    await real.frames_after(3)  # the real viewer never noticed
    await real.close()


async def test_pending_viewers_are_bounded_and_their_slots_come_back(on_air):
    broadcast, stream = on_air
    stream.relay.max_pending = 2
    offers = [await half_open_offer(Watcher()) for _ in range(3)]
    assert (await post(f"/whep/{broadcast.pk}", offers[0])).status_code == 201
    assert (await post(f"/whep/{broadcast.pk}", offers[1])).status_code == 201
    full = await post(f"/whep/{broadcast.pk}", offers[2])
    assert full.status_code == 503 and int(full["Retry-After"]) > 0
    assert b"full" in full.content
    await until(lambda: not stream.viewers)
    assert (await post(f"/whep/{broadcast.pk}", offers[2])).status_code == 201


async def test_sessions_per_client_address_are_capped_with_429(on_air, live):
    broadcast, _ = on_air
    live.registry.max_sessions_per_client = 2
    path = f"/whep/{broadcast.pk}"
    for _ in range(2):
        assert (
            await post(path, await half_open_offer(Watcher()), "198.51.100.7")
        ).status_code == 201
    refused = await post(path, await half_open_offer(Watcher()), "198.51.100.7")
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert b"too many" in refused.content
    other = await post(path, await half_open_offer(Watcher()), "198.51.100.8")
    assert other.status_code == 201
    await until(lambda: live.registry.sessions("198.51.100.7") == 0)
    assert (await post(path, await half_open_offer(Watcher()), "198.51.100.7")).status_code == 201


async def test_the_process_caps_its_sessions_for_viewers_and_publishers(on_air, live):
    broadcast, _ = on_air
    live.registry.max_sessions = 2  # the publisher and one viewer
    path = f"/whep/{broadcast.pk}"
    assert (await post(path, await half_open_offer(Watcher()), "192.0.2.1")).status_code == 201
    busy = await post(path, await half_open_offer(Watcher()), "192.0.2.2")
    assert busy.status_code == 503 and int(busy["Retry-After"]) > 0

    user, key = await host("second")
    other = await broadcast_of(user)
    publisher = Publisher(PatternTrack(GREY))
    refused = await post(f"/whip/{other.pk}", await publisher.offer(), **bearer(key))
    await publisher.close()
    assert refused.status_code == 503 and int(refused["Retry-After"]) > 0
    assert not (await fresh(other)).is_live


async def test_a_publisher_that_never_connects_ends_its_broadcast(live):
    user, key = await host()
    broadcast = await broadcast_of(user)
    offer = await half_open_offer(Publisher(PatternTrack(GREY)))
    assert (await post(f"/whip/{broadcast.pk}", offer, **bearer(key))).status_code == 201
    assert (await fresh(broadcast)).is_live
    await until(lambda: live.stream(broadcast.pk) is None)
    await live.drain()
    assert not (await fresh(broadcast)).is_live
    assert len(live.registry) == 0

    publisher = Publisher(PatternTrack(GREY))  # the retry is not refused with 409
    response = await post(f"/whip/{broadcast.pk}", await publisher.offer(), **bearer(key))
    assert response.status_code == 201
    await publisher.answer(response.content.decode())
    assert (await fresh(broadcast)).is_live
    await publisher.close()
