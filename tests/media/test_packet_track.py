"""A viewer that falls behind skips ahead to the next keyframe instead of lagging."""

import av

from ciasom.media.packettrack import QUEUE_LIMIT, PacketTrack


def packet(keyframe: bool, pts: int) -> av.Packet:
    p = av.Packet(b"\x00" * 10)
    p.pts = pts
    p.is_keyframe = keyframe
    return p


async def test_a_new_viewer_starts_at_a_keyframe():
    track = PacketTrack("video")
    track.put(packet(False, 1))
    track.put(packet(True, 2))
    assert (await track.recv()).pts == 2


async def test_a_full_queue_is_dropped_and_a_keyframe_requested():
    requests = []
    track = PacketTrack("video")
    track.on_keyframe_needed = lambda: requests.append(True)
    track.put(packet(True, 0))
    for pts in range(1, QUEUE_LIMIT + 5):  # nobody reads: the viewer is stuck
        track.put(packet(False, pts))
    assert requests  # the shared encoder is asked for a keyframe
    track.put(packet(False, 1000))  # still not decodable: skipped
    track.put(packet(True, 1001))
    assert (await track.recv()).pts == 1001
    track.stop()
