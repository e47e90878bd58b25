"""Following faces from frame to frame, so identities are not recomputed every frame.

Association is by IoU (Hungarian), then by centre distance for faces that moved further
than their size between two analysed frames. Each track has a constant-velocity motion
model, used for two things: predicting where a face is *now* when the last detection is a
few frames old (the live path), and coasting — when the detector misses a face, its
predicted box stays covered for `coast_seconds`, growing as the prediction gets less sure.

A track records when its identity may have changed (its box jumped, or another track's
predicted box fitted its detection nearly as well — two faces crossing): the recogniser's
looks are then forgotten, so a visible decision is never handed from one face to another.
A face passing behind a visible one, seen clearly all along, fits its own track far better
than the passer-by's and keeps its identity.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import linear_sum_assignment

from .geometry import Box, center, enlarge, iou, iou_matrix, size

MIN_IOU = 0.1
AMBIGUITY_MARGIN = 0.3  # a rival track within this IoU of the chosen one makes a match unsure
MAX_CENTRE_JUMP = 0.8  # of the face size: a match further than this is not the same face
JUMP_FORGETS_IDENTITY = 0.5  # of the face size, beyond what the motion model predicted
VELOCITY_WINDOW = 0.5  # seconds of detections the velocity is measured over


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

    def predict(self, at: float, coast_seconds: float) -> Box:
        """Where the face is at time `at`: the box swept along its velocity, grown while
        coasting so a guess still covers the face."""
        dt = max(0.0, at - self.seen_at)
        if dt == 0:
            return self.box
        dx, dy = self.velocity[0] * dt, self.velocity[1] * dt
        # From where it was to where it should be: a face that stopped or turned back since
        # is still inside.
        box: Box = (self.box[0] + min(dx, 0), self.box[1] + min(dy, 0),
                    self.box[2] + max(dx, 0), self.box[3] + max(dy, 0))
        return enlarge(box, 1 + 0.6 * min(dt / coast_seconds, 1.0)) if dt > 0.1 else box

    def forget_identity(self) -> None:
        self.looks.clear()
        self.epoch += 1


class Tracker:
    def __init__(self, coast_seconds: float = 1.5) -> None:
        self.coast_seconds = coast_seconds
        self.tracks: list[Track] = []
        self._ids = itertools.count(1)

    def update(self, boxes: list[Box], at: float) -> list[Track]:
        """Match this frame's detections; returns the tracks seen in this frame."""
        predicted = [t.predict(at, self.coast_seconds) for t in self.tracks]
        pairs = _associate(predicted, boxes)
        ious = iou_matrix(predicted, boxes)
        seen = []
        for ti, di in pairs:
            track = self.tracks[ti]
            rival = max((ious[k, di] for k in range(len(predicted)) if k != ti), default=0.0)
            if rival >= MIN_IOU and rival > ious[ti, di] - AMBIGUITY_MARGIN:
                # Another face's predicted box fits this detection almost as well: the
                # two may have just been swapped. Neither keeps its identity.
                track.forget_identity()
                for k in range(len(predicted)):
                    if k != ti and ious[k, di] == rival:
                        self.tracks[k].forget_identity()
            self._follow(track, boxes[di], predicted[ti], at)
            seen.append(track)
        matched = {di for _, di in pairs}
        for di, box in enumerate(boxes):
            if di not in matched:
                track = Track(next(self._ids), box, seen_at=at, trail=[(at, *center(box))])
                self.tracks.append(track)
                seen.append(track)
        self.tracks = [t for t in self.tracks if at - t.seen_at <= self.coast_seconds]
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
        if np.hypot(px - bx, py - by) > JUMP_FORGETS_IDENTITY * max(size(box)):
            track.forget_identity()
        track.box = box
        track.seen_at = at


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
        cost = np.array([[_centre_distance(predicted[i], boxes[j]) for j in free_d]
                         for i in free_t])
        rows, cols = linear_sum_assignment(cost)
        pairs += [(free_t[r], free_d[c]) for r, c in zip(rows, cols, strict=True)
                  if cost[r, c] <= MAX_CENTRE_JUMP]
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
