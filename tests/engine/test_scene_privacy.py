"""On a scene with exact ground truth: strangers always covered, the allowed person shown."""

from __future__ import annotations

import time

from bench.coverage import CoverageTally
from bench.scene import Scene
from ciasom.engine.embedder import FaceEmbedder
from ciasom.engine.live import LiveEngine
from ciasom.engine.pipeline import PrivacyEngine
from ciasom.engine.settings import EngineSettings

from .live_driver import DELAY, run_live


def test_offline_engine_leaks_no_stranger_and_shows_the_allowed_person(allowed_gallery):
    """Includes a stranger walking behind the allowed person (2.5-3.5 s): the stranger stays
    covered where they peek out, the allowed person stays visible."""
    scene = Scene(854, 480, seconds=4)
    engine = PrivacyEngine(EngineSettings(), allowed_gallery)
    tally = CoverageTally(warmup_frames=30)
    for i in range(scene.frames):
        image, truth = scene.frame(i)
        tally.add(i, image, engine.process(image, i / scene.fps).frame, truth)
    assert tally.unallowed > 400 and tally.leaked == 0
    assert tally.visible_rate > 0.95, tally.visible_rate


def test_mode_all_covers_the_allowed_person_too(allowed_gallery):
    scene = Scene(854, 480, seconds=1.5)
    engine = PrivacyEngine(EngineSettings(mode="all"), allowed_gallery)
    tally = CoverageTally(warmup_frames=0)
    for i in range(scene.frames):
        image, truth = scene.frame(i)
        out = engine.process(image, i / scene.fps).frame
        tally.add(i, image, out, [t for t in truth if not t.allowed])
        tally.add(i, image, out, [t for t in truth if t.allowed])
    assert tally.leaked == 0 and tally.visible == 0


def test_mode_off_passes_frames_through(allowed_gallery):
    image, _ = Scene(854, 480, seconds=0.1).frame(0)
    result = PrivacyEngine(EngineSettings(mode="off"), allowed_gallery).process(image, 0.0)
    assert (result.frame == image).all()


def test_without_allowed_people_every_face_is_covered():
    from ciasom.engine.gallery import Gallery

    scene = Scene(854, 480, seconds=1.5)
    engine = PrivacyEngine(EngineSettings(), Gallery.empty())
    tally = CoverageTally(warmup_frames=0)
    for i in range(scene.frames):
        image, truth = scene.frame(i)
        out = engine.process(image, i / scene.fps).frame
        tally.add(i, image, out, [t for t in truth if t.allowed])
    assert tally.allowed > 0 and tally.visible == 0


def test_live_engine_covers_strangers_between_analyses(allowed_gallery):
    """Analysis of every other frame only; each frame is covered from the analysed frames
    around it, once the delay has passed."""
    scene = Scene(854, 480, seconds=3)
    engine = LiveEngine(
        EngineSettings(), allowed_gallery, delay=DELAY, embedder_factory=FaceEmbedder
    )
    tally = CoverageTally(warmup_frames=45)
    try:
        frames = [scene.frame(i) for i in range(scene.frames)]
        outputs = run_live(engine, [(image, i / scene.fps) for i, (image, _) in enumerate(frames)])
        for i, out in enumerate(outputs):
            tally.add(i, frames[i][0], out, frames[i][1])
        assert tally.leaked == 0
        assert tally.visible_rate > 0.8, tally.visible_rate
    finally:
        engine.close()


def test_a_gallery_change_applies_at_once(allowed_gallery):
    from ciasom.engine.gallery import Gallery

    scene = Scene(854, 480, seconds=2)
    engine = PrivacyEngine(EngineSettings(), allowed_gallery)
    live = LiveEngine(EngineSettings(), allowed_gallery, embedder_factory=FaceEmbedder)
    try:
        for i in range(40):
            image, truth = scene.frame(i)
            live.submit(image, i / 30)
            deadline = time.monotonic() + 20
            while live.stats()["analysed"] <= i:
                assert time.monotonic() < deadline
                time.sleep(0.005)
            time.sleep(0.03)
        image, truth = scene.frame(30)
        tally = CoverageTally()
        tally.add(0, image, live.render(image, 30 / 30), [t for t in truth if t.allowed])
        assert tally.visible == 1  # shown while allowed ...
        live.update(gallery=Gallery.empty())  # ... until the host removes them from the list
        for i in range(30, 40):  # the frames still waiting are covered too
            image, truth = scene.frame(i)
            tally = CoverageTally()
            tally.add(0, image, live.render(image, i / 30), [t for t in truth if t.allowed])
            assert tally.allowed == 1 and tally.visible == 0
    finally:
        live.close()
    del engine
