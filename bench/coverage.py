"""Measuring, from output pixels, how much of each true face was covered.

A face pixel counts as covered when the output differs from the input there. Drawing is
not trusted: a mosaic that was decided but not drawn shows up as a leak here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .scene import TruthFace

LEAK_BELOW = 0.90  # an unallowed face less than 90 % covered has leaked
VISIBLE_UP_TO = 0.10  # an allowed face at most 10 % covered counts as visible
MIN_VISIBLE_SHARE = 0.25  # faces mostly hidden behind others are not judged


def covered_share(before: np.ndarray, after: np.ndarray, face: TruthFace) -> float:
    x1, y1, x2, y2 = face.box
    changed = np.any(before[y1:y2, x1:x2] != after[y1:y2, x1:x2], axis=2)
    shown = face.mask
    return float(changed[shown].mean()) if shown.any() else 1.0


@dataclass
class CoverageTally:
    """Leak and visibility counts over a video, with the longest leak run per face."""

    warmup_frames: int = 0  # allowed faces are not judged during the first second
    unallowed: int = 0
    leaked: int = 0
    allowed: int = 0
    visible: int = 0
    worst_leak_run: int = 0

    def __post_init__(self) -> None:
        self._runs: dict[str, int] = {}

    def add(
        self, index: int, before: np.ndarray, after: np.ndarray, faces: list[TruthFace]
    ) -> None:
        judged = set()
        for face in faces:
            if face.visible_share < MIN_VISIBLE_SHARE:
                continue
            share = covered_share(before, after, face)
            if face.allowed:
                if index >= self.warmup_frames:
                    self.allowed += 1
                    self.visible += share <= VISIBLE_UP_TO
                continue
            judged.add(face.label)
            self.unallowed += 1
            if share < LEAK_BELOW:
                self.leaked += 1
                self._runs[face.label] = self._runs.get(face.label, 0) + 1
                self.worst_leak_run = max(self.worst_leak_run, self._runs[face.label])
            else:
                self._runs[face.label] = 0
        for label in set(self._runs) - judged:
            self._runs[label] = 0

    @property
    def leak_rate(self) -> float:
        return self.leaked / self.unallowed if self.unallowed else 0.0

    @property
    def visible_rate(self) -> float:
        return self.visible / self.allowed if self.allowed else 1.0
