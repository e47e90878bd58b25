"""The engine for a live stream: analysis as frames arrive, covering as they leave.

The media path calls `submit` with each decoded frame as it arrives and holds the frame in
its delay line (the broadcast's privacy delay); when the frame is due it calls `render`.
By then the frames after it have been analysed, so `render` covers each face where it was
on that frame — seen, interpolated between two analysed frames, or carried back from a
later sighting. Analysis runs in its own thread on the newest submitted frame (at most
`max_rate` a second; the frames between are covered from the ones around them), and
recognition runs in a child process so dlib never blocks the event loop.

Fail closed: `render` covers the whole frame unless a frame-wide pass on that frame or a
later one has finished and every part of it has been examined closely enough
(`FaceFinder.examined`): while loading, after an analysis error, when the analysis is behind
or the frame size is new. `stats()["covered_why"]` says which, for the host's health panel.
When the publisher switches resolution, tracks and examinations are scaled to the new size
(the same scene); frames still waiting from before the switch are covered as seen at it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

import numpy as np

from . import policy
from .detector import FaceDetector
from .embedder import EmbedderProcess
from .finder import FaceFinder
from .gallery import Gallery
from .mosaic import cover_whole_frame
from .pipeline import render_faces
from .recognition import Embedder, FaceCrop, crop_for_look, look, record
from .settings import DEFAULT_PRIVACY_DELAY_MS, EngineSettings
from .tracker import Tracker

logger = logging.getLogger(__name__)

LOOK_RETRY_LOG_EVERY = 60  # recogniser start failures (one a second): logged once a minute
MAX_ANALYSES_PER_SECOND = 12.0  # leaves the cores to decoding, encoding and sending; the
# frames between analyses are covered from the analysed frames around them


class LiveEngine:
    def __init__(
        self,
        settings: EngineSettings,
        gallery: Gallery,
        *,
        delay: float = DEFAULT_PRIVACY_DELAY_MS / 1000,
        threads: int = 1,
        max_rate: float = MAX_ANALYSES_PER_SECOND,
        detector_factory: Callable[[], FaceDetector] | None = None,
        embedder_factory: Callable[[], Embedder] | None = None,
    ) -> None:
        self._settings = settings
        self._gallery = gallery
        self._delay = delay
        self._min_interval = 1.0 / max_rate
        self._detector_factory = detector_factory or (
            lambda: FaceDetector(width=settings.detect_width, threads=threads)
        )
        self._embedder_factory = embedder_factory or EmbedderProcess
        self._tracker = Tracker(keep_for=delay)
        self._finder: FaceFinder | None = None
        self._lock = threading.Lock()  # guards tracker, settings, gallery and the fields below
        self._frame_ready = threading.Condition()
        self._latest: tuple[np.ndarray, float] | None = None
        self._crops: dict[int, FaceCrop] = {}  # newest crop per track awaiting a look
        self._crops_ready = threading.Condition()
        self._closed = False
        self._ready = False
        self._error: str | None = None
        self._analysed_at = -float("inf")  # the newest frame a frame-wide pass finished on
        self._shape: tuple[int, ...] | None = None  # frame size the tracks are measured in
        self._previous_shape: tuple[int, ...] | None = None  # frames from before a switch
        self._analysed_shape: tuple[int, ...] | None = None  # of the `_analysed_at` frame
        self._engine_ms: deque[float] = deque(maxlen=120)
        self._stage_ms: dict[str, deque[float]] = {}  # per analysis, as the finder timed it
        self._recent_looks: deque[tuple[str | None, float | None]] = deque(maxlen=6)
        self._counts = {
            "submitted": 0,
            "analysed": 0,
            "dropped": 0,
            "rendered": 0,
            "covered_whole": 0,
            "looks": 0,
            "matched": 0,
            "errors": 0,
        }
        self._covered_why: dict[str, int] = {}
        self._threads = [
            threading.Thread(target=self._analyse_forever, daemon=True, name="ciasom-analysis"),
            threading.Thread(
                target=self._recognise_forever, daemon=True, name="ciasom-recognition"
            ),
        ]
        for thread in self._threads:
            thread.start()

    # -- called by the media path ------------------------------------------------------

    def submit(self, frame: np.ndarray, timestamp: float) -> None:
        """Offer a frame for analysis; replaces any frame not yet picked up. Never blocks."""
        with self._frame_ready:
            if self._latest is not None:
                self._counts["dropped"] += 1
            self._latest = (frame, timestamp)
            self._counts["submitted"] += 1
            self._frame_ready.notify()

    def render(self, frame: np.ndarray, timestamp: float) -> np.ndarray:
        """A new frame with faces covered as the policy says; the whole frame unless the
        frame has been examined (see the module docstring)."""
        with self._lock:
            self._counts["rendered"] += 1
            if self._settings.mode == "off":
                return frame.copy()
            why = self._unexamined(frame.shape, timestamp)
            if why is not None:
                self._counts["covered_whole"] += 1
                self._covered_why[why] = self._covered_why.get(why, 0) + 1
                return cover_whole_frame(frame)
            assert self._shape is not None  # set by the first analysis (or `why` said so)
            out, _faces = render_faces(
                frame, self._tracker, timestamp, self._settings, self._delay, self._shape
            )
            return out

    def update(
        self, settings: EngineSettings | None = None, gallery: Gallery | None = None
    ) -> None:
        """Apply a host's change live. A new gallery re-verifies every face from scratch,
        so someone just removed from the allowed people is covered at once."""
        with self._lock:
            if settings is not None:
                self._settings = settings
            if gallery is not None:
                self._gallery = gallery
                self._tracker.forget_looks()

    def set_delay(self, seconds: float) -> None:
        """The broadcast's privacy delay changed: carry findings back that far from now on."""
        with self._lock:
            self._delay = seconds
            self._tracker.keep_for = seconds
            if self._finder is not None:
                self._finder.set_carry_back(seconds)

    def stats(self) -> dict[str, Any]:
        with self._lock:
            ms = sorted(self._engine_ms)
            return {
                **self._counts,
                "ready": self._ready,
                "error": self._error,
                "covered_why": dict(self._covered_why),
                "recent_looks": list(self._recent_looks),  # (person, distance): why shown
                "faces": len(self._tracker.tracks),
                "engine_ms_p50": round(ms[len(ms) // 2], 2) if ms else None,
                "engine_ms_p95": round(ms[int(len(ms) * 0.95)], 2) if ms else None,
                # Mean ms per analysis by stage: a stage that ran on few analyses counts
                # as what it costs on average.
                "stage_ms_per_analysis": {
                    stage: round(sum(values) / max(1, len(ms)), 2)
                    for stage, values in self._stage_ms.items()
                },
            }

    def close(self) -> None:
        self._closed = True
        with self._frame_ready:
            self._frame_ready.notify_all()
        with self._crops_ready:
            self._crops_ready.notify_all()
        for thread in self._threads:
            thread.join(timeout=5)

    # -- background work ----------------------------------------------------------------

    def _unexamined(self, shape: tuple[int, ...], timestamp: float) -> str | None:
        """Why the frame cannot go out with only its faces covered; None when it can."""
        if not self._ready:
            return "engine starting"
        if self._error is not None:
            return self._error
        if timestamp > self._analysed_at or shape not in (self._shape, self._previous_shape):
            new = shape not in (self._analysed_shape, self._previous_shape)
            return "new frame size, not analysed yet" if new else "analysis behind"
        if self._finder is None or not self._finder.examined(timestamp):
            return "small faces not searched yet"
        return None

    def _analyse_forever(self) -> None:
        try:
            finder = FaceFinder(self._detector_factory(), carry_back=self._delay)
        except Exception as error:  # a broken model: stay fully covered, say why
            logger.exception("detector failed to load")
            with self._lock:
                self._error = f"detector failed to load: {error}"
            return
        with self._lock:
            self._finder = finder
            self._ready = True
        started = 0.0
        while not self._closed:
            rest = self._min_interval - (time.monotonic() - started)
            if rest > 0:
                time.sleep(rest)
            started = time.monotonic()
            with self._frame_ready:
                while self._latest is None and not self._closed:
                    self._frame_ready.wait(timeout=0.5)
                if self._closed or self._latest is None:
                    return
                frame, timestamp = self._latest
                self._latest = None
            self._analyse(finder, frame, timestamp)

    def _analyse(self, finder: FaceFinder, frame: np.ndarray, timestamp: float) -> None:
        start = time.perf_counter()
        try:
            if frame.shape != self._shape:  # the host changed resolution: same scene, rescaled
                with self._lock:
                    finder.resize(frame.shape, self._tracker)
                    self._previous_shape, self._shape = self._shape, frame.shape
            timings: dict[str, float] = {}
            with self._lock:
                self._tracker.watch(frame, timestamp)  # a camera cut ends the shot's tracks
            detections = finder.find(frame, self._tracker, timestamp, timings)
            with self._lock:
                seen = self._tracker.update([d.box for d in detections], timestamp)
                wanted = self._settings.mode == "except" and len(self._gallery) > 0
                crops = [
                    crop_for_look(frame, t, timestamp)
                    for t in seen
                    if wanted and policy.needs_look(t, timestamp) and t.id not in self._crops
                ]
                self._analysed_at, self._analysed_shape = timestamp, frame.shape
                self._error = None
                self._counts["analysed"] += 1
                self._engine_ms.append((time.perf_counter() - start) * 1000)
                for stage, ms in timings.items():
                    self._stage_ms.setdefault(stage, deque(maxlen=120)).append(ms)
        except Exception as error:  # whatever broke, render covers everything until fixed
            if self._counts["errors"] % 100 == 0:
                logger.exception("analysis failed (%d so far)", self._counts["errors"] + 1)
            with self._lock:
                self._error = f"analysis failed: {type(error).__name__}: {error}"
                self._counts["errors"] += 1
            return
        if crops:
            with self._crops_ready:
                self._crops.update({c.track_id: c for c in crops})
                self._crops_ready.notify()

    def _recognise_forever(self) -> None:
        embedder = None
        failed_starts = 0
        while not self._closed:
            with self._crops_ready:
                while not self._crops and not self._closed:
                    self._crops_ready.wait(timeout=0.5)
                if self._closed:
                    break
                crop = min(self._crops.values(), key=lambda c: c.at)
            if embedder is None:
                try:
                    embedder = self._embedder_factory()
                except Exception:  # no recogniser: faces simply stay covered; retried each second
                    if failed_starts % LOOK_RETRY_LOG_EVERY == 0:
                        logger.exception(
                            "the recogniser failed to start (%d tries); faces stay covered",
                            failed_starts + 1,
                        )
                    failed_starts += 1
                    time.sleep(1)
                    continue
            with self._lock:
                gallery = self._gallery
            result = look(embedder, gallery, crop)
            with self._lock:
                self._counts["looks"] += 1
                self._counts["matched"] += result.person is not None
                self._recent_looks.append(
                    (result.person, result.distance and round(result.distance, 3))
                )
                for track in self._tracker.tracks:
                    if track.id == crop.track_id:
                        record(track, crop, result)
            with self._crops_ready:
                if self._crops.get(crop.track_id) is crop:
                    del self._crops[crop.track_id]
        if embedder is not None and hasattr(embedder, "close"):
            embedder.close()
