"""Real photos (from registry packages, cached) and the allowed person enrolled from them."""

from __future__ import annotations

from functools import cache

import cv2
import numpy as np
import pytest

from bench.photos import photo
from bench.scene import ALLOWED, ENROL_PHOTOS
from ciasom.engine.gallery import Gallery


@cache
def _photo(name: str) -> np.ndarray:
    image = cv2.imread(str(photo(name)))
    assert image is not None, name
    return image


@pytest.fixture
def real_photo():
    """real_photo("biden.jpg") -> a BGR copy of that real photo."""
    return lambda name: _photo(name).copy()


@cache
def _gallery() -> Gallery:
    from bench.engine import allowed_gallery

    return allowed_gallery()


@pytest.fixture
def allowed_gallery() -> Gallery:
    """Obama, enrolled from three photos; the scenes show him from a fourth."""
    assert _gallery().names == [ALLOWED] and len(ENROL_PHOTOS) == 3
    return _gallery()
