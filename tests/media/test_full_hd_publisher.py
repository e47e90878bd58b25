"""A 1080p publisher (OBS's default) is processed and sent at 720p, at full frame rate —
on purpose, within the CPU budget, and said in the host's health panel. A phone held upright
is scaled by its short side, as a landscape camera is."""

import numpy as np
import pytest

from bench.passthrough import Passthrough
from ciasom.media.stream import LiveStream

from .clients import LOOPBACK, PatternTrack, connect_publisher, connect_watcher


class Sizes(Passthrough):
    """Remembers the frame sizes the engine is given."""

    def __init__(self):
        super().__init__()
        self.shapes = set()

    def submit(self, frame_bgr, timestamp):
        self.shapes.add(frame_bgr.shape)


@pytest.mark.parametrize(
    "published, sent", [((1920, 1080), (1280, 720)), ((1080, 1920), (720, 1280))]
)
async def test_a_1080p_publisher_is_processed_and_sent_at_720p(published, sent):
    engine = Sizes()
    stream = LiveStream("b", engine, LOOPBACK, privacy_delay=0.2)
    width, height = published
    gradient = np.tile(np.linspace(0, 255, width, dtype=np.uint8)[None, :, None], (height, 1, 3))
    publisher = await connect_publisher(stream, PatternTrack(gradient))
    watcher, _ = await connect_watcher(stream)
    try:
        frames = await watcher.frames_after(10, timeout=30)
        assert {f.shape for f in frames} == {(sent[1], sent[0], 3)}
        assert engine.shapes == {(sent[1], sent[0], 3)}
        status = stream.status()
        assert (status["width"], status["height"]) == published
        assert (status["sent_width"], status["sent_height"]) == sent
        assert status["privacy_delay_ms"] == 200
    finally:
        await watcher.close()
        await publisher.close()
        await stream.close()
