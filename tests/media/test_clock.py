"""Audio and video share one stream clock; RTP timestamp wrap-around does not break it."""

import fractions
import time

import av

from ciasom.media.clock import RTP_WRAP, TrackClock

RTP_VIDEO = fractions.Fraction(1, 90000)


def frame_at(pts):
    frame = av.VideoFrame(16, 16, "yuv420p")
    frame.pts, frame.time_base = pts, RTP_VIDEO
    return frame


def test_stamps_follow_the_publisher_from_the_first_arrival():
    clock = TrackClock(time.monotonic() - 2.0, 90000)  # the stream began 2 s ago
    first = clock.stamp(frame_at(1_000_000))
    assert abs(first - 180_000) < 9000  # anchored at its arrival on the stream clock
    assert clock.stamp(frame_at(1_003_000)) == first + 3000


def test_a_wrapping_rtp_timestamp_keeps_counting_up():
    clock = TrackClock(time.monotonic(), 90000)
    before = clock.stamp(frame_at(RTP_WRAP - 1500))
    after = clock.stamp(frame_at(1500))
    assert after == before + 3000


def test_stamps_always_increase():
    clock = TrackClock(time.monotonic(), 90000)
    first = clock.stamp(frame_at(5000))
    assert clock.stamp(frame_at(5000)) > first
    assert clock.stamp(frame_at(None)) > first
