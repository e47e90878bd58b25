"""Per-stage milliseconds, so the benchmark can show where a frame's time goes."""

from __future__ import annotations

import time


class timed:  # lower case: used like a function: `with timed(timings, "detect"):`
    """Adds a stage's milliseconds to `timings`."""

    def __init__(self, timings: dict[str, float], stage: str) -> None:
        self.timings, self.stage = timings, stage

    def __enter__(self) -> None:
        self._start = time.perf_counter()

    def __exit__(self, *exc: object) -> None:
        self.timings[self.stage] = (time.perf_counter() - self._start) * 1000
