"""Debian's Chromium (``make chromium``) under Playwright for the browser tests: the launch
flags and the grab of a ``<video>`` they share (never ``playwright install``)."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import cv2
import numpy as np

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext

CHROMIUM = "/usr/bin/chromium"
# Headless on a machine without a GPU, a sandbox or the network.
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
GRAB = """(video) => {
  const canvas = document.createElement("canvas");
  canvas.width = video.videoWidth; canvas.height = video.videoHeight;
  canvas.getContext("2d").drawImage(video, 0, 0);
  return canvas.toDataURL("image/png");
}"""


def camera_args(camera: Path) -> list[str]:
    """:data:`ARGS`, with ``camera`` (a Y4M file) as the camera, allowed without asking,
    WebRTC on loopback and video that plays without a click."""
    return [
        *ARGS,
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={camera}",
        "--allow-loopback-in-peer-connection",
        "--autoplay-policy=no-user-gesture-required",
    ]


@contextmanager
def chromium(profile: Path, args: list[str], **options: Any) -> Iterator[BrowserContext]:
    """A headless Chromium context with its profile in ``profile``; ``options`` go to
    Playwright's ``launch_persistent_context``."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile), executable_path=CHROMIUM, headless=True, args=args, **options
        )
        yield context
        context.close()


def grab(page: Any) -> np.ndarray:
    """The frame the page's ``<video>`` shows now, as BGR."""
    data = page.locator("video").evaluate(GRAB)
    png = base64.b64decode(data.split(",", 1)[1])
    return cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_COLOR)
