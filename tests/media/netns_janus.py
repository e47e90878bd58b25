"""Large audiences through Janus: a node's mountpoints, and a real browser watching through one.

Not collected on its own: ``test_janus.py`` runs this module inside a network namespace of
its own, where 127.0.1.1 sits on a veth link (Janus's libnice ignores loopback interfaces)
and the server offers that address as its only host candidate (DESIGN §5). Janus runs with
``deploy/janus``'s config; the server runs on SQLite; nothing outside the namespace is
reachable or needed.
"""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import av
import cv2
import numpy as np
import pytest

from bench import footage
from bench.janus import ADMIN_KEY, running_janus
from bench.photos import photo
from ciasom.media.audience import VIEWER_POLL, JanusAudience, janus_hosts
from ciasom.media.encoder import VIDEO_CLOCK, VideoEncoder
from ciasom.media.janus import JanusApi, JanusError
from ciasom.media.rtpout import RtpOut, new_srtp_key
from tests.browser import camera_args, chromium, grab

from .server import free_port, host_with_broadcast, running_server


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


async def test_a_host_that_lost_the_mountpoint_is_no_longer_offered(janus: str) -> None:
    """A restarted Janus forgets its mountpoints: players are no longer sent there."""
    keyframes: list[str] = []
    audience = JanusAudience(
        "b1",
        janus_hosts([janus], [], ADMIN_KEY),
        "video/VP8",
        request_keyframe=keyframes.append,
        on_viewers=lambda: None,
    )
    await audience.start()
    try:
        (place,) = audience.places()
        assert keyframes == ["video/VP8"]  # Janus holds a keyframe for its first viewer
        (feed,) = audience._feeds
        await JanusApi(janus).destroy_mountpoint(feed.out.mountpoint)  # as a restart would
        deadline = time.monotonic() + 3 * VIEWER_POLL
        while audience.places():
            assert time.monotonic() < deadline, audience.places()
            await asyncio.sleep(0.2)
        assert audience.codecs == set() and not audience.listening()
    finally:
        await audience.close()


# -- a real browser watches a broadcast through Janus ------------------------------------------

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
ICE_HOST = "127.0.1.1"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, janus: str):
    """``ciasom serve`` (SQLite) offering the veth address, with this Janus configured."""
    data_dir = tmp_path_factory.mktemp("server")
    try:
        with running_server(
            data_dir, ICE_HOST, CIASOM_JANUS_URL=janus, CIASOM_JANUS_ADMIN_KEY=ADMIN_KEY
        ) as base:
            yield base
    finally:
        print((data_dir / "server.log").read_text()[-4000:])  # shown when a test fails


@pytest.fixture
def browser(tmp_path: Path):
    camera = footage.write_y4m(tmp_path / "camera.y4m")
    with chromium(tmp_path / "profile", camera_args(camera)) as context:
        yield context


def mountpoint_info(janus: str, mountpoint: int) -> dict[str, Any]:
    """Janus's public info on a mountpoint (off Playwright's event loop, in a thread)."""
    request = JanusApi(janus).request({"request": "info", "id": mountpoint})
    with ThreadPoolExecutor(1) as thread:
        return thread.submit(asyncio.run, request).result()["info"]


def test_a_browser_watches_the_processed_broadcast_through_janus(
    server: str, janus: str, browser: Any
) -> None:
    api, _, broadcast = host_with_broadcast(
        server, "janus-host", [photo(n) for n in footage.ENROL_PHOTOS]
    )
    host = browser.new_page()
    host.goto(f"{server}/accounts/login/")
    host.fill("input[name=username]", "janus-host")
    host.fill("input[name=password]", "correct horse battery staple")
    host.click("#login-form button[type=submit]")
    host.goto(f"{server}/broadcasts/{broadcast['id']}/")
    host.select_option("#resolution", "480")
    host.click("#go-live")
    host.wait_for_selector("#studio[data-state=live]", timeout=20000)

    # The broadcast is on Janus: its status says where; the player watches there.
    status = api.json("GET", f"/live/{broadcast['id']}/status")
    (place,) = status["janus"]
    assert place["url"] == janus
    viewer = browser.new_page()
    viewer.goto(f"{server}/watch/{broadcast['id']}")
    viewer.wait_for_selector("#player[data-state=playing]", timeout=20000)
    viewer.wait_for_function("document.querySelector('video').videoWidth > 0", timeout=20000)
    assert viewer.evaluate("Object.keys(Janus.sessions).length") == 1  # not the node's WHEP

    # What Janus relays is the processed stream: no stranger ever seen, the host visible.
    grabs: list[dict[str, bool]] = []
    deadline = time.monotonic() + 60
    while sum(g["obama"] for g in grabs) < 5:
        assert time.monotonic() < deadline, f"the enrolled face stayed covered: {grabs}"
        image = grab(viewer)
        grabs.append(footage.judge(image))
        if any(grabs[-1][a.label] for a in footage.ACTORS if not a.allowed):
            ARTIFACTS.mkdir(exist_ok=True)  # what leaked, for whoever looks into it
            cv2.imwrite(str(ARTIFACTS / f"janus-viewer-{len(grabs)}.png"), image)
        time.sleep(0.25)
    assert not any(g[a.label] for g in grabs for a in footage.ACTORS if not a.allowed), grabs
    # The count adds Janus's viewer (as Janus counts it) to the node's own: the host's
    # preview, which watches over WHEP.
    deadline = time.monotonic() + 10
    while (status := api.json("GET", f"/live/{broadcast['id']}/status"))["viewers"] != 2:
        assert time.monotonic() < deadline, status
        time.sleep(0.5)
    viewer.wait_for_function("document.getElementById('viewers').textContent === '2'")

    # The host ends: the mountpoint goes, the viewer is told.
    host.click("#end-live")
    viewer.wait_for_selector("#player[data-state=ended]", timeout=15000)
    with pytest.raises(JanusError, match="No such mountpoint"):
        mountpoint_info(janus, place["mountpoint"])  # gone with the broadcast
