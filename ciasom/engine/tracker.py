"""Following faces from frame to frame, so identities are not recomputed every frame.

Association is by IoU (Hungarian), then by centre distance for faces that moved further
than their size between two analysed frames. Each track has a constant-velocity motion
model, used for two things: predicting where a face is *now* when the last detection is a
few frames old (the live path), and coasting — when the detector misses a face, its
predicted box stays covered for `coast_seconds`, growing as the prediction gets less sure.
Both are bounded: the box travels at most `MAX_COAST_TRAVEL` face sizes and grows at most
`MAX_COAST_GROWTH`, so a covered face is its own box plus the margin, never a region that
spreads over the frame (a close-up coasting at speed once covered most of it, issue 9).

At a camera cut (`watch` sees the whole frame change, `cuts.CutDetector`) the shot's tracks
end: they cover the frames up to the cut and none after it, and faces of the new shot are
never carried back over the frames before it.

A track records when its identity may have changed (its box jumped, or another track's
predicted box fitted its detection nearly as well — two faces crossing): the recogniser's
looks are then forgotten, so a visible decision is never handed from one face to another.
A face passing behind a visible one, seen clearly all along, fits its own track far better
than the passer-by's and keeps its identity.

Each track keeps its detections for the privacy delay (`history`), so a frame still waiting
to be sent can be covered with what was learnt *after* it: where a face was between two
analysed frames, and where a face found only later already was (carried back).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import NamedTuple, cast

import numpy as np
from scipy.optimize import linear_sum_assignment

from .cuts import CutDetector
from .geometry import Box, center, enlarge, iou, iou_matrix, size

MIN_IOU = 0.1
AMBIGUITY_MARGIN = 0.3  # a rival track within this IoU of the chosen one makes a match unsure
# ... if its face is about as big: a face that swapped places with one this much bigger or
# smaller would change size as much, and that alone forgets the identity (`_follow`). A
# small face passing behind the host's big one no longer costs the host his identity.
SWAP_SIZE_RATIO = 1.4
MAX_CENTRE_JUMP = 0.8  # of the face size: a match further than this is not the same face
JUMP_FORGETS_IDENTITY = 0.5  # of the face size, beyond what the motion model predicted
VELOCITY_WINDOW = 0.5  # seconds of detections the velocity is measured over
MAX_GAP = 0.5  # s between two detections of a track beyond which the frames between coast
# (a slow analysis, not a miss, can space them this far; a face missed by an analysis
# between them is anywhere from one to the other: its cover spans both)
EXACT_GAP = 0.1  # s: sightings this close cover the interpolated box; further apart, both
UNKNOWN_SPEED = 1.0  # face sizes per second a face is assumed to move before it was found
CARRY_SLACK = 1.3  # a box carried back is this much larger: the motion before it was seen
# is a guess, and small faces' boxes jitter
MAX_COAST_TRAVEL = 1.0  # face sizes a predicted box may move from the last sighting
MAX_COAST_GROWTH = 0.6  # a coasting box grows by at most this share (1.6x)
FACE_ASPECT = 0.75  # width / height of a whole face's box (CenterFace on portraits: 0.67-0.8)
MAX_CARRY_GROWTH = 2.2  # a box carried back grows at most this much (0.6 face sizes each
# way): a big face found 0.7 s late was carried back over 80 % of the frame (issue 9)


class Whereabouts(NamedTuple):
    """Where a track's face was at one moment."""

    box: Box  # its box then (a prediction while coasting)
    coasting: bool  # the detector had lost it: covered, whatever the decision
    reach: Box  # all it may have covered then: what its mosaic must cover
    unseen: bool  # not at a sighting (coasting, carried back, between sightings far apart):
    # the cover is where it may have been, so it may lie behind a face seen right then


@dataclass
class Look:
    """One recognition of a track: who it looked like, how far, when."""

    at: float
    person: str | None
    distance: float | None


@dataclass
class Track:
    id: int
    box: Box  # where the face was last detected
    seen_at: float
    velocity: tuple[float, float] = (0.0, 0.0)  # of the box centre, pixels per second
    trail: list[tuple[float, float, float]] = field(default_factory=list)  # (at, cx, cy)
    looks: list[Look] = field(default_factory=list)
    epoch: int = 0  # bumped whenever the identity is forgotten; late looks of an old epoch drop
    crowded: bool = False  # overlapping another face now: a look might describe the other
    history: list[tuple[float, Box]] = field(default_factory=list)  # (at, box), oldest first
    identity_since: float = -float("inf")  # looks say nothing about frames before this
    shot_from: float = -float("inf")  # its shot began after this: no cover before it
    ends_at: float = float("inf")  # a camera cut at this time: no cover from it on

    def __post_init__(self) -> None:
        if not self.history:
            self.history.append((self.seen_at, self.box))
            self.identity_since = self.seen_at

    def predict(self, at: float, coast_seconds: float) -> Box:
        """Where the face is at time `at`: the box swept along its velocity, grown while
        coasting so a guess still covers the face."""
        dt = max(0.0, at - self.seen_at)
        if dt == 0:
            return self.box
        reach = MAX_COAST_TRAVEL * max(size(self.box))
        dx, dy = (float(np.clip(v * dt, -reach, reach)) for v in self.velocity)
        box = _sweep(self.box, dx, dy)
        grow = MAX_COAST_GROWTH * min(dt / coast_seconds, 1.0)
        return enlarge(box, 1 + grow) if dt > 0.1 else box

    def at_time(self, at: float, coast_seconds: float, carry_back: float) -> Whereabouts | None:
        """Where the face was or is at `at` (see :class:`Whereabouts`).

        Between two detections close in time the box is interpolated (a real sighting)
        and may reach from one to the other; before the first detection, within
        `carry_back`, it is swept back along the measured velocity and grown (the face may
        have been there unseen); after the last, predicted as it coasts. None when the
        track says nothing about `at`.
        """
        if not self.shot_from < at < self.ends_at:
            return None
        first_at, first = self.history[0]
        if at < first_at:
            dt = first_at - at
            if dt > carry_back:
                return None
            travel = MAX_COAST_TRAVEL * max(size(first))
            dx, dy = (float(np.clip(-v * dt, -travel, travel)) for v in self.velocity)
            box = _sweep(first, dx, dy)
            grow = UNKNOWN_SPEED * dt if self.velocity == (0.0, 0.0) else 0.3 * dt / carry_back
            box = enlarge(box, min(CARRY_SLACK + 2 * grow, MAX_CARRY_GROWTH))
            return Whereabouts(box, True, _whole_face(box), True)
        if at >= self.seen_at:
            if at - self.seen_at > coast_seconds:
                return None
            box = self.predict(at, coast_seconds)
            coasting = at > self.seen_at
            return Whereabouts(box, coasting, _whole_face(box), coasting)
        for (t1, b1), (t2, b2) in zip(self.history, self.history[1:], strict=False):
            if t1 <= at <= t2:
                if t2 - t1 > MAX_GAP:  # missed in between: anywhere from one to the other
                    return Whereabouts(_union(b1, b2), True, _whole_face(_union(b1, b2)), True)
                w = (at - t1) / (t2 - t1) if t2 > t1 else 1.0
                between = cast(Box, tuple(a + (b - a) * w for a, b in zip(b1, b2, strict=True)))
                far = t2 - t1 > EXACT_GAP
                reach = _union(b1, b2) if far else between
                return Whereabouts(between, False, _whole_face(reach), far and t1 < at < t2)
        return None

    def forget_identity(self, at: float) -> None:
        """Looks so far may describe another face: nothing before `at` can be shown."""
        self.forget_looks()
        self.identity_since = max(self.identity_since, at)

    def forget_looks(self) -> None:
        """Start recognising afresh (the allowed people changed); looks in flight drop."""
        self.looks.clear()
        self.epoch += 1


class Tracker:
    """Tracks in play (`tracks`) and, for frames still waiting to be sent, recently ended
    ones (`ended`), kept `keep_for` seconds after their last sighting."""

    def __init__(self, coast_seconds: float = 1.5, keep_for: float = 0.0) -> None:
        self.coast_seconds = coast_seconds
        self.keep_for = keep_for
        self.tracks: list[Track] = []
        self.ended: list[Track] = []
        self._ids = itertools.count(1)
        self._cuts = CutDetector()
        self._last_update = -float("inf")
        self._shot_from = -float("inf")

    @property
    def every_track(self) -> list[Track]:
        return self.tracks + self.ended

    def forget_looks(self) -> None:
        for track in self.every_track:
            track.forget_looks()

    def rescale(self, fx: float, fy: float) -> None:
        """The same scene at another size (the publisher switched resolution): every
        track's boxes, trail and velocity in the new frame's pixels; identities stay."""

        def scaled(box: Box) -> Box:
            return (box[0] * fx, box[1] * fy, box[2] * fx, box[3] * fy)

        for track in self.every_track:
            track.box = scaled(track.box)
            track.history = [(at, scaled(box)) for at, box in track.history]
            track.trail = [(at, x * fx, y * fy) for at, x, y in track.trail]
            track.velocity = (track.velocity[0] * fx, track.velocity[1] * fy)

    def watch(self, frame_bgr: np.ndarray, at: float) -> bool:
        """Look at an analysed frame before its faces are found; at a camera cut, end every
        track. The cut fell after the previous analysed frame: old tracks cover up to this
        one, new ones from that one (between the two, both: fail closed)."""
        if not self._cuts.is_cut(frame_bgr):
            return False
        for track in self.tracks:
            track.ends_at = at
        self.ended += self.tracks
        self.tracks = []
        self._shot_from = self._last_update
        return True

    def update(self, boxes: list[Box], at: float) -> list[Track]:
        """Match this frame's detections; returns the tracks seen in this frame."""
        self._last_update = at
        predicted = [t.predict(at, self.coast_seconds) for t in self.tracks]
        pairs = _associate(predicted, boxes)
        ious = iou_matrix(predicted, boxes)
        seen = []
        for ti, di in pairs:
            track = self.tracks[ti]
            rival = max(
                (
                    ious[k, di]
                    for k in range(len(predicted))
                    if k != ti and _similar_size(self.tracks[k].box, boxes[di])
                ),
                default=0.0,
            )
            if rival >= MIN_IOU and rival > ious[ti, di] - AMBIGUITY_MARGIN:
                # Another face's predicted box fits this detection almost as well: the
                # two may have just been swapped. Neither keeps its identity.
                track.forget_identity(at)
                for k in range(len(predicted)):
                    if k != ti and ious[k, di] == rival:
                        self.tracks[k].forget_identity(at)
            self._follow(track, boxes[di], predicted[ti], at)
            seen.append(track)
        matched = {di for _, di in pairs}
        for di, box in enumerate(boxes):
            if di not in matched:
                track = Track(
                    next(self._ids),
                    box,
                    seen_at=at,
                    trail=[(at, *center(box))],
                    shot_from=self._shot_from,
                )
                self.tracks.append(track)
                seen.append(track)
        horizon = at - self.keep_for - self.coast_seconds
        self.ended = [
            t
            for t in self.ended + [t for t in self.tracks if at - t.seen_at > self.coast_seconds]
            if t.seen_at >= horizon
        ]
        self.tracks = [t for t in self.tracks if at - t.seen_at <= self.coast_seconds]
        for track in self.tracks:
            track.history = [h for h in track.history if h[0] >= horizon] or track.history[-1:]
        _mark_crowded(self.tracks)
        return seen

    def _follow(self, track: Track, box: Box, predicted: Box, at: float) -> None:
        (px, py), (bx, by) = center(predicted), center(box)
        track.trail = [p for p in track.trail if at - p[0] <= VELOCITY_WINDOW] + [(at, bx, by)]
        first = track.trail[0]
        if at - first[0] > 0:
            # The slope over a window, not the last step: a face half hidden for a frame or
            # two shifts its box, and that must not steer where we cover it next.
            track.velocity = ((bx - first[1]) / (at - first[0]), (by - first[2]) / (at - first[0]))
        if np.hypot(px - bx, py - by) > JUMP_FORGETS_IDENTITY * max(size(box)) or not _similar_size(
            track.box, box
        ):
            track.forget_identity(at)
        track.box = box
        track.seen_at = at
        track.history.append((at, box))


def _sweep(box: Box, dx: float, dy: float) -> Box:
    """The box and its copy moved by (dx, dy), and all between: a face that stopped or
    turned back on the way is still inside."""
    return (box[0] + min(dx, 0), box[1] + min(dy, 0), box[2] + max(dx, 0), box[3] + max(dy, 0))


def _similar_size(a: Box, b: Box) -> bool:
    """About as tall (heights: a half-hidden face's box narrows, its height holds)."""
    ah, bh = size(a)[1], size(b)[1]
    return max(ah, bh) <= SWAP_SIZE_RATIO * max(1.0, min(ah, bh))


def _whole_face(box: Box) -> Box:
    """The box widened, about its centre, to a whole face's width: a face half hidden behind
    another is found by its visible half, and its cover must reach the half it shows on
    the far side of that box too (a stranger behind the host leaked there, issue 9)."""
    width, height = size(box)
    if width >= FACE_ASPECT * height:
        return box
    extra = (FACE_ASPECT * height - width) / 2
    return (box[0] - extra, box[1], box[2] + extra, box[3])


def _union(a: Box, b: Box) -> Box:
    return (min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3]))


def _associate(predicted: list[Box], boxes: list[Box]) -> list[tuple[int, int]]:
    if not predicted or not boxes:
        return []
    ious = iou_matrix(predicted, boxes)
    rows, cols = linear_sum_assignment(-ious)
    pairs = [(r, c) for r, c in zip(rows, cols, strict=True) if ious[r, c] >= MIN_IOU]
    # Faces that moved more than their overlap allows: nearest centre, within reach.
    free_t = [i for i in range(len(predicted)) if i not in {p[0] for p in pairs}]
    free_d = [j for j in range(len(boxes)) if j not in {p[1] for p in pairs}]
    if free_t and free_d:
        cost = np.array(
            [[_centre_distance(predicted[i], boxes[j]) for j in free_d] for i in free_t]
        )
        rows, cols = linear_sum_assignment(cost)
        pairs += [
            (free_t[r], free_d[c])
            for r, c in zip(rows, cols, strict=True)
            if cost[r, c] <= MAX_CENTRE_JUMP
        ]
    return pairs


def _centre_distance(a: Box, b: Box) -> float:
    (ax, ay), (bx, by) = center(a), center(b)
    return float(np.hypot(ax - bx, ay - by) / max(*size(a), *size(b), 1.0))


def _mark_crowded(tracks: list[Track]) -> None:
    """Overlapping faces: a look now could describe the other one, so none is taken."""
    for track in tracks:
        track.crowded = False
    for a, b in itertools.combinations(tracks, 2):
        if iou(a.box, b.box) >= MIN_IOU:
            a.crowded = b.crowded = True
