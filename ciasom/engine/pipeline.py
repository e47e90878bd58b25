"""One frame through the engine: detect -> track -> recognise -> decide -> mosaic.

`PrivacyEngine` does it synchronously (the offline tool and the benchmark). The live
path (`live.py`) runs the same stages split over threads, and both cover faces with
`cover_faces`, so what is shown is decided in one place. Both look ahead: a frame is
covered with what the analysis of later frames found (DESIGN.md §1, the privacy delay).
"""

from __future__ import annotations

import logging
from collections import deque
from dataclasses import dataclass, field

import cv2
import numpy as np

from . import policy
from .detector import FaceDetector
from .embedder import FaceEmbedder
from .finder import FaceFinder
from .gallery import Gallery
from .geometry import Box, clip
from .mosaic import cover, cover_whole_frame
from .recognition import crop_for_look, look, record
from .settings import EngineSettings
from .timing import timed
from .tracker import Tracker

logger = logging.getLogger(__name__)

LOG_EVERY = 100  # failed analyses: the first and every hundredth are logged


@dataclass(frozen=True)
class FaceReport:
    box: Box  # detected (or, when coasting, predicted) face box
    mosaic: tuple[int, int, int, int] | None  # area covered; None when left visible
    track: int
    person: str | None
    distance: float | None
    reason: str


@dataclass
class FrameResult:
    frame: np.ndarray
    faces: list[FaceReport]
    degraded: str | None = None  # why the whole frame was covered, if it was
    timings: dict[str, float] = field(default_factory=dict)  # ms per stage
    at: float = 0.0  # the frame's time


def cover_faces(
    source: np.ndarray,
    out: np.ndarray,
    tracker: Tracker,
    at: float,
    settings: EngineSettings,
    carry_back: float,
) -> list[FaceReport]:
    """Cover, in `out` (a copy of `source` taken at `at`), every face the policy does not show.

    `at` may lie behind the newest analysis (the privacy delay): each track says where its
    face was then — seen, interpolated between sightings, carried back from a later first
    sighting, or coasting after the last. A face not seen right then (coasting, carried
    back, or between two sightings far apart) that overlaps a face shown right then, not
    coasting, is behind it (were it in front, it would have been found): its cover stops at
    the shown face itself — the ellipse in its box, not the box's corners, where the face
    behind may peek out — so people walking behind the host do not mosaic the host.
    """
    decided = []
    for track in tracker.every_track:
        where = track.at_time(at, tracker.coast_seconds, carry_back)
        if where is None:
            continue
        decision = policy.decide(settings.mode, track, at, coasting=where.coasting, degraded=False)
        decided.append((track, where, decision))
    covered: dict[int, tuple[int, int, int, int] | None] = {}
    for track, where, decision in decided:
        if where.unseen and not decision.visible:
            covered[track.id] = cover(
                out, where.reach, settings.style, settings.margin, settings.strength
            )
    behind = [area for area in covered.values() if area is not None]
    for _track, where, decision in decided:
        if decision.visible and not where.coasting:
            for area in behind:
                _restore_face(source, out, where.box, area)
    for track, where, decision in decided:
        if not where.unseen and not decision.visible:
            covered[track.id] = cover(
                out, where.reach, settings.style, settings.margin, settings.strength
            )
    reports = []
    for track, where, decision in decided:
        last = track.looks[-1] if track.looks else None
        reports.append(
            FaceReport(
                where.box,
                covered.get(track.id),
                track.id,
                decision.person,
                last.distance if last else None,
                decision.reason,
            )
        )
    return reports


def render_faces(
    frame: np.ndarray,
    tracker: Tracker,
    at: float,
    settings: EngineSettings,
    carry_back: float,
    shape: tuple[int, ...],
) -> tuple[np.ndarray, list[FaceReport]]:
    """`frame` with its faces covered (`cover_faces`), the tracks being measured in frames
    of `shape`: a frame that waited from before a resolution switch is covered as seen at
    the new size, then brought back to its own."""
    if frame.shape == shape:
        out = frame.copy()
        return out, cover_faces(frame, out, tracker, at, settings, carry_back)
    height, width = frame.shape[:2]
    seen = cv2.resize(frame, (shape[1], shape[0]), interpolation=cv2.INTER_AREA)
    out = seen.copy()
    faces = cover_faces(seen, out, tracker, at, settings, carry_back)
    return cv2.resize(out, (width, height), interpolation=cv2.INTER_LINEAR), faces


def _restore_face(
    source: np.ndarray, out: np.ndarray, box: Box, covered: tuple[int, int, int, int]
) -> None:
    """Undo, inside the ellipse of a shown face, a cover drawn over `covered`."""
    height, width = out.shape[:2]
    fx1, fy1, fx2, fy2 = clip(box, width, height)
    x1, y1 = max(fx1, covered[0]), max(fy1, covered[1])
    x2, y2 = min(fx2, covered[2]), min(fy2, covered[3])
    if x2 <= x1 or y2 <= y1:
        return
    mask = np.zeros((y2 - y1, x2 - x1), np.uint8)
    cx, cy = (box[0] + box[2]) / 2 - x1, (box[1] + box[3]) / 2 - y1
    axes = (int((box[2] - box[0]) * 0.47), int((box[3] - box[1]) * 0.47))
    cv2.ellipse(mask, (int(cx), int(cy)), axes, 0, 0, 360, 1, -1)
    region = mask.astype(bool)
    out[y1:y2, x1:x2][region] = source[y1:y2, x1:x2][region]


@dataclass
class _Waiting:
    frame: np.ndarray
    at: float
    timings: dict[str, float]


class PrivacyEngine:
    """Synchronous engine for files: every frame analysed, identities looked at as needed.

    `process` analyses a frame and covers it at once. `push` and `flush` look ahead: a
    frame is covered only once the frames `lookahead` seconds after it have been analysed,
    so faces found late are covered back to their first frame — the live path's privacy
    delay, with the whole file to look into.
    """

    def __init__(
        self,
        settings: EngineSettings,
        gallery: Gallery,
        *,
        threads: int = 1,
        lookahead: float = 0.0,
        detector: FaceDetector | None = None,
        embedder: FaceEmbedder | None = None,
    ) -> None:
        self.settings = settings
        self.gallery = gallery
        self.lookahead = lookahead
        self.detector = detector or FaceDetector(width=settings.detect_width, threads=threads)
        self.embedder = embedder or FaceEmbedder()
        self.tracker = Tracker(keep_for=lookahead)
        self.finder = FaceFinder(self.detector, carry_back=lookahead)
        self._waiting: deque[_Waiting] = deque()
        self._analysed: dict[float, str | None] = {}  # frame time -> why its analysis failed
        self._failures = 0

    def process(self, frame: np.ndarray, at: float) -> FrameResult:
        """The frame with faces covered; never the raw frame if anything fails."""
        timings: dict[str, float] = {}
        self._analyse(frame, at, timings)
        return self._render(_Waiting(frame, at, timings))

    def push(self, frame: np.ndarray, at: float) -> list[FrameResult]:
        """Analyse a frame; returns, in order, the frames now `lookahead` behind it."""
        waiting = _Waiting(frame, at, {})
        self._analyse(frame, at, waiting.timings)
        self._waiting.append(waiting)
        ready = []
        while self._waiting and self._waiting[0].at <= at - self.lookahead:
            ready.append(self._render(self._waiting.popleft()))
        return ready

    def flush(self) -> list[FrameResult]:
        """The frames still waiting at the end of the file."""
        if self._waiting and self.settings.mode != "off":
            last = self._waiting[-1]
            try:
                found = self.finder.examine_pending(last.frame, self.tracker, last.at)
                self.tracker.update([d.box for d in found], last.at)
            except Exception as error:  # those frames go out covered whole
                self._analysis_failed(last.at, error)
        ready = [self._render(waiting) for waiting in self._waiting]
        self._waiting.clear()
        return ready

    def _analyse(self, frame: np.ndarray, at: float, timings: dict[str, float]) -> None:
        if self.settings.mode == "off":
            return
        try:
            self.tracker.watch(frame, at)  # a camera cut ends the previous shot's tracks
            detections = self.finder.find(frame, self.tracker, at, timings)
            with timed(timings, "track"):
                seen = self.tracker.update([d.box for d in detections], at)
            with timed(timings, "recognise"):
                if self.settings.mode == "except" and len(self.gallery):
                    for track in seen:
                        if policy.needs_look(track, at):
                            crop = crop_for_look(frame, track, at)
                            record(track, crop, look(self.embedder, self.gallery, crop))
            self._analysed[at] = None
        except Exception as error:  # whatever broke, nothing raw goes out
            self._analysis_failed(at, error)

    def _analysis_failed(self, at: float, error: Exception) -> None:
        """The frame at ``at`` goes out covered whole; the first and every
        :data:`LOG_EVERY` th failure is logged with its trace."""
        self._analysed[at] = f"{type(error).__name__}: {error}"
        self._failures += 1
        if self._failures % LOG_EVERY == 1:
            logger.error(
                "analysis failed (%d so far); frame covered whole", self._failures, exc_info=error
            )

    def _render(self, waiting: _Waiting) -> FrameResult:
        frame, at, timings = waiting.frame, waiting.at, waiting.timings
        if self.settings.mode == "off":
            return FrameResult(frame.copy(), [], None, timings, at)
        failure = self._analysed.pop(at, "not analysed")
        if failure is None and not self.finder.examined(at):
            failure = "not every part of the frame was examined closely enough"
        if failure is not None or self.finder.exams is None:
            return FrameResult(cover_whole_frame(frame), [], failure, timings, at)
        with timed(timings, "mosaic"):
            out, faces = render_faces(
                frame, self.tracker, at, self.settings, self.lookahead, self.finder.exams.shape
            )
        return FrameResult(out, faces, None, timings, at)
