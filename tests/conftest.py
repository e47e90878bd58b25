"""Shared fixtures: every test gets its own data dir and an empty cache."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _isolated_data(request, tmp_path):
    """Uploads, face crops and thumbnails go to a per-test folder; rate-limit counters
    (in the cache) start at zero. Engine tests that never touch Django are left alone."""
    if "settings" not in request.fixturenames and not _uses_django(request):
        yield
        return
    settings = request.getfixturevalue("settings")
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_ROOT = tmp_path / "private"
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def _uses_django(request) -> bool:
    return any(m.name == "django_db" for m in request.node.iter_markers()) or any(
        name in request.fixturenames
        for name in ("client", "db", "transactional_db", "admin_client", "live_server")
    )
