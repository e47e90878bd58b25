"""100 viewers come and go; every peer connection and task they used is released."""

import asyncio
import time

from bench.passthrough import Passthrough
from ciasom.media.stream import LiveStream

from .clients import (
    LOOPBACK,
    PatternTrack,
    checkerboard,
    connect_publisher,
    connect_watcher,
    peer_connections,
)


async def settled(check, timeout=20.0):
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "resources were not released"
        await asyncio.sleep(0.1)


async def test_a_hundred_viewers_connect_and_drop_without_leaking():
    stream = LiveStream("b", Passthrough(), LOOPBACK, max_viewers=200)
    publisher = await connect_publisher(stream, PatternTrack(checkerboard(160, 120), fps=15))
    idle, _ = await connect_watcher(stream)  # keeps the stream warm throughout
    await idle.frames_after(3)
    start_pcs, start_tasks = peer_connections(), len(asyncio.all_tasks())

    for _batch in range(10):
        joined = [await connect_watcher(stream) for _ in range(10)]
        await asyncio.gather(*(w.frames_after(1) for w, _ in joined))
        for i, (watcher, viewer_id) in enumerate(joined):
            if i % 2:
                await stream.leave(viewer_id)  # WHEP DELETE
            await watcher.close()  # the viewer goes away (DTLS close)
        del joined, watcher  # the test's own references to the clients' peer connections
    await settled(lambda: len(stream.viewers) == 1)
    await settled(lambda: len(asyncio.all_tasks()) <= start_tasks)
    await settled(lambda: peer_connections() <= start_pcs)

    assert stream.viewer_count == 1
    await idle.frames_after(3)  # the remaining viewer never noticed
    await idle.close()
    await publisher.close()
    await stream.close()
