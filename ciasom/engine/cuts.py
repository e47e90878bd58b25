"""Camera cuts: the whole frame changes at once, so faces of the previous shot are gone.

Tracks must not coast from one shot over the next (a predicted box from a close-up swept
across a cut covered most of the following frames, issue 9). A cut is told from motion by
comparing tiny grey thumbnails of consecutive analysed frames: after a cut both the pixels
(mean absolute difference) and the picture's layout (normalised correlation) change; a
person moving, even close to the camera, leaves most of the frame as it was. Measured at
16x9 on the benchmark scene and cuts between real photos (docs/real-motion.md): within the scene
difference ≤ 2, correlation ≥ 0.99; a real photo zoomed 20 % or panned 10 % of the width
between two analysed frames ≤ 29 and ≥ 0.52; across 15 cuts difference ≥ 45 and
correlation ≤ 0.56. A pan of 20 % of the width per analysed frame (42, 0.16) counts as a
cut: its faces are found afresh in that frame, as after a cut.
"""

from __future__ import annotations

import cv2
import numpy as np

THUMB = (16, 9)  # pixels of the thumbnail compared: coarse, so motion within a shot blurs
CUT_DIFFERENCE = 35.0  # mean absolute difference, 0-255, above which the pixels changed
CUT_CORRELATION = 0.6  # ... and the layout correlation below which the picture is another


class CutDetector:
    """Remembers the previous analysed frame's thumbnail; `is_cut` compares the next one."""

    def __init__(self) -> None:
        self._previous: np.ndarray | None = None

    def is_cut(self, frame_bgr: np.ndarray) -> bool:
        thumb = thumbnail(frame_bgr)
        previous, self._previous = self._previous, thumb
        if previous is None or previous.shape != thumb.shape:
            return False
        difference, correlation = compare(previous, thumb)
        return difference > CUT_DIFFERENCE and correlation < CUT_CORRELATION


def thumbnail(frame_bgr: np.ndarray) -> np.ndarray:
    grey = cv2.cvtColor(frame_bgr, cv2.COLOR_BGR2GRAY)
    return cv2.resize(grey, THUMB, interpolation=cv2.INTER_AREA).astype(np.float32)


def compare(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """(mean absolute difference, normalised correlation) of two thumbnails."""
    difference = float(np.mean(np.abs(a - b)))
    za, zb = a - a.mean(), b - b.mean()
    norm = float(np.sqrt((za * za).sum() * (zb * zb).sum()))
    correlation = float((za * zb).sum() / norm) if norm > 0 else 1.0
    return difference, correlation
