"""The test's own aiortc clients offer loopback candidates only (DESIGN §5, pitfall 2)."""

import pytest

from ciasom.media.aiortc_patches import offer_host_candidates


@pytest.fixture(autouse=True, scope="session")
def _loopback_only() -> None:
    offer_host_candidates(["127.0.0.1"])
