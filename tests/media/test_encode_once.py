"""Encode once, fan out: N viewers cost one encode per frame, not N (DESIGN §5)."""

from bench.passthrough import Passthrough
from ciasom.media import pipeline
from ciasom.media.encoder import VideoEncoder
from ciasom.media.stream import LiveStream

from .clients import LOOPBACK, PatternTrack, checkerboard, connect_publisher, connect_watcher


class CountingEncoder(VideoEncoder):
    created = 0
    encoded = 0

    def __init__(self, mime_type):
        super().__init__(mime_type)
        CountingEncoder.created += 1

    def encode(self, frame, keyframe=False):
        CountingEncoder.encoded += 1
        return super().encode(frame, keyframe)


async def test_one_encoder_feeds_every_viewer(monkeypatch):
    monkeypatch.setattr(pipeline, "VideoEncoder", CountingEncoder)
    stream = LiveStream("b", Passthrough(), LOOPBACK)
    publisher = await connect_publisher(stream, PatternTrack(checkerboard(320, 240)))
    watchers = [(await connect_watcher(stream))[0] for _ in range(5)]
    try:
        for watcher in watchers:
            await watcher.frames_after(5)
        before_frames, before_encodes = stream.status()["frames_received"], CountingEncoder.encoded
        await watchers[0].frames_after(30)
        frames = stream.status()["frames_received"] - before_frames
        encodes = CountingEncoder.encoded - before_encodes
        assert stream.viewer_count == 5
        assert CountingEncoder.created == 1
        assert encodes <= frames + 1  # one encode per frame for all five viewers
        assert all(len(w.frames) >= 5 for w in watchers)
    finally:
        for watcher in watchers:
            await watcher.close()
        await publisher.close()
        await stream.close()


async def test_a_joining_viewer_gets_a_keyframe_at_once():
    stream = LiveStream("b", Passthrough(), LOOPBACK)
    publisher = await connect_publisher(stream, PatternTrack(checkerboard(320, 240)))
    first, _ = await connect_watcher(stream)
    try:
        await first.frames_after(60)  # well past the first keyframe
        late, _ = await connect_watcher(stream)
        await late.frames_after(3, timeout=5)  # decodable: it started from a keyframe
        await late.close()
    finally:
        await first.close()
        await publisher.close()
        await stream.close()


async def test_each_negotiated_codec_gets_one_shared_encoder():
    from aiortc import RTCRtpSender

    from .clients import Watcher

    stream = LiveStream("b", Passthrough(), LOOPBACK)
    publisher = await connect_publisher(stream, PatternTrack(checkerboard(320, 240)))
    vp8, _ = await connect_watcher(stream)
    h264 = Watcher()
    h264.pc.getTransceivers()[0].setCodecPreferences(
        [c for c in RTCRtpSender.getCapabilities("video").codecs if c.mimeType == "video/H264"]
    )
    viewer = await stream.watch(await h264.offer())
    await h264.answer(viewer.answer)
    try:
        assert viewer.mime_type == "video/H264"
        await vp8.frames_after(5)
        await h264.frames_after(5)
        assert stream.status()["codecs"] == ["video/H264", "video/VP8"]
    finally:
        await h264.close()
        await vp8.close()
        await publisher.close()
        await stream.close()
