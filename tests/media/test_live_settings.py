"""Settings changed while live (mode, visible people) reach the running engine at once."""

import asyncio

import pytest
from django.test import AsyncClient

from bench.passthrough import Passthrough

from .clients import PatternTrack, Publisher, checkerboard
from .web import bearer, broadcast_of, fresh, host, live_service

pytestmark = pytest.mark.django_db(transaction=True)


class Recording(Passthrough):
    def __init__(self):
        super().__init__()
        self.updates = []

    def update(self, settings=None, gallery=None):
        self.updates.append((settings, gallery))


async def test_a_mode_change_applies_to_the_live_engine(monkeypatch):
    engine = Recording()
    service = live_service()
    monkeypatch.setattr(service, "make_engine", lambda broadcast: engine)
    user, key = await host()
    broadcast = await broadcast_of(user, mode="except")
    publisher = Publisher(PatternTrack(checkerboard(160, 120)))
    client = AsyncClient()
    response = await client.post(
        f"/whip/{broadcast.pk}",
        await publisher.offer(),
        content_type="application/sdp",
        headers=bearer(key),
    )
    assert response.status_code == 201
    await client.aforce_login(user)

    response = await client.patch(
        f"/api/broadcasts/{broadcast.pk}", {"mode": "all"}, content_type="application/json"
    )
    assert response.status_code == 200
    for _ in range(50):
        if engine.updates:
            break
        await asyncio.sleep(0.05)
    settings, gallery = engine.updates[-1]
    assert settings.mode == "all"
    assert len(gallery) == 0  # in mode "all" nobody is spared
    await publisher.close()
    await service.registry.close()
    await service.drain()
    assert not (await fresh(broadcast)).is_live
