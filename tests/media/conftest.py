"""Media tests run over loopback only (DESIGN §5, pitfall 2); the WHIP/WHEP ones need Django."""

import os
import tempfile

import pytest

from ciasom.media.ice import offer_host_candidates

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ciasom.settings")
os.environ.setdefault("CIASOM_DATA_DIR", tempfile.mkdtemp(prefix="ciasom-media-tests-"))


@pytest.fixture(autouse=True, scope="session")
def _loopback_only() -> None:
    offer_host_candidates(["127.0.0.1"])
