"""Through the real server (uvicorn, real engine): an aiortc WHIP publisher with a stream
key, an aiortc WHEP viewer. Strangers reach the viewer pixelated, the enrolled person not;
DELETE on the WHIP session ends it for the viewer."""

import asyncio
import time

import pytest

from bench import footage
from bench.photos import photo

from .clients import PatternTrack, Publisher, Watcher
from .server import Api, host_with_broadcast, running_server, whep, whip

pytestmark = pytest.mark.browser  # a whole server and the real engine: the slow suite


class FootageTrack(PatternTrack):
    """The footage, ping-pong, at 30 fps."""

    def __init__(self):
        super().__init__(footage.frame(0)[0], fps=footage.FPS)

    async def recv(self):
        period = 2 * (footage.FRAMES - 1)
        step = self.sent % period
        self.image = footage.frame(step if step < footage.FRAMES else period - step)[0]
        return await super().recv()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with running_server(tmp_path_factory.mktemp("server")) as base:
        yield base


async def verdicts_of(watcher: Watcher, grabs: int) -> list[dict[str, bool]]:
    results = []
    for _ in range(grabs):
        received = (await watcher.frames_after(1))[0]
        results.append(footage.judge(received))
        await asyncio.sleep(0.2)
    return results


async def test_whip_with_the_stream_key_then_whep(server):
    api, me, broadcast = await asyncio.to_thread(
        host_with_broadcast, server, "aiortc-host", [photo(n) for n in footage.ENROL_PHOTOS]
    )
    anonymous = Api(server)
    publisher = Publisher(FootageTrack())
    status, headers, answer = await whip(anonymous, broadcast, me["stream_key"], publisher)
    assert status == 201, answer
    session = headers["Location"]

    watcher = Watcher()
    await whep(anonymous, broadcast, watcher)
    await watcher.frames_after(1, timeout=20)

    # No stranger is ever seen, from the first frame on; the enrolled person becomes
    # visible once the engine has had its looks.
    grabs = []
    deadline = time.monotonic() + 60
    while sum(g["obama"] for g in grabs) < 5:
        assert time.monotonic() < deadline, f"the enrolled face stayed covered: {grabs}"
        grabs += await verdicts_of(watcher, 1)
    assert not any(g[a.label] for g in grabs for a in footage.ACTORS if not a.allowed), grabs

    live = await asyncio.to_thread(api.json, "GET", "/api/broadcasts?live=1")
    assert [b["id"] for b in live["results"]] == [broadcast["id"]]
    assert live["results"][0]["viewers"] == 1

    status, _, _ = await asyncio.to_thread(anonymous.call, "DELETE", session)
    assert status == 200
    await asyncio.wait_for(watcher.ended.wait(), 10)
    live = await asyncio.to_thread(api.json, "GET", "/api/broadcasts?live=1")
    assert live["results"] == []
    await watcher.close()
    await publisher.close()
