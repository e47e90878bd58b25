"""A Janus host that does not answer costs a broadcast nothing: it goes on over WHEP."""

import numpy as np

from bench.passthrough import Passthrough
from ciasom.media.audience import janus_hosts
from ciasom.media.stream import LiveStream

from .clients import LOOPBACK, PatternTrack, connect_publisher, connect_watcher
from .server import free_port


async def test_a_broadcast_whose_janus_is_down_is_watched_over_whep():
    nobody = f"http://127.0.0.1:{free_port()}/janus"  # connection refused
    stream = LiveStream("b1", Passthrough(), LOOPBACK, janus=janus_hosts([nobody], [], "key"))
    publisher = await connect_publisher(stream, PatternTrack(np.full((240, 320, 3), 90, np.uint8)))
    watcher, _ = await connect_watcher(stream)
    try:
        frames = await watcher.frames_after(10)
        assert abs(float(frames[-1].mean()) - 90) < 10
        status = stream.status()
        assert status["janus"] == [] and status["viewers"] == 1
    finally:
        await watcher.close()
        await publisher.close()
        await stream.close()
    assert stream.ended.is_set()
