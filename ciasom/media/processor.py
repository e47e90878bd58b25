"""What the stream needs from the privacy engine (``ciasom.engine.live.LiveEngine`` fits).

Kept as a protocol so the media layer stays free of model loading, and so tests can
inject faults (an engine that raises or stalls) into the real pipeline.
"""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np


class FrameProcessor(Protocol):
    def submit(self, frame_bgr: np.ndarray, timestamp: float) -> None:
        """Offer a frame for analysis; never blocks."""

    def render(self, frame_bgr: np.ndarray, timestamp: float) -> np.ndarray:
        """Return a new frame with faces covered per policy (whole frame when degraded).

        Called once the frame has waited the privacy delay, with the frames after it
        already submitted."""

    def set_delay(self, seconds: float) -> None:
        """The privacy delay changed: how far back later findings must be carried."""

    def stats(self) -> dict[str, Any]: ...

    def close(self) -> None: ...
