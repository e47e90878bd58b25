"""FAIL CLOSED with the real LiveEngine in the real pipeline: while its detector is still
loading, after it breaks, and when its analysis stalls, viewers get covered frames only."""

import asyncio
import contextlib
import threading

from ciasom.engine.gallery import Gallery
from ciasom.engine.live import LiveEngine
from ciasom.engine.settings import EngineSettings
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
COVERED = 12  # detail of a covered frame stays under this; the raw board has ~127


class FakeDetector:
    """Finds no face; ``hold`` makes it hang like a stuck model."""

    def __init__(self, fail: bool = False):
        self.fail = fail
        self.hold = threading.Event()
        self.release = threading.Event()

    def detect(self, frame, *where):
        if self.fail:
            raise RuntimeError("injected detector failure")
        if self.hold.is_set():
            self.release.wait(10)
        return []

    detect_around = detect  # the finder's close-ups

    def detect_crops(self, frame, crops, scale):  # full-resolution cells: nothing in each
        return [self.detect(frame) for _ in crops]


def engine_with(detector_factory):
    return LiveEngine(
        EngineSettings(mode="except"), Gallery.empty(), detector_factory=detector_factory
    )


async def watched(engine):
    stream = LiveStream("b", engine, LOOPBACK)
    publisher = await connect_publisher(stream, PatternTrack(RAW))
    watcher, _ = await connect_watcher(stream)
    return stream, publisher, watcher


async def stop(stream, publisher, watcher):
    for client in (watcher, publisher):  # the test's own peers: a stuck close is not ours
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(client.close(), 15)
    await asyncio.wait_for(stream.close(), 30)


async def test_while_the_engine_is_loading_every_frame_is_covered():
    loaded = threading.Event()
    detector = FakeDetector()

    def slow_to_load():
        loaded.wait(10)
        return detector

    stream, publisher, watcher = await watched(engine_with(slow_to_load))
    try:
        frames = await watcher.frames_after(30)
        assert max(detail(f) for f in frames) < COVERED
        assert stream.status()["engine"]["ready"] is False
        loaded.set()
        await asyncio.sleep(1)
        assert min(detail(f) for f in await watcher.frames_after(10)) > 40  # no face: clear
    finally:
        await stop(stream, publisher, watcher)


async def test_a_broken_detector_keeps_every_frame_covered():
    stream, publisher, watcher = await watched(engine_with(lambda: FakeDetector(fail=True)))
    try:
        frames = await watcher.frames_after(30)
        assert max(detail(f) for f in frames) < COVERED
        assert stream.status()["engine"]["error"]
    finally:
        await stop(stream, publisher, watcher)


async def test_a_stalled_analysis_covers_every_frame_it_has_not_examined():
    detector = FakeDetector()
    stream, publisher, watcher = await watched(engine_with(lambda: detector))
    try:
        await asyncio.sleep(1)
        assert min(detail(f) for f in await watcher.frames_after(10)) > 40
        detector.hold.set()
        await asyncio.sleep(1.5)  # the frames waiting when it stalled have left
        frames = await watcher.frames_after(30)
        assert max(detail(f) for f in frames) < COVERED
        assert stream.status()["fps_out"] > 20  # covered, not frozen
    finally:
        detector.release.set()
        await stop(stream, publisher, watcher)
