"""One clock for a broadcast's audio and video, so viewers' players keep them in sync.

aiortc stamps received frames with their RTP timestamps: 32-bit, starting at a random
value, wrapping every 13 h (90 kHz) or 25 h (48 kHz) — possibly minutes into a broadcast.
Each track's stamps are unwrapped and anchored at the wall-clock moment its first frame
arrived, on a clock both tracks share.
"""

from __future__ import annotations

import time

from av.frame import Frame

RTP_WRAP = 1 << 32


class TrackClock:
    """Maps one incoming track's frames onto the shared stream clock at ``rate`` Hz."""

    def __init__(self, origin: float, rate: int) -> None:
        self.rate = rate
        self._origin = origin  # time.monotonic() of the stream's start
        self._anchor: tuple[int, int] | None = None  # (source ticks, stream ticks)
        self._last_raw: int | None = None
        self._wraps = 0
        self._last: int | None = None

    def stamp(self, frame: Frame) -> int:
        """The frame's presentation time on the stream clock, in 1/``rate`` s; increasing."""
        now = round((time.monotonic() - self._origin) * self.rate)
        if frame.pts is None or frame.time_base is None:
            stamp = now
        else:
            if self._last_raw is not None and frame.pts < self._last_raw - RTP_WRAP // 2:
                self._wraps += 1
            self._last_raw = frame.pts
            source = round((frame.pts + self._wraps * RTP_WRAP) * frame.time_base * self.rate)
            if self._anchor is None:
                self._anchor = (source, now)
            stamp = self._anchor[1] + source - self._anchor[0]
        if self._last is not None and stamp <= self._last:
            stamp = self._last + 1  # encoders need strictly increasing timestamps
        self._last = stamp
        return stamp
