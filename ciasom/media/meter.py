"""Rates and stage timings of one broadcast, for the host page's live health panel.

Every stage is timed the same way, :meth:`Meter.timed`, whichever thread runs it (the
pipeline, the render thread or the event loop): appending to a bounded deque is atomic.
"""

from __future__ import annotations

import statistics
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager

RATE_WINDOW = 2.0  # seconds over which rates (fps) are measured
TIMINGS_KEPT = 90  # samples per stage the medians are taken over (~3 s at 30 fps)


class Meter:
    """Event rates (:meth:`tick`, :meth:`rate`) and stage durations (:meth:`timed`)."""

    def __init__(self) -> None:
        self._events: dict[str, deque[float]] = {}
        self._timings: dict[str, deque[float]] = {}

    def tick(self, name: str) -> None:
        """Count one ``name`` event now."""
        now = time.monotonic()
        times = self._events.setdefault(name, deque())
        times.append(now)
        while times and times[0] < now - RATE_WINDOW:
            times.popleft()

    def rate(self, name: str) -> float:
        """``name`` events per second over the last :data:`RATE_WINDOW` seconds."""
        now = time.monotonic()
        times = [t for t in self._events.get(name, ()) if t >= now - RATE_WINDOW]
        return round(len(times) / RATE_WINDOW, 1)

    @contextmanager
    def timed(self, name: str) -> Iterator[None]:
        """Time the ``with`` block as one sample of stage ``name``; a block that raises is
        not a sample (a failed stage says nothing about how long the stage takes)."""
        started = time.perf_counter()
        yield
        elapsed_ms = (time.perf_counter() - started) * 1000
        self._timings.setdefault(name, deque(maxlen=TIMINGS_KEPT)).append(elapsed_ms)

    def median_ms(self, name: str) -> float | None:
        """The median of stage ``name``'s recent samples, in ms (None before the first)."""
        values = self._timings.get(name)
        return round(statistics.median(values), 2) if values else None
