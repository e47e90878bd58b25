"""FAIL CLOSED (DESIGN §1): whatever the engine does wrong, viewers never get raw video.

The publisher sends a fine checkerboard; raw it is all detail, whole-frame covering turns
it into flat blocks. Each faulty engine is injected into the real pipeline.
"""

import threading

import numpy as np
import pytest

from bench.passthrough import Passthrough
from ciasom.media.stream import LiveStream

from .clients import (
    LOOPBACK,
    PatternTrack,
    checkerboard,
    connect_publisher,
    connect_watcher,
    detail,
)

RAW = checkerboard(320, 240, square=4)


class Raising(Passthrough):
    def render(self, frame_bgr, timestamp):
        raise RuntimeError("injected engine failure")


class Stalling(Passthrough):
    """Hangs on its first frame until released — a deadlocked or overloaded engine."""

    def __init__(self):
        super().__init__()
        self.release = threading.Event()

    def render(self, frame_bgr, timestamp):
        self.release.wait(10)
        return frame_bgr.copy()


class Misshapen(Passthrough):
    def render(self, frame_bgr, timestamp):
        return frame_bgr[:10]


async def watch_through(processor, frames=20):
    stream = LiveStream("b", processor, LOOPBACK)
    publisher = await connect_publisher(stream, PatternTrack(RAW))
    watcher, _ = await connect_watcher(stream)
    try:
        return await watcher.frames_after(frames), stream.status()
    finally:
        if isinstance(processor, Stalling):
            processor.release.set()
        await watcher.close()
        await publisher.close()
        await stream.close()


async def test_a_working_engine_lets_detail_through():
    frames, status = await watch_through(Passthrough())
    assert min(detail(f) for f in frames[-10:]) > 40
    assert status["frames_covered"] == 0


@pytest.mark.parametrize("engine", [Raising, Misshapen], ids=["raises", "returns-garbage"])
async def test_a_failing_engine_yields_covered_frames(engine):
    frames, status = await watch_through(engine())
    assert max(detail(f) for f in frames) < 12
    assert status["frames_covered"] >= 20
    assert status["engine_errors"] >= 20


async def test_a_stalled_engine_yields_covered_frames_and_the_stream_keeps_moving():
    frames, status = await watch_through(Stalling(), frames=75)  # 2.5 s at 30 fps
    assert max(detail(f) for f in frames) < 12
    assert status["frames_covered"] >= 75
    assert status["fps_out"] >= 20


async def test_covered_frames_keep_no_raw_pixels():
    frames, _ = await watch_through(Raising())
    blocks = frames[-1].astype(np.int16)
    # every 20x20 block is flat apart from codec ringing at its edges
    assert np.abs(blocks[5:15, 5:15] - blocks[10, 10]).max() < 30
