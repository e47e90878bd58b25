"""The benchmarks' camera: the pre-encoded VP8 clip (:func:`bench.live.footage`) sent as it
is at :data:`~bench.live.FPS`, so publishing costs almost no CPU on the cores measured."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import av
from aiortc import RTCPeerConnection, RTCRtpSender
from aiortc.mediastreams import MediaStreamTrack

from bench.live import FPS, VIDEO_CLOCK


class ClipTrack(MediaStreamTrack):
    """Sends the clip's packets in a loop at FPS; ``sent_at`` (when given) records when each
    of the clip's frames was last sent, for latency."""

    kind = "video"

    def __init__(self, clip: dict[str, Any], sent_at: dict[int, float] | None = None) -> None:
        super().__init__()
        self.clip = clip
        self.sent_at = sent_at
        self.sent = 0
        self.start: float | None = None

    async def recv(self) -> av.Packet:
        if self.start is None:
            self.start = time.monotonic()
        await asyncio.sleep(max(0.0, self.start + self.sent / FPS - time.monotonic()))
        step = self.sent % len(self.clip["payloads"])
        packet = av.Packet(self.clip["payloads"][step])
        packet.pts, packet.time_base = self.sent * 3000, VIDEO_CLOCK
        packet.is_keyframe = self.clip["keys"][step]
        if self.sent_at is not None:
            self.sent_at[step] = time.monotonic()
        self.sent += 1
        return packet


def send_vp8(pc: RTCPeerConnection, track: ClipTrack) -> None:
    """The track goes out send-only in VP8, the clip's codec (packets pass unencoded)."""
    transceiver = pc.addTransceiver(track, direction="sendonly")
    transceiver.setCodecPreferences(
        [c for c in RTCRtpSender.getCapabilities("video").codecs if c.mimeType == "video/VP8"]
    )
