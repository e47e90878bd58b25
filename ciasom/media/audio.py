"""A broadcast's audio path: decoded by aiortc → the privacy delay → Opus once → listeners.

Audio waits exactly as long as the video (:class:`~ciasom.media.delay.DelayLine`, every frame
kept), so viewers hear what they see; it is stamped on the clock the video shares
(:class:`~ciasom.media.clock.TrackClock`) and encoded once, on the event loop (Opus at 20 ms
costs little), only while someone listens.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from typing import Any, cast

import av
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from .clock import TrackClock
from .delay import DelayLine
from .encoder import AUDIO_CLOCK, AudioEncoder


class AudioPipeline:
    """One broadcast's audio; ``listening()`` says whether to encode, ``on_packets`` gets them."""

    def __init__(
        self,
        key: str,
        *,
        origin: float,
        privacy_delay: float,
        listening: Callable[[], bool],
        on_packets: Callable[[list[av.Packet[Any]]], None],
    ) -> None:
        self.key = key
        self._clock = TrackClock(origin, AUDIO_CLOCK.denominator)
        self._delay: DelayLine[tuple[av.AudioFrame, int]] = DelayLine(
            privacy_delay, drop_late=False
        )
        self._listening = listening
        self._on_packets = on_packets

    @property
    def delay(self) -> float:
        return self._delay.delay

    @delay.setter
    def delay(self, seconds: float) -> None:
        self._delay.delay = seconds

    async def run(self, track: MediaStreamTrack) -> None:
        """Carry ``track``'s frames through until it ends (or this task is cancelled)."""
        encoder = AudioEncoder()
        sending = asyncio.create_task(self._send(encoder), name=f"audio-out-{self.key}")
        try:
            with contextlib.suppress(MediaStreamError):
                while True:
                    frame = cast(av.AudioFrame, await track.recv())
                    self._delay.put((frame, self._clock.stamp(frame)), time.monotonic())
        finally:
            sending.cancel()
            await asyncio.gather(sending, return_exceptions=True)

    async def _send(self, encoder: AudioEncoder) -> None:
        """Encode each due frame once, if anyone listens, and hand its packets on."""
        while True:
            frame, pts = await self._delay.get()
            if self._listening():
                self._on_packets(encoder.encode(frame, pts))
