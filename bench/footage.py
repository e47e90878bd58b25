"""Camera footage for the browser and end-to-end tests: real faces swaying, with ground truth.

Small and fixed (640x480, three big faces), unlike :mod:`bench.scene`'s benchmark scene, so a
browser's fake camera can loop it. Faces are cut from the cached real photos
(:mod:`bench.photos`): obama2.jpg is the
enrolled person (enrolled from obama.jpg and obama3.jpg), biden.jpg and astronaut.png are
strangers. Motion is a ping-pong so the looping file has no jump. Every frame carries its
index in the bar code of :mod:`bench.stamp` along the bottom edge (no face there), so a
frame grabbed from a viewer's ``<video>`` can be matched to its ground truth.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import cv2
import numpy as np

from ciasom.engine.detector import FaceDetector
from ciasom.engine.geometry import area

from .photos import photo
from .stamp import CODE_HEIGHT, read_stamp, stamp

WIDTH, HEIGHT, FPS = 640, 480, 30
FRAMES = 90  # 3 s; played forwards then backwards = one seamless 6 s loop
CODE_TOP = HEIGHT - CODE_HEIGHT - 4  # faces stay above the bar code
ENROL_PHOTOS = ("obama.jpg", "obama3.jpg")


@dataclass(frozen=True)
class Actor:
    label: str
    photo: str
    allowed: bool
    x: float  # centre, fraction of width
    y: float  # centre, fraction of height
    face_height: int  # pixels


ACTORS = (
    Actor("obama", "obama2.jpg", True, 0.5, 0.42, 150),
    Actor("biden", "biden.jpg", False, 0.17, 0.4, 130),
    Actor("astronaut", "astronaut.png", False, 0.83, 0.45, 130),
)


@cache
def head(name: str, face_height: int) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """The photo's largest face with hair and chin, scaled; and the face box inside it."""
    image = cv2.imread(str(photo(name)))
    fx1, fy1, fx2, fy2 = max(FaceDetector(width=640).detect(image), key=lambda d: area(d.box)).box
    scale = face_height / (fy2 - fy1)
    pad_x, pad_y = 0.35 * (fx2 - fx1), 0.45 * (fy2 - fy1)
    x1, y1 = max(0, int(fx1 - pad_x)), max(0, int(fy1 - pad_y))
    x2, y2 = min(image.shape[1], int(fx2 + pad_x)), min(image.shape[0], int(fy2 + pad_y))
    crop = cv2.resize(image[y1:y2, x1:x2], None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    box = (
        int((fx1 - x1) * scale),
        int((fy1 - y1) * scale),
        int((fx2 - x1) * scale),
        int((fy2 - y1) * scale),
    )
    return crop, box


@cache
def background() -> np.ndarray:
    ys, xs = np.mgrid[0:HEIGHT, 0:WIDTH]
    wall = 120 + 40 * np.sin(xs / 23.0) * np.cos(ys / 31.0)
    image = np.dstack([wall * 0.9, wall, wall * 1.1]).clip(0, 255).astype(np.uint8)
    image[CODE_TOP - 4 :] = 0
    return image


def offset(index: int, actor: Actor) -> tuple[int, int]:
    """Slow sway, a different phase per actor."""
    phase = index / FRAMES * math.pi + ACTORS.index(actor)
    return int(25 * math.sin(phase)), int(10 * math.cos(phase))


def frame(index: int) -> tuple[np.ndarray, dict[str, tuple[int, int, int, int]]]:
    """Frame ``index`` (BGR) and each actor's face box in it."""
    image = background().copy()
    truth = {}
    for actor in ACTORS:
        crop, (fx1, fy1, fx2, fy2) = head(actor.photo, actor.face_height)
        dx, dy = offset(index, actor)
        left = int(actor.x * WIDTH) - crop.shape[1] // 2 + dx
        top = int(actor.y * HEIGHT) - crop.shape[0] // 2 + dy
        x1, y1 = max(0, left), max(0, top)
        x2 = min(WIDTH, left + crop.shape[1])
        y2 = min(CODE_TOP - 4, top + crop.shape[0])
        image[y1:y2, x1:x2] = crop[y1 - top : y2 - top, x1 - left : x2 - left]
        truth[actor.label] = (left + fx1, top + fy1, left + fx2, top + fy2)
    stamp(image, index)
    return image, truth


def write_y4m(path: Path) -> Path:
    """The footage as a Y4M file for Chromium's ``--use-file-for-fake-video-capture``."""
    order = list(range(FRAMES)) + list(range(FRAMES - 2, 0, -1))
    with open(path, "wb") as out:
        out.write(f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F{FPS}:1 Ip A1:1 C420jpeg\n".encode())
        for index in order:
            out.write(b"FRAME\n")
            out.write(cv2.cvtColor(frame(index)[0], cv2.COLOR_BGR2YUV_I420).tobytes())
    return path


def detail(image: np.ndarray, box: tuple[int, int, int, int]) -> float:
    """Fine detail inside the middle of ``box``: what pixelation removes."""
    x1, y1, x2, y2 = box
    w, h = x2 - x1, y2 - y1
    inner = image[y1 + h // 5 : y2 - h // 5, x1 + w // 5 : x2 - w // 5]
    gray = cv2.cvtColor(inner, cv2.COLOR_BGR2GRAY).astype(np.float32)
    return float(np.abs(np.diff(gray, axis=1)).mean() + np.abs(np.diff(gray, axis=0)).mean())


def verdicts(
    image: np.ndarray, reference: np.ndarray, truth: dict[str, tuple[int, int, int, int]]
) -> dict[str, bool]:
    """For each actor in a received frame: is the face still visible (True) or covered?

    A face counts as visible when it kept at least half of the source's fine detail;
    pixelation keeps under a fifth of it, video coding keeps most of it.
    """
    scale_x = image.shape[1] / WIDTH
    scale_y = image.shape[0] / HEIGHT
    result = {}
    for label, (x1, y1, x2, y2) in truth.items():
        scaled = (int(x1 * scale_x), int(y1 * scale_y), int(x2 * scale_x), int(y2 * scale_y))
        source = cv2.resize(reference, (image.shape[1], image.shape[0]), cv2.INTER_AREA)
        result[label] = detail(image, scaled) > 0.5 * detail(source, scaled)
    return result


EXPECTED = {actor.label: actor.allowed for actor in ACTORS}


def judge(image: np.ndarray) -> dict[str, bool]:
    """For each actor in a received frame (maybe scaled): is its face visible?

    The frame's truth is found by its bar code. A frame whose code is unreadable (covered
    whole, the code with it) is judged against every frame of the loop: a face counts as
    visible if it would be under any of them, so an unreadable frame never hides a leak.
    """
    index = read_stamp(image, source_height=HEIGHT)
    candidates = range(FRAMES) if index is None else (index,)
    result: dict[str, bool] = {}
    for candidate in candidates:
        reference, truth = frame(candidate)
        for label, visible in verdicts(image, reference, truth).items():
            result[label] = result.get(label, False) or visible
    return result
