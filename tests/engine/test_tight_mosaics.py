"""Mosaics stay tight: a coasting face is covered by its own box grown a bounded amount,
and at a camera cut the previous shot's tracks end instead of coasting over the new one."""

from __future__ import annotations

import cv2
import numpy as np

from bench.composite import read
from ciasom.engine.cuts import CutDetector
from ciasom.engine.geometry import area
from ciasom.engine.tracker import MAX_COAST_GROWTH, MAX_COAST_TRAVEL, Tracker


def box_at(x: float, y: float = 100.0, size: float = 300.0):
    return (x, y, x + size, y + size)


def frame_of(name: str) -> np.ndarray:
    return cv2.resize(read(name), (1280, 720), interpolation=cv2.INTER_AREA)


def test_a_fast_close_up_that_vanishes_coasts_within_bounds():
    tracker = Tracker(coast_seconds=1.5)
    for i in range(6):  # a close-up whipping right at 2400 px/s
        tracker.update([box_at(100 + 80 * i)], i / 30)
    (track,) = tracker.tracks
    for dt in (0.2, 0.8, 1.4):
        box = track.predict(track.seen_at + dt, tracker.coast_seconds)
        side = (1 + MAX_COAST_TRAVEL) * (1 + MAX_COAST_GROWTH) * 300
        assert box[2] - box[0] <= side + 1 and box[3] - box[1] <= 300 * (1 + MAX_COAST_GROWTH) + 1
        assert area(box) <= 2 * 1.6 * 1.6 * 300 * 300 + 1  # not the whole 1280x720 frame


def test_at_a_camera_cut_the_previous_shots_tracks_end():
    tracker = Tracker(coast_seconds=1.5, keep_for=0.8)
    shot_a, shot_b = frame_of("obama.jpg"), frame_of("city.jpg")
    for i in range(10):
        assert not tracker.watch(shot_a, i / 30)
        tracker.update([box_at(400)], i / 30)
    (old,) = tracker.tracks
    assert tracker.watch(shot_b, 10 / 30)  # the whole frame changed
    (new,) = tracker.update([box_at(40, 40, 60)], 10 / 30)
    assert tracker.tracks == [new] and old in tracker.ended
    # The old face covers its own shot's frames (waiting in the delay line), none after.
    assert old.at_time(9.5 / 30, tracker.coast_seconds, 0.8) is not None
    assert old.at_time(10 / 30, tracker.coast_seconds, 0.8) is None
    assert old.at_time(1.0, tracker.coast_seconds, 0.8) is None
    # The new shot's face is carried back no further than the previous shot's last frame.
    assert new.at_time(9.5 / 30, tracker.coast_seconds, 0.8) is not None
    assert new.at_time(9 / 30, tracker.coast_seconds, 0.8) is None


def test_motion_within_a_shot_is_no_cut():
    detector = CutDetector()
    shot = frame_of("obama.jpg")
    shifted = np.roll(shot, 128, axis=1)  # a pan of 10 % of the width between two looks
    zoomed = cv2.resize(shot[36:684, 64:1216], (1280, 720))  # a 10 % zoom
    assert [detector.is_cut(f) for f in (shot, shifted, zoomed, shot)] == [False] * 4
    for other in ("biden.jpg", "city.jpg", "astronaut.png"):
        assert detector.is_cut(frame_of(other))
