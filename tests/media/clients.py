"""Real aiortc publishers and viewers talking to a LiveStream over loopback."""

from __future__ import annotations

import asyncio
import fractions
import gc
import time

import av
import numpy as np
from aiortc import RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from ciasom.media.ice import rtc_configuration

LOOPBACK = rtc_configuration([])


def checkerboard(width: int, height: int, square: int = 8) -> np.ndarray:
    """A BGR frame full of fine detail, which whole-frame covering wipes out."""
    ys, xs = np.indices((height, width))
    board = (((ys // square) + (xs // square)) % 2 * 255).astype(np.uint8)
    return np.dstack([board, board, board])


def detail(frame_bgr: np.ndarray) -> float:
    """Mean absolute difference between horizontal neighbours: ~127 raw, ~0 covered."""
    gray = frame_bgr.mean(axis=2)
    return float(np.abs(np.diff(gray, axis=1)).mean())


class PatternTrack(MediaStreamTrack):
    """Camera stand-in: ``image`` at ``fps``, stamped on a 90 kHz clock like aiortc's."""

    kind = "video"

    def __init__(self, image: np.ndarray, fps: int = 30) -> None:
        super().__init__()
        self.image = image
        self.fps = fps
        self.sent = 0
        self._start: float | None = None

    async def recv(self) -> av.VideoFrame:
        if self.readyState != "live":
            raise MediaStreamError
        if self._start is None:
            self._start = time.monotonic()
        due = self._start + self.sent / self.fps
        await asyncio.sleep(max(0.0, due - time.monotonic()))
        frame = av.VideoFrame.from_ndarray(self.image, format="bgr24")
        frame.pts = self.sent * 90000 // self.fps
        frame.time_base = fractions.Fraction(1, 90000)
        self.sent += 1
        return frame


class ToneTrack(MediaStreamTrack):
    """Microphone stand-in: 20 ms s16 stereo frames of a 440 Hz tone."""

    kind = "audio"

    def __init__(self) -> None:
        super().__init__()
        self.sent = 0
        self._start: float | None = None

    async def recv(self) -> av.AudioFrame:
        if self.readyState != "live":
            raise MediaStreamError
        if self._start is None:
            self._start = time.monotonic()
        await asyncio.sleep(max(0.0, self._start + self.sent * 0.02 - time.monotonic()))
        t = (np.arange(960) + self.sent * 960) / 48000
        tone = (np.sin(2 * np.pi * 440 * t) * 8000).astype(np.int16)
        frame = av.AudioFrame.from_ndarray(
            np.repeat(tone, 2)[None, :], format="s16", layout="stereo"
        )
        frame.sample_rate = 48000
        frame.pts = self.sent * 960
        frame.time_base = fractions.Fraction(1, 48000)
        self.sent += 1
        return frame


class Publisher:
    """A WHIP-style client: makes an offer with its tracks, applies the answer."""

    def __init__(self, video: MediaStreamTrack, audio: MediaStreamTrack | None = None):
        self.pc = RTCPeerConnection(LOOPBACK)
        self.pc.addTransceiver(video, direction="sendonly")
        if audio is not None:
            self.pc.addTransceiver(audio, direction="sendonly")

    async def offer(self) -> str:
        await self.pc.setLocalDescription(await self.pc.createOffer())
        return self.pc.localDescription.sdp

    async def answer(self, sdp: str) -> None:
        await self.pc.setRemoteDescription(RTCSessionDescription(sdp, "answer"))

    async def close(self) -> None:
        await self.pc.close()


class Watcher:
    """A WHEP-style client that keeps every decoded frame it receives."""

    def __init__(self, audio: bool = False) -> None:
        self.pc = RTCPeerConnection(LOOPBACK)
        self.pc.addTransceiver("video", direction="recvonly")
        if audio:
            self.pc.addTransceiver("audio", direction="recvonly")
        self.frames: list[np.ndarray] = []
        self.audio_frames = 0
        self.ended = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

        @self.pc.on("track")
        def on_track(track: MediaStreamTrack) -> None:
            self._tasks.append(asyncio.create_task(self._collect(track)))

    async def offer(self) -> str:
        await self.pc.setLocalDescription(await self.pc.createOffer())
        return self.pc.localDescription.sdp

    async def answer(self, sdp: str) -> None:
        await self.pc.setRemoteDescription(RTCSessionDescription(sdp, "answer"))

    async def frames_after(self, count: int, timeout: float = 15.0) -> list[np.ndarray]:
        """Wait until ``count`` more video frames arrived; return them."""
        start = len(self.frames)
        deadline = time.monotonic() + timeout
        while len(self.frames) < start + count:
            if time.monotonic() > deadline:
                raise TimeoutError(f"got {len(self.frames) - start} of {count} frames")
            await asyncio.sleep(0.02)
        return self.frames[start : start + count]

    async def close(self) -> None:
        await self.pc.close()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _collect(self, track: MediaStreamTrack) -> None:
        try:
            while True:
                frame = await track.recv()
                if track.kind == "video":
                    self.frames.append(frame.to_ndarray(format="bgr24"))
                else:
                    self.audio_frames += 1
        except MediaStreamError:
            self.ended.set()


async def connect_publisher(stream, video: MediaStreamTrack, audio=None) -> Publisher:
    publisher = Publisher(video, audio)
    await publisher.answer(await stream.publish(await publisher.offer()))
    return publisher


async def connect_watcher(stream, audio: bool = False) -> tuple[Watcher, str]:
    watcher = Watcher(audio=audio)
    viewer = await stream.watch(await watcher.offer())
    await watcher.answer(viewer.answer)
    return watcher, viewer.id


def peer_connections(*, open_only: bool = False) -> int:
    """Peer connections alive in this process (or only those not closed yet)."""
    gc.collect()
    count = 0
    for o in gc.get_objects():
        try:
            count += isinstance(o, RTCPeerConnection) and (
                not open_only or o.connectionState != "closed"
            )
        except ReferenceError:  # a weak proxy whose object is already gone
            continue
    return count
