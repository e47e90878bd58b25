"""The real live service in a web test: a WHIP publish over loopback, and an engine that
records what the service hands it (the media path itself is tested in tests/media)."""

from __future__ import annotations

import asyncio
import time

import av
import numpy as np
from aiortc import RTCPeerConnection, RTCSessionDescription, VideoStreamTrack
from asgiref.sync import sync_to_async
from django.apps import apps
from django.db import connections
from django.test import AsyncClient

from ciasom.broadcasts.models import Broadcast
from ciasom.media.aiortc_patches import offer_host_candidates
from ciasom.media.ice import rtc_configuration


class RecordingEngine:
    """A FrameProcessor that covers nothing and keeps what the live service hands it."""

    def __init__(self, broadcast: Broadcast) -> None:
        self.handed = [(broadcast.engine_settings(), broadcast.gallery())]
        self.delays: list[float] = []
        self.closed = False

    def update(self, settings=None, gallery=None) -> None:
        self.handed.append((settings, gallery))

    @property
    def settings(self):
        return self.handed[-1][0]

    @property
    def gallery(self):
        return self.handed[-1][1]

    def submit(self, frame_bgr, timestamp) -> None:
        pass

    def render(self, frame_bgr, timestamp):
        return frame_bgr.copy()

    def set_delay(self, seconds: float) -> None:
        self.delays.append(seconds)

    def stats(self) -> dict:
        return {}

    def close(self) -> None:
        self.closed = True


class SmallCamera(VideoStreamTrack):
    """aiortc's test camera at 160x120: cheap to encode on the shared cores."""

    async def recv(self) -> av.VideoFrame:
        pts, time_base = await self.next_timestamp()
        frame = av.VideoFrame.from_ndarray(np.full((120, 160, 3), 90, np.uint8), format="bgr24")
        frame.pts, frame.time_base = pts, time_base
        return frame


def recording_service(monkeypatch) -> tuple[object, list[RecordingEngine]]:
    """The process's live service, making recording engines; loopback candidates only."""
    offer_host_candidates(["127.0.0.1"])
    service = apps.get_app_config("live").service
    engines: list[RecordingEngine] = []

    def make_engine(broadcast: Broadcast) -> RecordingEngine:
        engines.append(RecordingEngine(broadcast))
        return engines[-1]

    monkeypatch.setattr(service, "make_engine", make_engine)
    return service, engines


async def publish(broadcast: Broadcast, key: str) -> RTCPeerConnection:
    """Go live the way OBS does (WHIP), and let the connection come up over loopback."""
    pc = RTCPeerConnection(rtc_configuration([]))
    pc.addTrack(SmallCamera())
    await pc.setLocalDescription(await pc.createOffer())
    response = await AsyncClient().post(
        f"/whip/{broadcast.pk}",
        pc.localDescription.sdp,
        content_type="application/sdp",
        headers={"Authorization": f"Bearer {key}"},
    )
    assert response.status_code == 201, response.content
    await pc.setRemoteDescription(RTCSessionDescription(response.content.decode(), "answer"))
    return pc


async def off_air(pc: RTCPeerConnection, service) -> None:
    await pc.close()
    await service.registry.close()
    await service.drain()
    await sync_to_async(connections.close_all)()  # the request thread's, before the flush


async def run(call):
    """Sync client calls in a worker thread, as a real request is served; the after-commit
    hooks run there before it answers."""
    return await sync_to_async(call)()


async def until(predicate, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.05)
