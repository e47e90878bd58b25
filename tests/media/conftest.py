"""Media tests run over loopback only (DESIGN §5, pitfall 2)."""

from collections.abc import AsyncIterator
from typing import Any

import pytest

from bench.passthrough import Passthrough
from ciasom.media.aiortc_patches import offer_host_candidates

from .web import live_service


@pytest.fixture(autouse=True, scope="session")
def _loopback_only() -> None:
    offer_host_candidates(["127.0.0.1"])


@pytest.fixture
async def live(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Any]:
    """The web tier's live service with a pass-through engine (the tests see the
    publisher's pixels); it closes every stream and drains after the test."""
    service = live_service()
    monkeypatch.setattr(service, "make_engine", lambda broadcast: Passthrough())
    yield service
    await service.registry.close()
    await service.drain()
