"""Fault injection: whatever breaks or stalls, no unverified face goes out uncovered."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from bench.coverage import covered_share
from bench.scene import Scene
from ciasom.engine.detector import FaceDetector
from ciasom.engine.embedder import FaceEmbedder
from ciasom.engine.live import LiveEngine
from ciasom.engine.mosaic import cover_whole_frame
from ciasom.engine.pipeline import PrivacyEngine
from ciasom.engine.settings import EngineSettings


class BrokenDetector(FaceDetector):
    def __init__(self, fail_from: int = 0) -> None:
        super().__init__()
        self.calls, self.fail_from = 0, fail_from

    def detect(self, frame, width=None):
        self.calls += width is None  # one frame-wide pass per frame; tiles do not count
        if self.calls > self.fail_from:
            raise RuntimeError("injected detector failure")
        return super().detect(frame, width)

    def detect_around(self, frame, boxes):
        if self.calls > self.fail_from:
            raise RuntimeError("injected detector failure")
        return super().detect_around(frame, boxes)


class StallingDetector(FaceDetector):
    """Works for `frames` frames, then hangs until released (a stuck model)."""

    def __init__(self, frames: int) -> None:
        super().__init__()
        self.frames, self.release = frames, threading.Event()

    def detect(self, frame, width=None):
        self.frames -= width is None
        if self.frames < 0:
            self.release.wait()
        return super().detect(frame, width)


class BrokenEmbedder(FaceEmbedder):
    def embed(self, frame, box):
        raise RuntimeError("injected embedder failure")


@pytest.fixture(scope="module")
def scene():
    return Scene(854, 480, seconds=3)


def every_face_covered(scene_frame, out) -> bool:
    image, truth = scene_frame
    return all(
        covered_share(image, out, face) >= 0.9 for face in truth if face.visible_share >= 0.25
    )


def test_a_detector_error_covers_the_whole_frame_even_the_allowed_person(scene, allowed_gallery):
    engine = PrivacyEngine(EngineSettings(), allowed_gallery, detector=BrokenDetector(10))
    results = [engine.process(scene.frame(i)[0], i / 30) for i in range(14)]
    assert all(r.degraded is None for r in results[:10])
    assert all(r.degraded and "injected" in r.degraded for r in results[10:])
    for i in range(10, 14):
        assert every_face_covered(scene.frame(i), results[i].frame)


def test_an_embedder_error_leaves_every_face_covered(scene, allowed_gallery):
    engine = PrivacyEngine(EngineSettings(), allowed_gallery, embedder=BrokenEmbedder())
    for i in range(0, 60):
        frame = scene.frame(i)
        result = engine.process(frame[0], i / 30)
        assert every_face_covered(frame, result.frame), f"frame {i}"
    assert all(face.person is None for face in result.faces)


def wait_until(condition, timeout=20.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def live(allowed_gallery, detector, **kwargs) -> LiveEngine:
    return LiveEngine(
        EngineSettings(),
        allowed_gallery,
        detector_factory=lambda: detector,
        embedder_factory=FaceEmbedder,
        **kwargs,
    )


def test_a_live_engine_still_loading_sends_covered_frames(scene, allowed_gallery):
    loaded = threading.Event()

    def slow_detector():
        loaded.wait()
        return FaceDetector()

    engine = LiveEngine(
        EngineSettings(),
        allowed_gallery,
        detector_factory=slow_detector,
        embedder_factory=FaceEmbedder,
    )
    try:
        image, truth = scene.frame(0)
        engine.submit(image, 0.0)
        assert every_face_covered((image, truth), engine.render(image, 0.0))
        assert engine.stats()["covered_whole"] == 1
    finally:
        loaded.set()
        engine.close()


def test_a_live_analysis_error_covers_the_whole_frame(scene, allowed_gallery):
    detector = BrokenDetector(fail_from=3)
    engine = live(allowed_gallery, detector)
    try:
        for i in range(6):
            engine.submit(scene.frame(i)[0], i / 30)
            wait_until(lambda: detector.calls > i)  # noqa: B023 — evaluated right away
        wait_until(lambda: engine.stats()["error"] is not None)
        frame = scene.frame(6)
        assert every_face_covered(frame, engine.render(frame[0], 6 / 30))
        assert "injected" in engine.stats()["error"]
    finally:
        engine.close()


def test_a_stalled_live_analysis_covers_every_frame_after_the_last_analysed(scene, allowed_gallery):
    detector = StallingDetector(frames=2)
    engine = live(allowed_gallery, detector)
    try:
        for i in range(2):
            engine.submit(scene.frame(i)[0], i / 30)
            wait_until(lambda: engine.stats()["analysed"] > i)  # noqa: B023
        engine.submit(scene.frame(2)[0], 2 / 30)  # this one hangs in the detector
        analysed = scene.frame(0)  # examined all over: its faces are covered one by one
        assert not np.array_equal(engine.render(analysed[0], 0.0), cover_whole_frame(analysed[0]))
        for i in (2, 20):  # its analysis never finishes: covered whole, however late
            frame = scene.frame(i)
            assert np.array_equal(engine.render(frame[0], i / 30), cover_whole_frame(frame[0]))
        assert engine.stats()["covered_why"] == {"analysis behind": 2}
    finally:
        detector.release.set()
        engine.close()


def test_a_live_embedder_error_leaves_faces_covered(scene, allowed_gallery):
    engine = LiveEngine(
        EngineSettings(),
        allowed_gallery,
        detector_factory=FaceDetector,
        embedder_factory=BrokenEmbedder,
    )
    try:
        for i in range(30):
            frame = scene.frame(i)
            engine.submit(frame[0], i / 30)
            wait_until(lambda: engine.stats()["analysed"] > i)  # noqa: B023
            if i >= 1:
                assert every_face_covered(frame, engine.render(frame[0], i / 30)), i
        assert engine.stats()["looks"] > 0
    finally:
        engine.close()


def test_a_resolution_change_covers_the_whole_frame_until_analysed(scene, allowed_gallery):
    engine = live(allowed_gallery, FaceDetector())
    try:
        engine.submit(scene.frame(0)[0], 0.0)
        wait_until(lambda: engine.stats()["analysed"] == 1)
        bigger = Scene(1280, 720, seconds=0.1).frame(0)
        assert every_face_covered(bigger, engine.render(bigger[0], 1 / 30))
        engine.submit(bigger[0], 1 / 30)
        wait_until(lambda: engine.stats()["analysed"] == 2)
        assert engine.stats()["faces"] >= 4  # tracks now in the new size
    finally:
        engine.close()
