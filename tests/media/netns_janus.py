"""Large audiences through Janus: a node's mountpoints, and a real browser watching through one.

Not collected on its own: ``test_janus.py`` runs this module inside a network namespace of
its own, where 127.0.1.1 sits on a veth link (Janus's libnice ignores loopback interfaces)
and the server offers that address as its only host candidate (DESIGN §5). Janus runs with
``deploy/janus``'s config; the server runs on SQLite; nothing outside the namespace is
reachable or needed.
"""

from __future__ import annotations

import asyncio

import av
import numpy as np
import pytest

from ciasom.media.encoder import VIDEO_CLOCK, VideoEncoder
from ciasom.media.janus import JanusApi, JanusError
from ciasom.media.rtpout import RtpOut, new_srtp_key

from .janus_server import ADMIN_KEY, running_janus
from .server import free_port


@pytest.fixture(scope="module")
def janus(tmp_path_factory: pytest.TempPathFactory):
    with running_janus(tmp_path_factory.mktemp("janus"), free_port()) as url:
        yield url


def frames(count: int) -> list[av.VideoFrame]:
    out = []
    for i in range(count):
        frame = av.VideoFrame.from_ndarray(
            np.full((360 * 3 // 2, 640), i * 7 % 256, np.uint8), format="yuv420p"
        )
        frame.pts, frame.time_base = i * 3000, VIDEO_CLOCK
        out.append(frame)
    return out


async def test_a_node_creates_feeds_and_destroys_a_private_mountpoint(janus: str) -> None:
    api = JanusApi(janus, ADMIN_KEY)
    key = new_srtp_key()
    mountpoint = await api.create_mountpoint("ciasom-1", "video/VP8", key)
    # Private: not listed to the public API.
    listed = await api.request({"request": "list"})
    assert mountpoint.id not in [m["id"] for m in listed["list"]]

    out = RtpOut(mountpoint, "video/VP8", key)
    await out.open()
    encoder = VideoEncoder("video/VP8")
    for frame in frames(15):
        out.video(encoder.encode(frame))
        await asyncio.sleep(1 / 30)
    info = await api.request({"request": "info", "id": mountpoint.id, "secret": mountpoint.secret})
    video = next(m for m in info["info"]["media"] if m["type"] == "video")
    assert info["info"]["srtp"] is True
    assert video["codec"] == "vp8" and video["age_ms"] < 500, info  # packets are arriving
    assert await api.viewers(mountpoint) == 0
    out.close()

    await api.destroy_mountpoint(mountpoint)
    with pytest.raises(JanusError, match="No such mountpoint"):
        await api.viewers(mountpoint)


async def test_only_a_caller_with_the_admin_key_creates_mountpoints(janus: str) -> None:
    with pytest.raises(JanusError, match="admin_key"):
        await JanusApi(janus).create_mountpoint("anyone", "video/VP8", new_srtp_key())
    with pytest.raises(JanusError, match="Unauthorized"):
        await JanusApi(janus, "a-guess").create_mountpoint("anyone", "video/VP8", new_srtp_key())
