"""The fail-closed fallback: the whole frame pixelated (DESIGN §1).

Used when the engine raised, overran its budget, or is still busy with an earlier frame.
Blocks are 1/16 of the frame's width — coarse enough that no face stays recognisable.
"""

from __future__ import annotations

import cv2
import numpy as np

BLOCKS_ACROSS = 16


def cover(frame_bgr: np.ndarray) -> np.ndarray:
    """Return a new frame, ``frame_bgr`` pixelated into big blocks."""
    height, width = frame_bgr.shape[:2]
    across = min(BLOCKS_ACROSS, width)
    down = max(1, round(height * across / width))
    small = cv2.resize(frame_bgr, (across, down), interpolation=cv2.INTER_AREA)
    return cv2.resize(small, (width, height), interpolation=cv2.INTER_NEAREST)
