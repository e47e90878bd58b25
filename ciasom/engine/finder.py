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
from .policy import too_small
from .timing import timed
from .tracker import MIN_IOU, Track, Tracker

MOTION_WINDOW = 0.1  # s: about one analysis back, where a face's own motion started from
MAX_CLOSE_UPS = 12  # per frame; beyond this the remaining tracks coast (and stay covered)
CLOSE_UP_AFTER = 0.05  # s; a face found a frame ago coasts one frame before a close-up
EDGE = 2  # pixels: a detection this close to a cut-out's edge touches it
CLOSE_UP_AFTER_TINY = 0.1  # s; faces too small to identify move few pixels and stay covered


class FaceFinder:
    """Finds faces in the frames of one stream; `exams` says which frames were examined.

    `carry_back` is how far back faces found now are carried over frames still waiting
    (the privacy delay).
    """

    def __init__(self, detector: FaceDetector, carry_back: float) -> None:
        self.detector = detector
        self.carry_back = carry_back
        self.exams: ExamMap | None = None

    def set_carry_back(self, carry_back: float) -> None:
        self.carry_back = carry_back
        if self.exams is not None:
            self.exams.carry_back = carry_back

    def find(
        self,
        frame: np.ndarray,
        tracker: Tracker,
        at: float,
        timings: dict[str, float] | None = None,
    ) -> list[Detection]:
        timings = {} if timings is None else timings
        self.resize(frame.shape, tracker)
        exams = self.exams
        assert exams is not None
        with timed(timings, "detect"):
            picture = exams.change_map(frame)
            exams.observe(
                picture, at, [_swept(t, at, tracker.coast_seconds) for t in tracker.tracks]
            )
            found = self.detector.detect(frame)
        cells, frame_wide = exams.due(at)
        if cells:
            with timed(timings, "detect_fine"):
                if frame_wide:
                    fine = self.detector.detect(frame, round(frame.shape[1] * exams.scale))
                else:
                    fine = self._examine(frame, exams, cells)
                found = merge(found, fine)
        expected = [
            t.predict(at, tracker.coast_seconds)
            for t in tracker.tracks
            if at - t.seen_at >= (CLOSE_UP_AFTER_TINY if too_small(t.box) else CLOSE_UP_AFTER)
        ]
        missing = [box for box in expected if all(iou(box, d.box) < MIN_IOU for d in found)]
        if missing:
            with timed(timings, "detect_close_ups"):
                found = merge(found, self.detector.detect_around(frame, missing[:MAX_CLOSE_UPS]))
        exams.examined_cells(cells, picture, at)
        exams.forget_before(at - 2 * self.carry_back - 1.0)
        return found

    def resize(self, shape: tuple[int, ...], tracker: Tracker) -> None:
        """Follow the frames' size: the first, or the same scene at another resolution
        (the publisher switched), whose tracks and examinations are scaled to it."""
        if self.exams is None:
            self.exams = ExamMap(shape, self.carry_back)
        elif self.exams.shape != shape:
            old = self.exams.shape
            tracker.rescale(shape[1] / old[1], shape[0] / old[0])
            self.exams = self.exams.resized(shape)

    def examine_pending(self, frame: np.ndarray, tracker: Tracker, at: float) -> list[Detection]:
        """Examine now every changed cell of the frame just analysed (the end of a file:
        no later frame will come to examine them on); returns the faces not yet tracked."""
        if self.exams is None or self.exams.shape != frame.shape:
            return []
        cells = self.exams.pending()
        fine = self._examine(frame, self.exams, cells)
        self.exams.examined_cells(cells, self.exams.change_map(frame), at)
        tracked = [
            Detection(t.box, 1.0, np.zeros((5, 2), np.float32))
            for t in tracker.tracks
            if t.seen_at == at
        ]
        return merge(tracked, fine)[len(tracked) :]

    def _examine(self, frame: np.ndarray, exams: ExamMap, cells: list[int]) -> list[Detection]:
        """Full resolution over the due cells: whole ones in one batch, changed parts one
        by one (a swaying face or a walking host changes a sliver, not the cell)."""
        regions = [exams.crops[i] for i in cells if exams.whole(i)]
        per_region = self.detector.detect_crops(frame, regions, exams.scale)
        for index in cells:
            if not exams.whole(index):
                region = x1, y1, x2, y2 = exams.region(index)
                regions.append(region)
                part = self.detector.detect(
                    frame[y1:y2, x1:x2], max(32, round((x2 - x1) * exams.scale))
                )
                per_region.append([d.moved(x1, y1) for d in part])
        return [
            d
            for region, found in zip(regions, per_region, strict=True)
            for d in found
            if not _cut_by(d.box, region, frame.shape)
        ]

    def examined(self, at: float) -> bool:
        """Was every part of the frame at `at` examined closely enough?"""
        return self.exams is not None and self.exams.examined(at)


def _cut_by(box: Box, crop: tuple[int, int, int, int], shape: tuple[int, ...]) -> bool:
    """A face touching a cut-out's edge inside the frame was cut by it: a fragment whose box
    would mislead the tracker. The pad holds every face the fine pass is for; bigger ones
    are the frame-wide pass's."""
    height, width = shape[:2]
    return (
        (box[0] <= crop[0] + EDGE and crop[0] > 0)
        or (box[1] <= crop[1] + EDGE and crop[1] > 0)
        or (box[2] >= crop[2] - EDGE and crop[2] < width)
        or (box[3] >= crop[3] - EDGE and crop[3] < height)
    )


def _swept(track: Track, at: float, coast_seconds: float) -> Box:
    """Where the track's face was since the last analysis, and is expected now: the pixels
    its own motion changed. What it uncovered beyond is new to the examination."""
    boxes = [b for seen, b in track.history if seen >= at - MOTION_WINDOW]
    boxes.append(track.predict(at, coast_seconds))
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )
