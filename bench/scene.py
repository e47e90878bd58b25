"""A test video with exact ground truth, built from real face photos.

Heads cut from real photos (see `bench.photos`) move over a textured background along
known paths: the allowed person walks, one stranger crosses behind them, one leaves
the frame and comes back, one is small, one is partly covered by an object. Because we
draw every frame, we know for every pixel whose face it shows, so coverage can be
measured from the output pixels themselves.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import cv2
import numpy as np

from ciasom.engine.detector import FaceDetector
from ciasom.engine.geometry import Box

from .photos import photo

ALLOWED = "obama"
# The allowed person is enrolled from these photos; the scene shows a different one.
ENROL_PHOTOS = ("obama.jpg", "obama3.jpg", "obama_partial_face.jpg")
SCENE_PHOTOS = {"obama": "obama2.jpg", "biden": "biden.jpg", "astronaut": "astronaut.png"}

# A path gives, at time t (seconds), the face centre (fractions of width/height), the
# face height (fraction of frame height) and a tilt in degrees; None when off-screen.
Path = Callable[[float], tuple[float, float, float, float] | None]


@dataclass(frozen=True)
class Actor:
    label: str  # unique in the scene: "obama", "biden", "astronaut-small", ...
    person: str  # whose face it is
    path: Path
    occluded: Callable[[float], bool] = lambda t: False  # a bar over the lower face


@dataclass(frozen=True)
class TruthFace:
    label: str
    person: str
    allowed: bool
    box: tuple[int, int, int, int]  # the face ellipse's bounding box, clipped to the frame
    mask: np.ndarray  # bool, box-sized: pixels that show this face (not hidden by others)
    full_area: float  # pixels of the whole face ellipse, also the part outside the frame

    @property
    def visible_share(self) -> float:
        """Share of the face that can be seen (others, objects or the frame edge hide it)."""
        return float(self.mask.sum()) / max(1.0, self.full_area)


@dataclass(frozen=True)
class _Sprite:
    rgba: np.ndarray  # head cut-out, alpha feathered
    face: Box  # face box inside the sprite


def _walk(t: float) -> tuple[float, float, float, float]:
    return (0.2 + 0.6 * (0.5 - 0.5 * math.cos(t * math.pi / 5)), 0.42, 0.26, 6 * math.sin(t * 1.3))


def _cross(t: float) -> tuple[float, float, float, float]:
    return (0.9 - 0.09 * t, 0.36 + 0.02 * math.sin(t), 0.15, -5 * math.sin(t * 0.9))


def _leave_and_return(t: float) -> tuple[float, float, float, float] | None:
    """Walks out on the right (gone from about 2.9 s), comes back in from 5.5 s."""
    if 3.5 < t < 5.5:
        return None
    x = 0.62 + 0.15 * t if t <= 3.5 else 1.15 - 0.1 * (t - 5.5)
    return (x, 0.78, 0.2, 0.0)


def _small(t: float) -> tuple[float, float, float, float]:
    return (0.1 + 0.035 * t, 0.12, 0.036, 0.0)


def _covered(t: float) -> tuple[float, float, float, float]:
    return (0.12, 0.8 - 0.02 * t, 0.16, 3.0)


ACTORS = (  # back to front
    Actor("biden", "biden", _cross),  # crosses behind the allowed person
    Actor("obama", "obama", _walk),
    Actor("astronaut", "astronaut", _leave_and_return),
    Actor("astronaut-small", "astronaut", _small),
    Actor("biden-covered", "biden", _covered, occluded=lambda t: 2.0 < t < 7.0),
)


class Scene:
    def __init__(
        self,
        width: int = 1280,
        height: int = 720,
        fps: float = 30.0,
        seconds: float = 10.0,
        actors: tuple[Actor, ...] = ACTORS,
    ) -> None:
        self.width, self.height, self.fps = width, height, fps
        self.frames = int(round(seconds * fps))
        self.actors = actors

    @cached_property
    def background(self) -> np.ndarray:
        """A street-ish backdrop with texture (detectors must not see faces in it)."""
        rng = np.random.default_rng(7)
        h, w = self.height, self.width
        sky = np.linspace(200, 120, h, dtype=np.float32)[:, None, None]
        image = np.broadcast_to(sky * np.array([1.0, 0.95, 0.85]), (h, w, 3)).copy()
        for _ in range(25):
            x, bw = int(rng.integers(0, w)), int(rng.integers(w // 20, w // 6))
            top = int(rng.integers(h // 5, h // 2))
            colour = rng.integers(60, 200, 3)
            image[top:, x : x + bw] = colour
            for wy in range(top + 10, h, 28):
                for wx in range(x + 6, x + bw - 10, 22):
                    image[wy : wy + 12, wx : wx + 10] = colour * 0.5
        image += rng.normal(0, 6, image.shape)
        return np.clip(image, 0, 255).astype(np.uint8)

    @cached_property
    def _sprites(self) -> dict[str, _Sprite]:
        detector = FaceDetector(width=640, threshold=0.5)
        return {
            person: _cut_head(cv2.imread(str(photo(name))), detector)
            for person, name in SCENE_PHOTOS.items()
        }

    def frame(self, index: int) -> tuple[np.ndarray, list[TruthFace]]:
        t = index / self.fps
        image = self.background.copy()
        owner = np.zeros((self.height, self.width), dtype=np.int16)
        placed: list[tuple[Actor, tuple[int, int, int, int], float]] = []
        for number, actor in enumerate(self.actors, start=1):
            pose = actor.path(t)
            if pose is None:
                continue
            pasted = self._paste(image, owner, number, self._sprites[actor.person], pose)
            if pasted is None:
                continue
            box, full_area = pasted
            if actor.occluded(t):
                x1, y1, x2, y2 = box
                bar_top = y1 + int((y2 - y1) * 0.62)
                image[bar_top : y2 + 4, max(0, x1 - 6) : x2 + 6] = (40, 90, 160)
                owner[bar_top : y2 + 4, max(0, x1 - 6) : x2 + 6] = 0
            placed.append((actor, box, full_area))
        truth = []
        for actor, box, full_area in placed:
            x1, y1, x2, y2 = box
            number = self.actors.index(actor) + 1
            truth.append(
                TruthFace(
                    actor.label,
                    actor.person,
                    actor.person == ALLOWED,
                    box,
                    owner[y1:y2, x1:x2] == number,
                    full_area,
                )
            )
        return image, truth

    def _paste(
        self,
        image: np.ndarray,
        owner: np.ndarray,
        number: int,
        sprite: _Sprite,
        pose: tuple[float, float, float, float],
    ) -> tuple[tuple[int, int, int, int], float] | None:
        cx, cy, face_h, angle = pose
        fx1, fy1, fx2, fy2 = sprite.face
        scale = face_h * self.height / (fy2 - fy1)
        centre = ((fx1 + fx2) / 2, (fy1 + fy2) / 2)
        matrix = cv2.getRotationMatrix2D(centre, angle, scale)
        matrix[:, 2] += (cx * self.width - centre[0], cy * self.height - centre[1])
        sh, sw = sprite.rgba.shape[:2]
        corners = cv2.transform(
            np.array([[[0, 0], [sw, 0], [0, sh], [sw, sh]]], np.float32), matrix
        )[0]
        x1, y1 = (max(0, int(v)) for v in np.floor(corners.min(axis=0)))
        x2, y2 = (int(v) for v in np.ceil(corners.max(axis=0)))
        x2, y2 = min(self.width, x2), min(self.height, y2)
        if x2 <= x1 or y2 <= y1:
            return None
        matrix[:, 2] -= (x1, y1)  # draw into the region of interest only
        warped = cv2.warpAffine(
            sprite.rgba,
            matrix,
            (x2 - x1, y2 - y1),
            flags=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR,
        )
        alpha = warped[:, :, 3:4].astype(np.float32) / 255
        roi = image[y1:y2, x1:x2]
        roi[:] = (warped[:, :, :3] * alpha + roi * (1 - alpha)).astype(np.uint8)
        owner[y1:y2, x1:x2][alpha[:, :, 0] > 0.5] = 0  # hair and shoulders hide what is behind
        face = np.zeros((y2 - y1, x2 - x1), np.uint8)
        axes = (max(1, int((fx2 - fx1) * scale / 2)), max(1, int((fy2 - fy1) * scale / 2)))
        cv2.ellipse(
            face,
            (int(cx * self.width) - x1, int(cy * self.height) - y1),
            axes,
            -angle,
            0,
            360,
            1,
            -1,
        )
        owner[y1:y2, x1:x2][face > 0] = number
        ys, xs = np.nonzero(face)
        if len(xs) == 0:
            return None
        return (
            (
                int(xs.min()) + x1,
                int(ys.min()) + y1,
                int(xs.max()) + x1 + 1,
                int(ys.max()) + y1 + 1,
            ),
            math.pi * axes[0] * axes[1],
        )


def _cut_head(image: np.ndarray, detector: FaceDetector) -> _Sprite:
    """The head and some shoulders, feathered at the edge so pasting leaves no seam."""
    face = max(detector.detect(image), key=lambda d: d.score).box
    fw, fh = face[2] - face[0], face[3] - face[1]
    x1, y1 = max(0, int(face[0] - fw * 0.6)), max(0, int(face[1] - fh * 0.5))
    x2, y2 = (
        min(image.shape[1], int(face[2] + fw * 0.6)),
        min(image.shape[0], int(face[3] + fh * 0.6)),
    )
    crop = image[y1:y2, x1:x2]
    alpha = np.zeros(crop.shape[:2], np.uint8)
    cv2.ellipse(
        alpha,
        (crop.shape[1] // 2, crop.shape[0] // 2),
        (int(crop.shape[1] * 0.46), int(crop.shape[0] * 0.48)),
        0,
        0,
        360,
        255,
        -1,
    )
    alpha = cv2.GaussianBlur(alpha, (0, 0), max(2.0, fw / 25))
    return _Sprite(
        np.dstack([crop, alpha]), (face[0] - x1, face[1] - y1, face[2] - x1, face[3] - y1)
    )


def write_video(
    scene: Scene,
    path: str,
    audio: bool = True,
    lying_on_its_side: bool = False,
    codec: str = "libx264",
) -> None:
    """The scene as a real file (H.264 + an AAC tone), for the offline tool and its tests;
    ``lying_on_its_side`` stores it as phones store portrait video: turned a quarter
    clockwise, with a display rotation of 90 degrees that players undo. ``ffv1`` (lossless,
    4:4:4) takes sizes H.264 in 4:2:0 cannot."""
    import av

    with av.open(path, "w") as sink:
        video = sink.add_stream(codec, rate=int(scene.fps))
        video.width, video.height = scene.width, scene.height
        video.pix_fmt = "yuv444p" if codec == "ffv1" else "yuv420p"
        if lying_on_its_side:
            video.width, video.height = scene.height, scene.width
            video.set_display_rotation(90)
        if codec == "libx264":
            video.options = {"crf": "12", "preset": "veryfast"}
        tone = sink.add_stream("aac", rate=48000) if audio else None
        samples = 0
        for index in range(scene.frames):
            image, _ = scene.frame(index)
            if lying_on_its_side:
                image = cv2.rotate(image, cv2.ROTATE_90_CLOCKWISE)
            frame = av.VideoFrame.from_ndarray(image, format="bgr24")
            frame.pts = index
            sink.mux(video.encode(frame))
            if tone is not None:
                until = int((index + 1) / scene.fps * 48000)
                t = np.arange(samples, until) / 48000
                wave = (0.2 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)[None, :]
                chunk = av.AudioFrame.from_ndarray(wave, format="fltp", layout="mono")
                chunk.sample_rate, chunk.pts = 48000, samples
                sink.mux(tone.encode(chunk))
                samples = until
        sink.mux(video.encode())
        if tone is not None:
            sink.mux(tone.encode())
