"""Photos made from real photos: a person's photo with someone else's head pasted in.

Third-party photos are never committed (see `bench.photos`), so the test photos real users
send — an interview shot with the interviewer at the edge, two people side by side — are
composed from the cached real photos when needed.
"""

from __future__ import annotations

from functools import cache

import cv2
import numpy as np

from ciasom.engine.detector import FaceDetector

from .photos import photo
from .scene import _cut_head


@cache
def _detector() -> FaceDetector:
    return FaceDetector(width=640, threshold=0.5)


def read(name: str) -> np.ndarray:
    """One cached real photo, BGR."""
    image = cv2.imread(str(photo(name)))
    if image is None:
        raise FileNotFoundError(name)
    return image


def face_box(image: np.ndarray) -> tuple[float, float, float, float]:
    """The most confident face in a photo."""
    return max(_detector().detect(image), key=lambda d: d.score).box


def with_head(
    host: np.ndarray, donor: str, height: float, centre: tuple[float, float], defocus: float = 0.0
) -> np.ndarray:
    """`host` with the head of the person in photo `donor` pasted so that its face is
    `height` pixels tall and centred at `centre` (may lie partly outside the frame);
    `defocus` blurs it like a background person (Gaussian sigma, pixels)."""
    sprite = _cut_head(read(donor), _detector())
    fx1, fy1, fx2, fy2 = sprite.face
    scale = height / (fy2 - fy1)
    rgba = cv2.resize(sprite.rgba, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    if defocus:
        rgba[:, :, :3] = cv2.GaussianBlur(rgba[:, :, :3], (0, 0), defocus)
    x0 = int(centre[0] - (fx1 + fx2) / 2 * scale)
    y0 = int(centre[1] - (fy1 + fy2) / 2 * scale)
    out = host.copy()
    height_px, width_px = out.shape[:2]
    x1, y1 = max(0, x0), max(0, y0)
    x2, y2 = min(width_px, x0 + rgba.shape[1]), min(height_px, y0 + rgba.shape[0])
    part = rgba[y1 - y0 : y2 - y0, x1 - x0 : x2 - x0]
    alpha = part[:, :, 3:4].astype(np.float32) / 255
    out[y1:y2, x1:x2] = (part[:, :, :3] * alpha + out[y1:y2, x1:x2] * (1 - alpha)).astype(np.uint8)
    return out


def interview_shot(host: str, other: str, share: float = 0.6) -> np.ndarray:
    """`host`'s photo with `other`'s head at the left edge, `share` times the host's face
    height: the shot a host has of themself with an interviewer or fan in the frame."""
    image = read(host)
    x1, y1, x2, y2 = face_box(image)
    height = (y2 - y1) * share
    return with_head(image, other, height, (height * 0.6, (y1 + y2) / 2))


def two_shot(left: str, right: str) -> np.ndarray:
    """`left`'s photo widened, with `right`'s head beside theirs at the same size: two
    people side by side, nothing in the photo says whose it is."""
    image = read(left)
    x1, y1, x2, y2 = face_box(image)
    pad = int((x2 - x1) * 1.6)
    wide = cv2.copyMakeBorder(image, 0, 0, 0, pad, cv2.BORDER_REPLICATE)
    return with_head(wide, right, y2 - y1, (x2 + pad * 0.6, (y1 + y2) / 2))
