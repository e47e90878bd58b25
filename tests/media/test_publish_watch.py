"""A publisher's video reaches a viewer through the processor; audio passes through."""

import numpy as np

from ciasom.media.stream import LiveStream

from .clients import LOOPBACK, PatternTrack, ToneTrack, connect_publisher, connect_watcher


class Inverting:
    """Marks every frame it processes, so the test can tell processed from raw."""

    def submit(self, frame_bgr, timestamp):
        pass

    def render(self, frame_bgr, timestamp):
        return 255 - frame_bgr

    def set_delay(self, seconds):
        pass

    def stats(self):
        return {}

    def close(self):
        pass


async def test_viewer_receives_processed_video_and_audio():
    stream = LiveStream("b1", Inverting(), LOOPBACK)
    image = np.full((240, 320, 3), 40, np.uint8)
    publisher = await connect_publisher(stream, PatternTrack(image), ToneTrack())
    watcher, _ = await connect_watcher(stream, audio=True)
    try:
        frames = await watcher.frames_after(10)
        assert all(abs(float(f.mean()) - 215) < 10 for f in frames[-5:])
        assert frames[-1].shape == (240, 320, 3)
        assert watcher.audio_frames > 0
        status = stream.status()
        assert status["viewers"] == 1
        assert status["width"] == 320 and status["fps_out"] > 0
        assert status["codecs"] == ["video/VP8"]
    finally:
        await watcher.close()
        await publisher.close()
        await stream.close()
