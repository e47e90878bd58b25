"""Where are the faces in this frame? Three passes, cheapest first.

1. The whole frame, downscaled (every frame): finds faces bigger than ~65 px at 720p.
2. The whole frame at full resolution (once every `fine_interval` seconds, one tile at a
   time): finds small, far faces the first pass cannot see, so they get a track.
3. Close-ups around every tracked face the passes above did not find (every other frame;
   in between it coasts, covered): keeps small faces, faces at the frame's edge and partly
   covered faces found between full passes, instead of merely coasting on a guess.
"""

from __future__ import annotations

import numpy as np

from .detector import TILES, Detection, FaceDetector, merge
from .geometry import Box, iou
from .policy import MIN_FACE_PX
from .timing import timed
from .tracker import MIN_IOU, Tracker

MAX_CLOSE_UPS = 12  # per frame; beyond this the remaining tracks coast (and stay covered)
CLOSE_UP_AFTER = 0.05  # s; a face found a frame ago coasts one frame before a close-up
CLOSE_UP_AFTER_TINY = 0.1  # s; faces too small to identify move few pixels and stay covered


class FaceFinder:
    def __init__(self, detector: FaceDetector, fine_interval: float) -> None:
        self.detector = detector
        self.fine_interval = fine_interval
        self._tile_at = -float("inf")
        self._tile = 0

    def find(self, frame: np.ndarray, tracker: Tracker, at: float,
             timings: dict[str, float] | None = None) -> list[Detection]:
        timings = {} if timings is None else timings
        with timed(timings, "detect"):
            found = self.detector.detect(frame)
        if at - self._tile_at >= self.fine_interval / (TILES[0] * TILES[1]):
            self._tile_at = at
            with timed(timings, "detect_fine"):
                found = merge(found, self.detector.detect_tile(frame, self._tile))
            self._tile += 1
        expected = [t.predict(at, tracker.coast_seconds) for t in tracker.tracks
                    if at - t.seen_at >= (CLOSE_UP_AFTER_TINY if _tiny(t.box) else CLOSE_UP_AFTER)]
        missing = [box for box in expected if all(iou(box, d.box) < MIN_IOU for d in found)]
        if missing:
            with timed(timings, "detect_close_ups"):
                found = merge(found, self.detector.detect_around(frame,
                                                                 missing[:MAX_CLOSE_UPS]))
        return found


def _tiny(box: Box) -> bool:
    return min(box[2] - box[0], box[3] - box[1]) < MIN_FACE_PX
