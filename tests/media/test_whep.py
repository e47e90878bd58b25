"""WHEP watch (DESIGN §3): status codes, the viewer cap, counts, thumbnails, the end."""

import asyncio

import cv2
import numpy as np
import pytest
from asgiref.sync import sync_to_async
from django.test import AsyncClient

from bench.passthrough import Passthrough

from .clients import PatternTrack, Publisher, Watcher
from .web import bearer, broadcast_of, fresh, host, live_service

pytestmark = pytest.mark.django_db(transaction=True)

SDP = "application/sdp"
GREY = np.full((120, 160, 3), 60, np.uint8)


class Inverting(Passthrough):
    def render(self, frame_bgr, timestamp):
        return 255 - frame_bgr


@pytest.fixture
async def on_air(monkeypatch):
    """A live broadcast published by an aiortc client; yields (broadcast, service)."""
    service = live_service()
    monkeypatch.setattr(service, "make_engine", lambda broadcast: Inverting())
    user, key = await host()
    broadcast = await broadcast_of(user)
    publisher = Publisher(PatternTrack(GREY))
    response = await AsyncClient().post(
        f"/whip/{broadcast.pk}", await publisher.offer(), content_type=SDP, headers=bearer(key)
    )
    assert response.status_code == 201
    await publisher.answer(response.content.decode())
    yield broadcast, service
    await publisher.close()
    await service.registry.close()
    await service.drain()


async def watch(broadcast) -> tuple[Watcher, object]:
    watcher = Watcher(audio=True)
    response = await AsyncClient().post(
        f"/whep/{broadcast.pk}", await watcher.offer(), content_type=SDP
    )
    if response.status_code == 201:
        await watcher.answer(response.content.decode())
    return watcher, response


async def test_anyone_may_watch_a_live_broadcast_and_sees_processed_video(on_air):
    broadcast, service = on_air
    watcher, response = await watch(broadcast)
    assert response.status_code == 201
    assert response["Content-Type"] == SDP
    assert response["Location"].startswith(f"/whep/{broadcast.pk}/")
    assert response["Access-Control-Allow-Origin"] == "*"
    frames = await watcher.frames_after(5)
    assert abs(float(frames[-1].mean()) - 195) < 10  # inverted by the engine

    await asyncio.sleep(0.4)
    await service.drain()
    assert (await fresh(broadcast)).viewers == 1
    status = await AsyncClient().get(f"/live/{broadcast.pk}/status")
    assert status.json() == {"live": True, "viewers": 1, "ended": False}

    assert (await AsyncClient().delete(response["Location"])).status_code == 200
    await asyncio.sleep(0.4)
    await service.drain()
    assert (await fresh(broadcast)).viewers == 0
    await watcher.close()


async def test_the_thumbnail_comes_from_processed_frames(on_air):
    broadcast, service = on_air
    watcher, _ = await watch(broadcast)
    await watcher.frames_after(3)
    await service.drain()
    broadcast = await fresh(broadcast)
    assert broadcast.thumbnail_updated_at is not None
    thumbnail = cv2.imread(str(broadcast.thumbnail_file()))
    assert thumbnail.shape[1] == 480
    assert abs(float(thumbnail.mean()) - 195) < 10  # not the raw grey 60
    await watcher.close()


async def test_not_live_is_404_and_an_ended_broadcast_too(on_air):
    broadcast, service = on_air
    user, _ = await host("idle")
    idle = await broadcast_of(user)
    watcher, response = await watch(idle)
    assert response.status_code == 404
    await watcher.close()

    viewer, _ = await watch(broadcast)
    await viewer.frames_after(3)
    await sync_to_async(broadcast.end)()  # the host pressed "End" on the platform's page
    await asyncio.wait_for(viewer.ended.wait(), 10)  # reaches the viewer
    await service.drain()
    assert service.stream(broadcast.pk) is None
    late, response = await watch(broadcast)
    assert response.status_code == 404
    status = await AsyncClient().get(f"/live/{broadcast.pk}/status")
    assert status.json()["ended"] is True
    await late.close()
    await viewer.close()


async def test_the_viewer_cap_answers_503_with_retry_after(on_air, monkeypatch):
    broadcast, service = on_air
    monkeypatch.setattr(service.stream(broadcast.pk).relay, "max_viewers", 1)
    first, response = await watch(broadcast)
    assert response.status_code == 201
    await first.frames_after(1)  # connected: only connected viewers fill the cap
    second, response = await watch(broadcast)
    assert response.status_code == 503
    assert int(response["Retry-After"]) > 0
    await first.close()
    await second.close()


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [("nonsense", SDP, 400), ("v=0", "text/plain", 415)],
    ids=["garbage", "wrong-type"],
)
async def test_bad_viewer_offers_are_refused(on_air, body, content_type, status):
    broadcast, _ = on_air
    response = await AsyncClient().post(f"/whep/{broadcast.pk}", body, content_type=content_type)
    assert response.status_code == status


async def test_a_publisher_s_offer_is_no_viewer_offer(on_air):
    broadcast, _ = on_air
    publisher = Publisher(PatternTrack(GREY))
    response = await AsyncClient().post(
        f"/whep/{broadcast.pk}", await publisher.offer(), content_type=SDP
    )
    await publisher.close()
    assert response.status_code == 400


async def test_the_owner_sees_the_pipeline_health(on_air):
    broadcast, _ = on_air
    client = AsyncClient()
    await client.aforce_login(await sync_to_async(lambda: broadcast.owner)())
    watcher, _ = await watch(broadcast)
    await watcher.frames_after(10)
    health = (await client.get(f"/live/{broadcast.pk}/status")).json()["health"]
    assert health["fps_in"] > 0 and health["fps_out"] > 0
    assert health["ms"]["render"] is not None and health["ms"]["encode"] is not None
    assert health["frames_covered"] == 0
    await watcher.close()
