"""Where are the faces in this frame? Three passes, cheapest first.

1. The whole frame, downscaled (every analysed frame): finds faces bigger than ~65 px at
   720p.
2. Full resolution over the cells of the frame that may hold a face we have not seen
   (`ExamMap`): finds small, far faces from the first frames they are on, and tells which
   frames have been examined all over.
3. Close-ups around every tracked face the passes above did not find: keeps small faces,
   faces at the frame's edge and partly covered faces, instead of merely coasting on a guess.
"""

from __future__ import annotations

import numpy as np

from .detector import Detection, FaceDetector, merge
from .examination import ExamMap
from .geometry import Box, iou
from .policy import MIN_FACE_PX
from .timing import timed
from .tracker import MIN_IOU, Tracker

MAX_CLOSE_UPS = 12  # per frame; beyond this the remaining tracks coast (and stay covered)
CLOSE_UP_AFTER = 0.05  # s; a face found a frame ago coasts one frame before a close-up
CLOSE_UP_AFTER_TINY = 0.1  # s; faces too small to identify move few pixels and stay covered


class FaceFinder:
    """Finds faces in the frames of one stream; `exams` says which frames were examined.

    `carry_back` is how far back faces found now are carried over frames still waiting
    (the privacy delay); `exam_lag` how long a changed cell may wait for its examination,
    so one examination serves several frames (0: examine every changed cell at once).
    """

    def __init__(self, detector: FaceDetector, carry_back: float, exam_lag: float) -> None:
        self.detector = detector
        self.carry_back = carry_back
        self.exam_lag = exam_lag
        self.exams: ExamMap | None = None

    def set_carry_back(self, carry_back: float, exam_lag: float) -> None:
        self.carry_back, self.exam_lag = carry_back, exam_lag
        if self.exams is not None:
            self.exams.carry_back = carry_back

    def find(self, frame: np.ndarray, tracker: Tracker, at: float,
             timings: dict[str, float] | None = None) -> list[Detection]:
        timings = {} if timings is None else timings
        if self.exams is None or self.exams.shape != frame.shape:
            self.exams = ExamMap(frame.shape, self.carry_back)
        exams = self.exams
        with timed(timings, "detect"):
            picture = exams.change_map(frame)
            exams.observe(picture, at)
            found = self.detector.detect(frame)
        cells = exams.due(at, self.exam_lag)
        if cells:
            with timed(timings, "detect_fine"):
                fine = self.detector.detect_crops(frame, [exams.crops[i] for i in cells],
                                                  exams.scale)
            found = merge(found, fine)
        expected = [t.predict(at, tracker.coast_seconds) for t in tracker.tracks
                    if at - t.seen_at >= (CLOSE_UP_AFTER_TINY if _tiny(t.box) else CLOSE_UP_AFTER)]
        missing = [box for box in expected if all(iou(box, d.box) < MIN_IOU for d in found)]
        if missing:
            with timed(timings, "detect_close_ups"):
                found = merge(found, self.detector.detect_around(frame,
                                                                 missing[:MAX_CLOSE_UPS]))
        exams.examined_cells(cells, picture, at)
        exams.forget_before(at - 2 * self.carry_back - 1.0)
        return found

    def examine_pending(self, frame: np.ndarray, tracker: Tracker,
                        at: float) -> list[Detection]:
        """Examine now every changed cell of the frame just analysed (the end of a file:
        no later frame will come to examine them on); returns the faces not yet tracked."""
        if self.exams is None or self.exams.shape != frame.shape:
            return []
        cells = self.exams.pending()
        fine = self.detector.detect_crops(frame, [self.exams.crops[i] for i in cells],
                                          self.exams.scale)
        self.exams.examined_cells(cells, self.exams.change_map(frame), at)
        tracked = [Detection(t.box, 1.0, np.zeros((5, 2), np.float32))
                   for t in tracker.tracks if t.seen_at == at]
        return merge(tracked, fine)[len(tracked):]

    def examined(self, shape: tuple[int, ...], at: float) -> bool:
        """Was every part of the frame at `at` (of this size) examined closely enough?"""
        return self.exams is not None and self.exams.shape == shape and self.exams.examined(at)


def _tiny(box: Box) -> bool:
    return min(box[2] - box[0], box[3] - box[1]) < MIN_FACE_PX
