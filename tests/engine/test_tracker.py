"""Tracking: identities survive motion, not crossings; missed faces stay covered a while."""

from __future__ import annotations

import numpy as np

from ciasom.engine.geometry import enlarge
from ciasom.engine.pipeline import cover_faces
from ciasom.engine.settings import EngineSettings
from ciasom.engine.tracker import Look, Tracker


def box_at(x: float, y: float = 100.0, size: float = 100.0):
    return (x, y, x + size, y + size)


def test_a_moving_face_keeps_its_track_and_identity():
    tracker = Tracker()
    (first,) = tracker.update([box_at(100)], 0.0)
    first.looks.append(Look(0.0, "me", 0.3))
    for i in range(1, 10):
        (seen,) = tracker.update([box_at(100 + 8 * i)], i / 30)
        assert seen.id == first.id
    assert first.looks, "smooth motion must not forget who it is"


def test_a_missed_face_coasts_on_its_predicted_box_then_is_dropped():
    tracker = Tracker(coast_seconds=1.0)
    for i in range(10):
        tracker.update([box_at(100 + 10 * i)], i / 30)  # 300 px/s to the right
    assert tracker.update([], 0.5) == []
    (coasting,) = tracker.tracks  # kept, though not seen
    predicted = coasting.predict(0.5, tracker.coast_seconds)
    # last seen at x 190-290 (t=0.3); at 300 px/s it should be at 250-350 by now
    assert predicted[0] <= 190 and predicted[2] >= 350  # covered wherever it is between
    assert predicted[2] - predicted[0] < 250  # but not the whole street
    tracker.update([], 1.4)
    assert tracker.tracks == []


def test_a_face_that_leaves_and_comes_back_is_a_new_track_to_verify():
    tracker = Tracker(coast_seconds=1.0)
    (before,) = tracker.update([box_at(100)], 0.0)
    before.looks.append(Look(0.0, "me", 0.3))
    tracker.update([], 0.5)
    tracker.update([], 1.2)
    (after,) = tracker.update([box_at(100)], 2.0)
    assert after.id != before.id and after.looks == []


def test_faces_crossing_each_other_forget_who_they_are():
    tracker = Tracker()
    a, b = tracker.update([box_at(0), box_at(400)], 0.0)
    a.looks.append(Look(0.0, "me", 0.3))
    b.looks.append(Look(0.0, None, 0.8))
    for step in range(1, 21):  # walk through each other: same place at step 10
        tracker.update([box_at(20 * step), box_at(400 - 20 * step)], step / 30)
    assert a.looks == [] and b.looks == []
    assert a.epoch > 0 and b.epoch > 0


def test_overlapping_faces_take_no_looks():
    tracker = Tracker()
    a, b = tracker.update([box_at(0), box_at(60)], 0.0)
    assert a.crowded and b.crowded


def test_a_small_face_passing_behind_a_big_one_does_not_reset_it():
    tracker = Tracker()
    big, small = tracker.update([box_at(100, size=240), box_at(500, size=40)], 0.0)
    big.looks.append(Look(0.0, "me", 0.3))
    for i in range(1, 30):
        tracker.update([box_at(100, size=240), box_at(500 - 12 * i, size=40)], i / 30)
    assert big.looks, "a face far behind cannot be confused with the host's"


def test_a_box_that_jumps_is_not_trusted_to_be_the_same_person():
    tracker = Tracker()
    (t,) = tracker.update([box_at(100)], 0.0)
    t.looks.append(Look(0.0, "me", 0.3))
    tracker.update([box_at(100)], 1 / 30)
    tracker.update([box_at(170)], 2 / 30)  # 70 % of its size in one frame
    assert t.looks == []


def test_a_stranger_lost_behind_the_host_between_sightings_does_not_mosaic_the_host():
    """A stranger walks behind the shown host: seen at one side, hidden 0.4 s, seen at the
    other. In between, where he may have been reaches across the host's face; the host,
    seen right then, is in front, so the cover stops at the host's face. On the frames he
    is seen, his own cover is drawn whole, whatever it overlaps."""
    rng = np.random.default_rng(3)
    frame = rng.integers(0, 255, (480, 854, 3), dtype=np.uint8)
    tracker = Tracker()
    host_box, right = box_at(300, size=160), box_at(400, size=70)  # out at the right
    for i in range(-6, 1):  # walking right at 420 px/s, towards the host
        host, stranger = tracker.update([host_box, box_at(250 + 14 * i, size=70)], i / 30)
    for i in range(1, 12):  # hidden behind the host from 1/30 s to 0.4 s
        tracker.update([host_box], i / 30)
    tracker.update([host_box, right], 0.4)
    host.looks[:] = [Look(0.0, "me", 0.3), Look(0.2, "me", 0.3), Look(0.4, "me", 0.3)]

    def shown(at: float) -> list[bool]:
        out = frame.copy()
        cover_faces(frame, out, tracker, at, EngineSettings(), carry_back=0.8)
        inner = enlarge(host_box, 0.6)  # well inside the host's face ellipse
        x1, y1, x2, y2 = (int(v) for v in inner)
        return [
            bool(np.array_equal(out[y1:y2, x1:x2], frame[y1:y2, x1:x2])),
            not np.array_equal(out[110:160, 405:455], frame[110:160, 405:455]),  # over the host
        ]

    assert stranger.history[-1][0] == 0.4 and stranger.history[-2][0] == 0.0
    assert shown(0.2)[0], "the host is in front of where the stranger may have been"
    assert shown(0.4)[1], "seen, the stranger is covered, over the host's face too"
