"""The newest frame wins: a slow reader sees the present, not a growing backlog (pitfall 5)."""

import asyncio

from ciasom.media.latest import LatestFrame

from .clients import PatternTrack, checkerboard


async def test_a_slow_reader_gets_the_newest_frame_and_stale_ones_are_dropped():
    track = PatternTrack(checkerboard(64, 48), fps=100)
    latest = LatestFrame(track)
    first = await latest.get()
    await asyncio.sleep(0.3)  # ~30 frames arrive meanwhile
    newest = await latest.get()
    assert newest.pts > first.pts
    assert track.sent - 1 - (newest.pts * 100 // 90000) <= 1  # it is the latest one sent
    assert latest.dropped >= 20
    await latest.stop()


async def test_the_track_is_consumed_even_with_no_reader():
    track = PatternTrack(checkerboard(64, 48), fps=100)
    latest = LatestFrame(track)
    await asyncio.sleep(0.3)
    assert latest.received >= 20
    await latest.stop()
