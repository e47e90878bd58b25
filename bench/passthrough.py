"""A frame processor that covers nothing: what the media path costs without the engine.

The live benchmark's ``relay`` kind and the media tests (which must see the publisher's
pixels) use it in place of :class:`~ciasom.engine.live.LiveEngine`; it fits
:class:`~ciasom.media.processor.FrameProcessor`.
"""

from __future__ import annotations

from typing import Any

import numpy as np


class Passthrough:
    """Renders every frame unchanged (a copy); counts renders and whether it was closed."""

    def __init__(self) -> None:
        self.rendered = 0
        self.closed = False

    def submit(self, frame_bgr: np.ndarray, timestamp: float) -> None:
        pass

    def set_delay(self, seconds: float) -> None:
        pass

    def render(self, frame_bgr: np.ndarray, timestamp: float) -> np.ndarray:
        self.rendered += 1
        return frame_bgr.copy()

    def stats(self) -> dict[str, Any]:
        return {"rendered": self.rendered}

    def close(self) -> None:
        self.closed = True
