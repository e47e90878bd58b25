"""Plain helpers for the web tests (fixtures are in conftest.py)."""

from __future__ import annotations

import io
import time

import numpy as np
from PIL import Image
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from bench.photos import photo

PASSWORD = "pink-elephant-7391"


def token_client(user) -> APIClient:
    client = APIClient()
    key = Token.objects.get_or_create(user=user)[0].key
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def image_bytes(fmt: str = "JPEG", size: tuple[int, int] = (64, 48), seed: int = 0) -> bytes:
    """A plain generated picture (noise: no face in it)."""
    rng = np.random.default_rng(seed)
    pixels = rng.integers(0, 255, (size[1], size[0], 3), dtype=np.uint8)
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, fmt)
    return out.getvalue()


def real_photo(name: str) -> bytes:
    return photo(name).read_bytes()


def wait_until(predicate, timeout: float = 30.0, every: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"condition not met within {timeout} s")
