"""No frame leaves unexamined (DESIGN.md §1): with the privacy delay, a frame is covered
with what the analysis of the frames after it found.

The live engine is driven deterministically: each submitted frame is analysed before the
next is submitted, and frames are rendered `DELAY_FRAMES` after they arrived, as the media
path's delay line does. Only every other frame is analysed, as under load.
"""

from __future__ import annotations

import numpy as np
import pytest

from bench.coverage import LEAK_BELOW, covered_share
from bench.scene import ACTORS, Actor, Scene
from ciasom.engine.detector import Detection, FaceDetector, merge
from ciasom.engine.embedder import FaceEmbedder
from ciasom.engine.examination import EXAM_LAG, ExamMap
from ciasom.engine.live import LiveEngine
from ciasom.engine.mosaic import BLOCKS_ACROSS_FACE, cover, cover_whole_frame
from ciasom.engine.pipeline import PrivacyEngine
from ciasom.engine.settings import EngineSettings

from .live_driver import DELAY, FPS, run_live, wait_until


def appears(at: float, pose: tuple[float, float, float, float]):
    """A face that cuts in at `at` (from behind a pillar, a cut): no walking in."""
    return lambda t: pose if t >= at else None


CUT_IN = (
    ACTORS[1],  # the allowed person walks throughout
    Actor("biden-cut-in", "biden", appears(0.5 + 1 / FPS, (0.72, 0.4, 0.22, 0.0))),
    Actor("astronaut-24px", "astronaut", appears(0.8 + 1 / FPS, (0.3, 0.15, 24 / 720, 0.0))),
)


def leaks(scene: Scene, outputs, first: int = 0) -> list[tuple[int, str, float]]:
    found = []
    for index, out in enumerate(outputs):
        if index < first:
            continue
        image, truth = scene.frame(index)
        for face in truth:
            share = covered_share(image, out, face)
            if not face.allowed and face.visible_share >= 0.25 and share < LEAK_BELOW:
                found.append((index, face.label, round(share, 2)))
    return found


@pytest.fixture
def live_engine(allowed_gallery):
    engine = LiveEngine(
        EngineSettings(), allowed_gallery, delay=DELAY, embedder_factory=FaceEmbedder
    )
    yield engine
    engine.close()


def test_faces_that_cut_in_are_covered_from_their_first_frame(live_engine):
    """A stranger appears right after an analysed frame, and a 24-px face (720p) too:
    both are covered on every frame, their first included."""
    scene = Scene(1280, 720, seconds=1.6, actors=CUT_IN)
    frames = [(scene.frame(i)[0], i / FPS) for i in range(scene.frames)]
    outputs = run_live(live_engine, frames)
    assert leaks(scene, outputs) == []
    first_big, first_small = 16, 25  # the frames each face cuts in on (odd: not analysed)
    for index, label in ((first_big, "biden-cut-in"), (first_small, "astronaut-24px")):
        image, truth = scene.frame(index)
        face = next(f for f in truth if f.label == label)
        assert covered_share(image, outputs[index], face) >= LEAK_BELOW
        assert not scene.frame(index - 1)[1] or all(
            f.label != label for f in scene.frame(index - 1)[1]
        )


def test_a_phone_held_upright_is_searched_as_closely_as_a_landscape_frame(live_engine):
    """Portrait (720x1280, phones): the small-face search scales from the short side, so a
    24-px face that cuts in is covered from its first frame, as at 1280x720."""
    assert ExamMap((1280, 720, 3), DELAY).scale == ExamMap((720, 1280, 3), DELAY).scale  # h, w
    small = Actor("astronaut-24px", "astronaut", appears(0.8 + 1 / FPS, (0.3, 0.2, 24 / 1280, 0)))
    scene = Scene(720, 1280, seconds=1.3, actors=(ACTORS[1], small))
    outputs = run_live(live_engine, [(scene.frame(i)[0], i / FPS) for i in range(scene.frames)])
    assert leaks(scene, outputs) == []


def test_a_small_face_uncovered_by_a_passing_head_is_covered_as_it_appears(live_engine):
    """A head walking past reveals a 24-px face it hid: its own motion calls for no
    full-resolution search, but what it uncovers does."""
    hidden = Actor("astronaut-behind", "astronaut", lambda t: (0.5, 0.42, 24 / 720, 0.0))
    passing = Actor("biden-passing", "biden", lambda t: (0.47 + 0.2 * t, 0.45, 0.2, 0.0))
    scene = Scene(1280, 720, seconds=1.6, actors=(hidden, passing))
    frames = [(scene.frame(i)[0], i / FPS) for i in range(scene.frames)]
    first, last = scene.frame(0)[1][0], scene.frame(scene.frames - 1)[1][0]
    assert first.visible_share < 0.25 < last.visible_share  # hidden, then revealed
    outputs = run_live(live_engine, frames)
    assert leaks(scene, outputs) == []


def test_a_small_face_seen_for_a_few_frames_is_covered_on_each(live_engine):
    """A 28-px face shows for 5 frames (then someone passes before it): a change is examined
    on the frame it is seen on, not once the face may be gone."""
    first, last = 17, 21
    glimpse = Actor(
        "astronaut-glimpse",
        "astronaut",
        lambda t: (0.62, 0.3, 28 / 720, 0.0) if first <= round(t * FPS) <= last else None,
    )
    scene = Scene(1280, 720, seconds=1.5, actors=(ACTORS[1], glimpse))
    frames = [(scene.frame(i)[0], i / FPS) for i in range(scene.frames)]
    outputs = run_live(live_engine, frames)
    assert [f.label for f in scene.frame(first)[1]][-1] == "astronaut-glimpse"
    assert leaks(scene, outputs) == []


PAN_PX = 4  # per frame at 720p: a slow pan, and every part of the picture changes


class Panning(Scene):
    """The camera pans right: the street and everyone in it slide left."""

    def frame(self, index: int):
        self.__dict__["background"] = np.roll(self.street, -PAN_PX * index, axis=1)
        return super().frame(index)

    @property
    def street(self) -> np.ndarray:
        if "street" not in self.__dict__:
            self.__dict__["street"] = Scene.background.func(self)  # type: ignore[attr-defined]
        return self.__dict__["street"]


def panned(actor: Actor) -> Actor:
    def path(t: float):
        pose = actor.path(t)
        return None if pose is None else (pose[0] - PAN_PX * FPS * t / 1280, *pose[1:])

    return Actor(actor.label, actor.person, path)


def test_a_moving_camera_is_examined_frame_wide_and_faces_that_cut_in_stay_covered(
    live_engine, monkeypatch
):
    """While the camera moves, every cell changes on every frame: the small-face search
    looks at the whole frame in one pass (cheaper than cell by cell), less often, and a
    stranger and a 24-px face cutting in meanwhile are still covered from their first frame."""
    passes = {"frame-wide": 0, "cells": 0}  # full-resolution passes
    detect, crops = FaceDetector.detect, FaceDetector.detect_crops

    def counting_detect(self, frame, width=None):
        fine = width is not None and width > frame.shape[1]
        passes["frame-wide" if frame.shape[:2] == (720, 1280) else "cells"] += fine
        return detect(self, frame, width)

    def counting_crops(self, frame, regions, scale):
        passes["cells"] += len(regions)
        return crops(self, frame, regions, scale)

    monkeypatch.setattr(FaceDetector, "detect", counting_detect)
    monkeypatch.setattr(FaceDetector, "detect_crops", counting_crops)
    scene = Panning(1280, 720, seconds=1.6, actors=tuple(panned(a) for a in CUT_IN))
    frames = [(scene.frame(i)[0], i / FPS) for i in range(scene.frames)]
    outputs = run_live(live_engine, frames)
    assert leaks(scene, outputs) == []
    assert passes["cells"] == 0
    assert 3 <= passes["frame-wide"] <= 10  # 1.6 s, every third of the 0.5-s look-ahead or so
    assert live_engine.stats()["covered_whole"] <= 2


def test_a_small_face_in_front_of_a_big_one_is_another_face():
    """A 35-px face inside a 190-px face's box (a photo held up before the host, say) is a
    face of its own, not the big one seen at another scale: it must not be merged away."""
    big = Detection((600.0, 250.0, 740.0, 440.0), 0.9, np.zeros((5, 2), np.float32))
    small = Detection((660.0, 270.0, 685.0, 305.0), 0.6, np.zeros((5, 2), np.float32))
    same = Detection((605.0, 255.0, 735.0, 445.0), 0.8, np.zeros((5, 2), np.float32))
    assert merge([big], [small, same]) == [big, small]


def test_the_allowed_person_stays_visible_with_the_delay(live_engine):
    scene = Scene(854, 480, seconds=2.5, actors=CUT_IN)
    frames = [(scene.frame(i)[0], i / FPS) for i in range(scene.frames)]
    outputs = run_live(live_engine, frames)
    shown = []
    for index in range(FPS, len(outputs)):
        image, truth = scene.frame(index)
        obama = next(f for f in truth if f.allowed)
        shown.append(covered_share(image, outputs[index], obama) <= 0.1)
    assert np.mean(shown) > 0.8
    assert leaks(scene, outputs) == []


def test_a_frame_whose_later_frames_are_not_analysed_is_covered_whole(live_engine):
    scene = Scene(854, 480, seconds=0.5)
    image = scene.frame(0)[0]
    live_engine.submit(image, 0.0)
    wait_until(lambda: live_engine.stats()["analysed"] == 1)
    later = scene.frame(3)[0]
    assert np.array_equal(live_engine.render(later, 0.1), cover_whole_frame(later))
    assert live_engine.stats()["covered_why"] == {"analysis behind": 1}


def test_every_resolution_switch_is_covered_until_analysed(live_engine):
    """Submit, then render, at each switch (720p → 480p → 360p → 720p), as phones and OBS
    do: nothing raw on any frame, old size or new. Once a frame of the new size has been
    analysed, the frames still waiting from before the switch are covered face by face
    (the same scene, rescaled), not whole."""
    sizes = [(1280, 720), (854, 480), (640, 360), (1280, 720)]
    scenes = [Scene(w, h, seconds=0.6) for w, h in sizes]
    frames, truth_of = [], []
    for part, scene in enumerate(scenes):
        for i in range(scene.frames):
            frames.append((scene.frame(i)[0], (part * scene.frames + i) / FPS))
            truth_of.append((scene, i))
    outputs = run_live(live_engine, frames, analyse_every=1)
    assert live_engine.stats()["covered_whole"] == 0
    switches = [k * scenes[0].frames for k in range(1, len(sizes))]
    for index, out in enumerate(outputs):
        scene, i = truth_of[index]
        image, truth = scene.frame(i)
        assert out.shape == image.shape
        for face in truth:
            if not face.allowed and face.visible_share >= 0.25:
                assert covered_share(image, out, face) >= LEAK_BELOW, (index, face.label)
    for switch in switches:  # rendered right after it was submitted: not analysed yet
        image = frames[switch][0]
        live_engine.submit(image, 99.0 + switch)
        assert np.array_equal(live_engine.render(image, 99.0 + switch), cover_whole_frame(image))


class LateDetector(FaceDetector):
    """Sees nothing on the first `blind` frames: a face found late, as real detectors do."""

    def __init__(self, blind: int) -> None:
        super().__init__()
        self.blind, self.frames = blind, 0

    def detect(self, frame, width=None):
        self.frames += width is None  # one frame-wide pass per frame; parts pass a width
        return [] if self.frames <= self.blind else super().detect(frame, width)

    def detect_crops(self, frame, crops, scale):
        if self.frames <= self.blind:
            return [[] for _ in crops]
        return super().detect_crops(frame, crops, scale)

    def detect_around(self, frame, boxes):
        return [] if self.frames <= self.blind else super().detect_around(frame, boxes)


def test_offline_faces_found_late_are_covered_back_to_their_first_frame(allowed_gallery):
    scene = Scene(854, 480, seconds=1.5)
    engine = PrivacyEngine(
        EngineSettings(mode="all"), allowed_gallery, lookahead=0.5, detector=LateDetector(blind=8)
    )
    results = []
    for i in range(scene.frames):
        results += engine.push(scene.frame(i)[0], i / FPS)
    results += engine.flush()
    assert [r.at for r in results] == [i / FPS for i in range(scene.frames)]
    assert all(r.degraded is None for r in results)
    for i in range(8):  # the detector was blind here; later frames found them
        image, truth = scene.frame(i)
        for face in truth:
            if face.visible_share >= 0.25:
                assert covered_share(image, results[i].frame, face) >= LEAK_BELOW, (i, face.label)


def test_the_whole_frame_cover_is_no_weaker_than_the_strongest_face_mosaic():
    """Even a face as tall as the frame keeps no more blocks than a face mosaic leaves."""
    rng = np.random.default_rng(1)
    for width, height in ((1280, 720), (640, 360), (360, 640), (1920, 1080)):
        frame = rng.integers(0, 255, (height, width, 3), dtype=np.uint8)
        covered = cover_whole_frame(frame)
        side = min(width, height)
        face = covered[:side, :side]  # a face filling the frame's shorter side
        assert _blocks_across(face) <= min(BLOCKS_ACROSS_FACE.values()) + 1
        mosaic = frame.copy()
        cover(mosaic, (0, 0, side, side), margin=0.0, strength=5)
        assert _blocks_across(covered[:side, :side]) <= _blocks_across(mosaic[:side, :side]) + 1


def _blocks_across(image: np.ndarray) -> int:
    """Distinct runs of equal pixels along the middle row: the blocks a face keeps."""
    row = image[image.shape[0] // 2].astype(int)
    return 1 + int(np.count_nonzero(np.any(row[1:] != row[:-1], axis=1)))


def test_a_change_is_examined_once_it_is_one_lag_old_whatever_the_float_sums():
    """Frame times are sums of floats (0.3 - 0.2 < 0.1): the face that appeared on the frame
    at 0.3 s, one `EXAM_LAG` after the cell was last seen clean at 0.2 s, is searched on it.
    (Missed, it was hidden by a passer-by before the next analysis: shown raw.)"""
    exams = ExamMap((720, 1280, 3), carry_back=0.8)
    street = np.full((720, 1280, 3), 120, np.uint8)
    picture = exams.change_map(street)
    exams.examined_cells(list(range(len(exams.cells))), picture, 0.0)
    exams.observe(picture, 0.1, [])
    exams.observe(picture, 0.2, [])
    street[420:450, 350:375] = 30  # a small dark face cuts in
    changed = exams.change_map(street)
    exams.observe(changed, 0.3, [])
    assert EXAM_LAG > 0.3 - 0.2  # the float sums say "not yet"
    assert exams.due(0.3).cells == [9]
