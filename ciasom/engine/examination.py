"""Which parts of which frames have been examined closely enough to find a 24-px face.

The frame-wide detection pass runs on a downscaled copy and cannot see faces under ~65 px
at 720p. Examining the whole frame at full resolution costs ~130 ms, four times a frame's
whole budget, so the frame is cut into a grid of cells, and a cell is examined at full
resolution only when it could hold a face we have not seen:
- never examined yet (a new stream, a new frame size);
- changed since its last examination (a face cannot appear without changing pixels) —
  compared on a small grey copy, against the picture the cell had when it was examined;
  then only the part that changed is examined, with a margin that holds a whole face;
- not examined for `SWEEP_EVERY` seconds (a second chance for a face the detector missed).

A frame counts as examined in a cell when the cell was examined on that frame or on a later
one at most `carry_back` seconds on (a face still there was found then, and its track is
carried back over the frames between), or when it was examined earlier and had not changed
since. A frame leaves only once every cell is examined (DESIGN.md §1).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import cv2
import numpy as np

from .detector import FINE_HEIGHT
from .geometry import Box, enlarge

GRID = (4, 4)  # columns, rows
CELL_PAD = 50  # fine-pass pixels around a cell, so a face up to 100 (80 at 720p) on a seam is whole
CHANGE_SCALE = 4  # the change map is the frame shrunk this many times
CHANGE_LEVEL = 18  # grey levels a change-map pixel must move (compression noise stays below)
CHANGED_PIXELS = 4  # change-map pixels that make a cell changed (a 24 px face has ~36)
WHOLE_FRAME_AT = 0.8  # due regions covering this share of the frame are examined as one frame:
# batched padded cells cost ~400 ms per source megapixel at 720p, one frame-wide pass ~330
# and no pads (16 cells: 663 ms, the frame at once: 303 ms)
WHOLE_FRAME_WAIT = 1 / 3  # of the look-ahead: how long changes may wait for a frame-wide pass
SWEEP_EVERY = 4.0  # s; even an unchanged cell is examined again this often
EXAM_LAG = 0.1  # s a changed cell may wait, so one examination serves several analysed
# frames (offline analyses every frame); longer, and a face seen briefly (a passer-by
# walks before it) may be gone when it is examined
TIME_EPSILON = 1e-6  # s: frame times are sums of floats (0.3 - 0.2 < 0.1)
FACE_ITSELF = 1.2  # a tracked face's box this much larger: the face, not its hair or shoulders
_FACE = 0  # change-map value marking a tracked face (real pixels are kept above it)


class Due(NamedTuple):
    """What to examine now: these cells, each on its own, or (`frame_wide`) all of them in
    one pass over the whole frame."""

    cells: list[int]
    frame_wide: bool = False


class ExamMap:
    """Examination state of one frame size: cells, their pictures and clean intervals."""

    def __init__(self, shape: tuple[int, ...], carry_back: float) -> None:
        self.shape = shape
        self.carry_back = carry_back
        height, width = shape[:2]
        # The promise is relative to the frame's short side (24 px at 720p, a phone held
        # upright included).
        self.scale = FINE_HEIGHT / min(height, width)
        cols, rows = GRID
        pad = self._pad = math.ceil(CELL_PAD / self.scale)
        cell_w, cell_h = -(-width // cols), -(-height // rows)
        crop_w, crop_h = min(width, cell_w + 2 * pad), min(height, cell_h + 2 * pad)
        self.cells: list[tuple[int, int, int, int]] = []  # the part each cell answers for
        self.crops: list[tuple[int, int, int, int]] = []  # what is examined: cell + pad
        for row in range(rows):
            for col in range(cols):
                x1, y1 = col * cell_w, row * cell_h
                self.cells.append((x1, y1, min(width, x1 + cell_w), min(height, y1 + cell_h)))
                cx = min(max(0, x1 - pad), width - crop_w)  # same size everywhere: one batch
                cy = min(max(0, y1 - pad), height - crop_h)
                self.crops.append((cx, cy, cx + crop_w, cy + crop_h))
        count = len(self.cells)
        self._pictures: list[np.ndarray | None] = [None] * count
        self._examined_at = [-math.inf] * count
        self._unchanged_since: list[float | None] = [None] * count
        self._pending_since: list[float | None] = [None] * count  # oldest unexamined frame
        self._whole: list[bool] = [True] * count  # examine the whole cell, not what changed
        self._changed_box: list[tuple[int, int, int, int] | None] = [None] * count
        self._clean: list[list[list[float]]] = [[] for _ in range(count)]

    def resized(self, shape: tuple[int, ...]) -> ExamMap:
        """This map for the same scene sent at another size (the publisher switched
        resolution): the grid is relative, so each cell keeps what it knew — its examined
        picture scaled, its clean frames — and a cell waiting for examination is examined
        whole."""
        other = ExamMap(shape, self.carry_back)
        for index in range(len(self.cells)):
            picture = self._pictures[index]
            if picture is not None:
                x1, y1, x2, y2 = other._small(index)
                other._pictures[index] = cv2.resize(
                    picture, (x2 - x1, y2 - y1), interpolation=cv2.INTER_AREA
                )
            other._examined_at[index] = self._examined_at[index]
            other._unchanged_since[index] = self._unchanged_since[index]
            other._pending_since[index] = self._pending_since[index]
            other._whole[index] = self._whole[index] or self._pending_since[index] is not None
            other._clean[index] = [list(interval) for interval in self._clean[index]]
        return other

    def change_map(self, frame: np.ndarray) -> np.ndarray:
        height, width = self.shape[:2]
        grey = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
        size = (max(1, width // CHANGE_SCALE), max(1, height // CHANGE_SCALE))
        small = cv2.resize(grey, size, interpolation=cv2.INTER_AREA)
        return np.maximum(small, _FACE + 1, out=small)  # _FACE marks tracked faces only

    def observe(self, picture: np.ndarray, at: float, faces: list[Box]) -> None:
        """Compare an analysed frame with each cell's examined picture.

        Changes inside `faces` (where tracked faces are, and were a moment ago) are those
        faces moving — tracked already, covered or shown by decision — not new faces
        appearing: they call for no examination. Where a face was when a cell was examined
        but no longer is, what it uncovered differs from the examined picture: examined."""
        if faces:
            picture = picture.copy()
            s = CHANGE_SCALE
            for box in faces:
                x1, y1, x2, y2 = (max(0, int(v) // s) for v in enlarge(box, FACE_ITSELF))
                picture[y1 : y2 + 1, x1 : x2 + 1] = _FACE
        for index, reference in enumerate(self._pictures):
            if reference is None:
                if self._pending_since[index] is None:
                    self._pending_since[index] = at
                continue
            changed = self._changed(index, picture)
            if changed is not None:
                self._unchanged_since[index] = None
                seen = self._changed_box[index]
                self._changed_box[index] = (
                    changed
                    if seen is None
                    else (
                        min(seen[0], changed[0]),
                        min(seen[1], changed[1]),
                        max(seen[2], changed[2]),
                        max(seen[3], changed[3]),
                    )
                )
                if self._pending_since[index] is None:
                    self._pending_since[index] = self._last_clean(index)
            else:
                since = self._unchanged_since[index]
                if since is None:
                    since = self._unchanged_since[index] = at
                self._mark_clean(index, since, at)

    def due(self, at: float) -> Due:
        """Cells to examine now: never examined, changed since `EXAM_LAG` or longer (at
        once without look-ahead: nothing later would carry a face back), and the stalest
        one when its sweep is due.

        When most of the frame is due (the camera moves), every cell, examined in one
        frame-wide pass (`_cheaper_all_at_once`): as such a pass costs what several analyses
        do, the changes wait for it up to a third of the look-ahead."""
        cells = self._changed_since(at, min(EXAM_LAG, self.carry_back))
        if self._cheaper_all_at_once(cells):
            waited = self._changed_since(at, self.carry_back * WHOLE_FRAME_WAIT)
            new = any(self._pictures[i] is None for i in cells)
            return Due(list(range(len(self.cells))), True) if waited or new else Due([])
        stalest = min(range(len(self.cells)), key=self._examined_at.__getitem__)
        if stalest not in cells and at - self._examined_at[stalest] >= SWEEP_EVERY:
            self._whole[stalest] = True
            cells.append(stalest)
        return Due(cells)

    def _changed_since(self, at: float, lag: float) -> list[int]:
        """Cells never examined, or changed `lag` seconds ago or longer."""
        return [
            i
            for i, since in enumerate(self._pending_since)
            if since is not None and (self._pictures[i] is None or at - since >= lag - TIME_EPSILON)
        ]

    def region(self, index: int) -> tuple[int, int, int, int]:
        """What to examine of a due cell: all of it (never examined, or its sweep), or the
        part that changed, grown by the pad so a face there is whole in it."""
        crop = self.crops[index]
        box = self._changed_box[index]
        if self._whole[index] or box is None:
            return crop
        s, pad = CHANGE_SCALE, self._pad
        return (
            max(crop[0], box[0] * s - pad),
            max(crop[1], box[1] * s - pad),
            min(crop[2], box[2] * s + pad),
            min(crop[3], box[3] * s + pad),
        )

    def _cheaper_all_at_once(self, cells: list[int]) -> bool:
        """Is one pass over the whole frame cheaper than over these cells' regions (a camera
        that moves changes every cell)?"""
        height, width = self.shape[:2]
        regions = [self.crops[i] if self.whole(i) else self.region(i) for i in cells]
        due = sum((x2 - x1) * (y2 - y1) for x1, y1, x2, y2 in regions)
        return due >= WHOLE_FRAME_AT * width * height

    def whole(self, index: int) -> bool:
        return self._whole[index] or self._changed_box[index] is None

    def pending(self) -> list[int]:
        """Cells changed since their last examination (or never examined)."""
        return [i for i, since in enumerate(self._pending_since) if since is not None]

    def examined_cells(self, cells: list[int], picture: np.ndarray, at: float) -> None:
        """Record that `cells` of the frame at `at` were examined at full resolution."""
        for index in cells:
            x1, y1, x2, y2 = self._small(index)
            self._pictures[index] = picture[y1:y2, x1:x2].copy()
            self._examined_at[index] = at
            self._unchanged_since[index] = at
            self._pending_since[index] = None
            self._whole[index] = False
            self._changed_box[index] = None
            self._mark_clean(index, at - self.carry_back, at)

    def examined(self, at: float) -> bool:
        """Has every part of the frame at `at` been examined closely enough?"""
        return all(any(start <= at <= end for start, end in intervals) for intervals in self._clean)

    def forget_before(self, at: float) -> None:
        for intervals in self._clean:
            intervals[:] = [iv for iv in intervals if iv[1] >= at]

    def _changed(self, index: int, picture: np.ndarray) -> tuple[int, int, int, int] | None:
        """Where the cell changed since examined (change-map pixels), if it did."""
        reference = self._pictures[index]
        assert reference is not None  # only examined cells are compared
        x1, y1, x2, y2 = self._small(index)
        current = picture[y1:y2, x1:x2]
        moved = (cv2.absdiff(current, reference) > CHANGE_LEVEL) & (current != _FACE)
        ys, xs = np.nonzero(moved)
        if len(xs) < CHANGED_PIXELS:
            return None
        return (
            x1 + int(xs.min()),
            y1 + int(ys.min()),
            x1 + int(xs.max()) + 1,
            y1 + int(ys.max()) + 1,
        )

    def _small(self, index: int) -> tuple[int, int, int, int]:
        x1, y1, x2, y2 = self.cells[index]
        s = CHANGE_SCALE
        return x1 // s, y1 // s, max(x1 // s + 1, x2 // s), max(y1 // s + 1, y2 // s)

    def _mark_clean(self, index: int, start: float, end: float) -> None:
        intervals = self._clean[index]
        if intervals and start <= intervals[-1][1]:
            intervals[-1][0] = min(intervals[-1][0], start)
            intervals[-1][1] = max(intervals[-1][1], end)
        else:
            intervals.append([start, end])

    def _last_clean(self, index: int) -> float:
        intervals = self._clean[index]
        return intervals[-1][1] if intervals else self._examined_at[index]
