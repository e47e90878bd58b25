"""Shared encoders: one per broadcast and codec, whose packets every viewer's sender gets.

aiortc gives each ``RTCRtpSender`` its own encoder, so relaying one track to N viewers
encodes it N times (~10 ms per 720p VP8 frame each; 5 viewers saturate 2 cores). A sender
whose track yields :class:`av.Packet` instead of frames only packetizes them
(``RTCRtpSender._next_encoded_frame`` → ``encoder.pack``), so we encode once here and fan
the packets out.
"""

from __future__ import annotations

import fractions
import time
from typing import Any, cast

import av
from av.audio.resampler import AudioResampler

VIDEO_CLOCK = fractions.Fraction(1, 90000)
AUDIO_CLOCK = fractions.Fraction(1, 48000)
KEYFRAME_INTERVAL = 3.0  # seconds; viewers that lost packets recover by then at worst
BITS_PER_PIXEL_FRAME = 0.07  # ~1.9 Mbit/s at 1280x720, ~0.86 Mbit/s at 854x480 (30 fps)
MIN_BITRATE = 300_000
FRAME_RATE = 30

# mime type as negotiated in SDP -> libav encoder
VIDEO_CODECS = {"video/VP8": "libvpx", "video/H264": "libx264"}


class VideoEncoder:
    """Encodes yuv420p frames to packets for one codec, keyframes on request and periodically.

    Not thread-safe: the stream calls it from its single pipeline thread only.
    """

    def __init__(self, mime_type: str) -> None:
        self.mime_type = mime_type
        self._library = VIDEO_CODECS[mime_type]
        self._context: av.VideoCodecContext | None = None
        self._last_keyframe = 0.0

    def encode(self, frame: av.VideoFrame, keyframe: bool = False) -> list[av.Packet[Any]]:
        """Encode one yuv420p frame whose ``pts``/``time_base`` are set (pitfalls 4, 7)."""
        if self._context is None or (frame.width, frame.height) != (
            self._context.width,
            self._context.height,
        ):
            self._context = self._open(frame.width, frame.height)
            keyframe = True
        now = time.monotonic()
        if keyframe or now - self._last_keyframe >= KEYFRAME_INTERVAL:
            frame.pict_type = av.video.frame.PictureType.I
            self._last_keyframe = now
        else:
            frame.pict_type = av.video.frame.PictureType.NONE
        packets = self._context.encode(frame)
        for packet in packets:
            packet.time_base = VIDEO_CLOCK
        return packets

    def _open(self, width: int, height: int) -> av.VideoCodecContext:
        context = cast(av.VideoCodecContext, av.CodecContext.create(self._library, "w"))
        context.width = width
        context.height = height
        context.pix_fmt = "yuv420p"
        context.time_base = VIDEO_CLOCK
        context.framerate = fractions.Fraction(FRAME_RATE, 1)
        bitrate = max(MIN_BITRATE, int(width * height * FRAME_RATE * BITS_PER_PIXEL_FRAME))
        context.bit_rate = bitrate
        # One thread: libvpx with 2 threads stalled 200–290 ms on this 2-core machine
        # (pitfall 6), and the engine needs the other core.
        context.thread_count = 1
        if self._library == "libvpx":
            context.gop_size = 3000  # keyframes come from us, not from a fixed GOP
            context.qmin = 2
            context.qmax = 56
            context.options = {
                "bufsize": str(bitrate),
                # Speed 12 of 16: 720p frames encode ~35 % faster than at 6 for 0.25 dB PSNR
                # (bench scene, 1.9 Mbit/s); the CPU goes to the engine instead.
                "cpu-used": "-12",
                "deadline": "realtime",
                "lag-in-frames": "0",
                "minrate": str(bitrate),
                "maxrate": str(bitrate),
                "noise-sensitivity": "0",
                "overshoot-pct": "15",
                "partitions": "0",
                "static-thresh": "1",
                "undershoot-pct": "100",
            }
        else:
            # Browsers negotiate constrained baseline (profile-level-id 42e01f); "veryfast"
            # costs 9.7 ms at 720p where aiortc's default "medium" costs 43 ms.
            context.profile = "Baseline"
            context.gop_size = 3000
            context.options = {
                "preset": "veryfast",
                "tune": "zerolatency",
                "level": "31",
            }
        context.open()
        return context


AUDIO_GAP = 4800  # 0.1 s at 48 kHz: more missing than jitter can explain


class AudioEncoder:
    """Opus at 48 kHz in 20 ms packets, stamped on the stream's clock."""

    def __init__(self) -> None:
        self._context = av.CodecContext.create("libopus", "w")
        self._context.bit_rate = 64000
        self._context.format = "s16"
        self._context.layout = "stereo"
        self._context.sample_rate = 48000
        self._context.time_base = AUDIO_CLOCK
        self._context.options = {"application": "voip"}
        self._resampler = AudioResampler(format="s16", layout="stereo", rate=48000, frame_size=960)
        self._next_pts: int | None = None

    def encode(self, frame: av.AudioFrame, pts: int) -> list[av.Packet[Any]]:
        """Encode ``frame``, whose first sample is at ``pts`` (1/48000 s) on the stream clock.

        Output is stamped by counting samples from the first frame's ``pts``, so packets
        stay evenly spaced whatever the arrival jitter. After a gap — nobody was listening,
        or the publisher's audio dropped out — counting starts again from ``pts``, so audio
        never falls behind the video that shares the clock.
        """
        if self._next_pts is None or pts - self._next_pts > AUDIO_GAP:
            self._next_pts = pts
        packets: list[av.Packet[Any]] = []
        for chunk in self._resampler.resample(frame):
            chunk.pts = None
            for packet in self._context.encode(chunk):
                packet.pts = self._next_pts
                packet.time_base = AUDIO_CLOCK
                self._next_pts += 960
                packets.append(packet)
        return packets
