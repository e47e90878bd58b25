"""The engine for a live stream: analysis in the background, covering on every frame.

The media path calls `submit` with each decoded frame and `render` for each frame it
sends. `render` never waits for detection or recognition: it covers the faces of the
latest analysis, moved to where their motion says they are now. Analysis runs in its own
thread on the newest submitted frame only (older ones are dropped, never queued), and
recognition runs in a child process so dlib never blocks the event loop.

Fail closed: until the first analysis, after an analysis error, or when the analysis is
older than `stale_after` seconds, `render` returns the whole frame pixelated.
"""

from __future__ import annotations

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
from .pipeline import cover_faces
from .recognition import FaceCrop, crop_for_look, look, record
from .settings import EngineSettings
from .tracker import Tracker

STALE_AFTER = 0.5  # seconds: an analysis older than this no longer says where faces are
MAX_ANALYSES_PER_SECOND = 20.0  # leaves the cores to decoding, encoding and sending; the
# frames between analyses are covered at the faces' predicted places


class LiveEngine:
    def __init__(self, settings: EngineSettings, gallery: Gallery, *, threads: int = 1,
                 stale_after: float = STALE_AFTER,
                 max_rate: float = MAX_ANALYSES_PER_SECOND,
                 detector_factory: Callable[[], FaceDetector] | None = None,
                 embedder_factory: Callable[[], Any] | None = None) -> None:
        self._settings = settings
        self._gallery = gallery
        self._stale_after = stale_after
        self._min_interval = 1.0 / max_rate
        self._detector_factory = detector_factory or (
            lambda: FaceDetector(width=settings.detect_width, threads=threads))
        self._embedder_factory = embedder_factory or EmbedderProcess
        self._tracker = Tracker()
        self._lock = threading.Lock()  # guards tracker, settings, gallery and the fields below
        self._frame_ready = threading.Condition()
        self._latest: tuple[np.ndarray, float] | None = None
        self._crops: dict[int, FaceCrop] = {}  # newest crop per track awaiting a look
        self._crops_ready = threading.Condition()
        self._closed = False
        self._ready = False
        self._error: str | None = None
        self._analysed_at: float | None = None
        self._seen_ids: set[int] = set()  # tracks found by the latest analysis
        self._shape: tuple[int, ...] | None = None  # frame size the tracks are measured in
        self._engine_ms: deque[float] = deque(maxlen=120)
        self._counts = {"submitted": 0, "analysed": 0, "dropped": 0, "rendered": 0,
                        "covered_whole": 0, "looks": 0, "errors": 0}
        self._threads = [threading.Thread(target=self._analyse_forever, daemon=True,
                                          name="ciasom-analysis"),
                         threading.Thread(target=self._recognise_forever, daemon=True,
                                          name="ciasom-recognition")]
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
        """A new frame with faces covered as the policy says; the whole frame if unsure."""
        with self._lock:
            self._counts["rendered"] += 1
            if self._settings.mode == "off":
                return frame.copy()
            if self._degraded(timestamp) is not None or frame.shape != self._shape:
                self._counts["covered_whole"] += 1
                return cover_whole_frame(frame)
            out = frame.copy()
            cover_faces(frame, out, self._tracker, timestamp, self._settings, self._seen_ids)
            return out

    def update(self, settings: EngineSettings | None = None,
               gallery: Gallery | None = None) -> None:
        """Apply a host's change live. A new gallery re-verifies every face from scratch,
        so someone just removed from the allowed people is covered at once."""
        with self._lock:
            if settings is not None:
                self._settings = settings
            if gallery is not None:
                self._gallery = gallery
                for track in self._tracker.tracks:
                    track.forget_identity()

    def stats(self) -> dict[str, Any]:
        with self._lock:
            ms = sorted(self._engine_ms)
            return {
                **self._counts,
                "ready": self._ready,
                "error": self._error,
                "faces": len(self._tracker.tracks),
                "engine_ms_p50": round(ms[len(ms) // 2], 2) if ms else None,
                "engine_ms_p95": round(ms[int(len(ms) * 0.95)], 2) if ms else None,
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

    def _degraded(self, timestamp: float) -> str | None:
        if not self._ready:
            return "engine starting"
        if self._error is not None:
            return self._error
        if self._analysed_at is None or timestamp - self._analysed_at > self._stale_after:
            return "analysis behind"
        return None

    def _analyse_forever(self) -> None:
        try:
            finder = FaceFinder(self._detector_factory(), self._settings.fine_interval)
        except Exception as error:  # a broken model: stay fully covered, say why
            with self._lock:
                self._error = f"detector failed to load: {error}"
            return
        with self._lock:
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
            if frame.shape != self._shape:  # the host changed resolution: start afresh
                with self._lock:
                    self._tracker = Tracker()
                    self._shape = frame.shape
            detections = finder.find(frame, self._tracker, timestamp)
            with self._lock:
                seen = self._tracker.update([d.box for d in detections], timestamp)
                wanted = (self._settings.mode == "except" and len(self._gallery) > 0)
                crops = [crop_for_look(frame, t, timestamp) for t in seen
                         if wanted and policy.needs_look(t, timestamp)
                         and t.id not in self._crops]
                self._analysed_at = timestamp
                self._seen_ids = {t.id for t in seen}
                self._error = None
                self._counts["analysed"] += 1
                self._engine_ms.append((time.perf_counter() - start) * 1000)
        except Exception as error:  # whatever broke, render covers everything until fixed
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
                except Exception:  # no recogniser: faces simply stay covered
                    time.sleep(1)
                    continue
            with self._lock:
                gallery = self._gallery
            result = look(embedder, gallery, crop)
            with self._lock:
                self._counts["looks"] += 1
                for track in self._tracker.tracks:
                    if track.id == crop.track_id:
                        record(track, crop, result)
            with self._crops_ready:
                if self._crops.get(crop.track_id) is crop:
                    del self._crops[crop.track_id]
        if embedder is not None and hasattr(embedder, "close"):
            embedder.close()
