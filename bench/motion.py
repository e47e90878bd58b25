"""The real-motion scenario: real faces moving as people do on camera, and a camera cut.

The host (allowed; enrolled from other photos of him) turns and tilts, comes close and
goes far, walks fast enough to blur, steps into shade and light, and raises a hand over
his face; two strangers do the same beside him; a far stranger is 22-40 px tall. At 6 s
the camera cuts to another shot: a close-up of the host, the strangers elsewhere.

Reported, beside each other for the recogniser variants measured (docs/real-motion.md):
- `visible_after_1s`: share of the host's face-frames shown, from one second after each
  appearance (the clip's start, the cut) on;
- `stranger_false_accept`: share of strangers' face-frames shown as if allowed;
- `leak_rate`: strangers' face-frames less than 90 % covered;
- `recall_by_size`: share of true faces the engine found (a reported box IoU ≥ 0.3), by
  face height;
- `covered_share`: the share of the frame's area covered, per frame (p50/p95/max), beside
  what the true faces plus the margin need.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import cv2
import numpy as np

from ciasom.engine.gallery import Gallery
from ciasom.engine.geometry import enlarge, iou
from ciasom.engine.pipeline import FrameResult, PrivacyEngine
from ciasom.engine.settings import EngineSettings

from .coverage import LEAK_BELOW, MIN_VISIBLE_SHARE, VISIBLE_UP_TO, covered_share
from .scene import Actor, Scene, TruthFace

CUT_AT = 6.0  # s
SIZE_BINS = ((0, 30), (30, 45), (45, 80), (80, 160), (160, 10_000))  # face height, px


@dataclass(frozen=True)
class Looks:
    """How a face is filmed at a time: light gain, blur (pixels of Gaussian sigma)."""

    gain: float = 1.0
    blur: float = 0.0


def _shot(t: float) -> int:
    return 0 if t < CUT_AT else 1


def _host(t: float) -> tuple[float, float, float, float]:
    if _shot(t) == 0:  # walks across, turns his head (tilt), comes closer from 3 s
        x = 0.25 + 0.5 * (0.5 - 0.5 * math.cos(t * math.pi / 3))
        height = 0.22 + 0.12 * max(0.0, min(1.0, (t - 3) / 2))
        return (x, 0.45, height, 22 * math.sin(t * 1.7))
    u = t - CUT_AT  # close-up, swaying, nodding in and out of the frame's centre
    return (
        0.5 + 0.06 * math.sin(u * 1.3),
        0.48,
        0.5 + 0.05 * math.sin(u * 0.7),
        14 * math.sin(u * 2.1),
    )


def _host_looks(t: float) -> Looks:
    if _shot(t) == 0:
        fast = abs(math.sin(t * math.pi / 3)) > 0.85  # mid-walk: fastest, blurred
        return Looks(gain=1.0 + 0.45 * math.sin(t * 0.9), blur=2.5 if fast else 0.0)
    return Looks(gain=0.7 + 0.2 * math.sin((t - CUT_AT) * 1.5))  # a darker shot


def _hand(t: float) -> bool:
    return 4.0 < t < 4.5 or 9.0 < t < 9.4  # a hand over the lower face


def _stranger(t: float) -> tuple[float, float, float, float]:
    if _shot(t) == 0:
        return (0.85 - 0.04 * t, 0.4, 0.2 + 0.04 * math.sin(t), -18 * math.sin(t * 1.1))
    return (0.1 + 0.01 * (t - CUT_AT), 0.55, 0.28, 10 * math.sin(t))


def _stranger_looks(t: float) -> Looks:
    return Looks(gain=1.0 - 0.35 * math.sin(t * 0.8), blur=1.5 if int(t * 2) % 5 == 0 else 0.0)


def _second_stranger(t: float) -> tuple[float, float, float, float] | None:
    if _shot(t) == 0:
        return (0.1 + 0.03 * t, 0.7, 0.25 - 0.02 * t, 8 * math.sin(t * 2))
    return (0.88, 0.3 + 0.02 * (t - CUT_AT), 0.3, -12 * math.sin(t * 1.4))


def _far(t: float) -> tuple[float, float, float, float]:
    """A far stranger whose face is 22-40 px tall at 720p."""
    return (0.6 + 0.02 * t, 0.14, (22 + 18 * (0.5 + 0.5 * math.sin(t * 0.8))) / 720, 0.0)


ACTORS = (
    Actor("far", "astronaut", _far),
    Actor("biden", "biden", _stranger),
    Actor("astronaut", "astronaut", _second_stranger),
    Actor("obama", "obama", _host, occluded=_hand),
)
LOOKS = {
    "obama": _host_looks,
    "biden": _stranger_looks,
    "astronaut": _stranger_looks,
    "far": lambda t: Looks(),
}


class MotionScene(Scene):
    """`Scene` with light, blur and a camera cut: the background and everyone's place
    change at once at `CUT_AT`."""

    def __init__(self, width: int = 1280, height: int = 720, seconds: float = 12.0) -> None:
        super().__init__(width, height, seconds=seconds, actors=ACTORS)
        self._t = 0.0

    @cached_property
    def _backgrounds(self) -> tuple[np.ndarray, np.ndarray]:
        first = Scene.background.func(self)  # type: ignore[attr-defined]
        second = cv2.applyColorMap(
            cv2.cvtColor(np.ascontiguousarray(first[:, ::-1]), cv2.COLOR_BGR2GRAY),
            cv2.COLORMAP_BONE,
        )
        return first, second

    @property
    def background(self) -> np.ndarray:  # type: ignore[override]
        return self._backgrounds[_shot(self._t)]

    def frame(self, index: int) -> tuple[np.ndarray, list[TruthFace]]:
        self._t = index / self.fps
        return super().frame(index)

    def _paste(self, image, owner, number, sprite, pose):  # type: ignore[no-untyped-def]
        looks = LOOKS[self.actors[number - 1].label](self._t)
        if looks.gain != 1.0 or looks.blur:
            rgb = sprite.rgba[:, :, :3].astype(np.float32) * looks.gain
            if looks.blur:  # blur as seen at this size: scale the sigma to the sprite
                scale = (pose[2] * self.height) / (sprite.face[3] - sprite.face[1])
                rgb = cv2.GaussianBlur(rgb, (0, 0), looks.blur / max(scale, 0.05))
            rgba = np.dstack([np.clip(rgb, 0, 255).astype(np.uint8), sprite.rgba[:, :, 3]])
            sprite = type(sprite)(rgba, sprite.face)
        return super()._paste(image, owner, number, sprite, pose)


def appeared_at(label: str, t: float) -> float:
    """When this face's current appearance began (the clip's start or the cut)."""
    return 0.0 if _shot(t) == 0 else CUT_AT


def run(
    gallery: Gallery,
    *,
    lookahead: float = 0.8,
    seconds: float = 12.0,
    width: int = 1280,
    height: int = 720,
    settings: EngineSettings | None = None,
) -> dict[str, Any]:
    """The engine over the scene with the privacy delay's look-ahead (`lookahead`)."""
    scene = MotionScene(width, height, seconds)
    settings = settings or EngineSettings()
    engine = PrivacyEngine(settings, gallery, lookahead=lookahead)
    frames: dict[float, tuple[np.ndarray, list[TruthFace]]] = {}
    tally = _Tally(settings.margin)
    for index in range(scene.frames):
        at = index / scene.fps
        frames[at] = scene.frame(index)
        for result in engine.push(frames[at][0], at):
            tally.add(*frames.pop(result.at), result)
    for result in engine.flush():
        tally.add(*frames.pop(result.at), result)
    return {
        "resolution": f"{width}x{height}",
        "frames": scene.frames,
        "privacy_delay_s": lookahead,
        **tally.summary(),
    }


class _Tally:
    def __init__(self, margin: float) -> None:
        self.margin = margin
        self.host = self.host_shown = 0
        self.strangers = self.strangers_shown = self.leaked = 0
        self.found: dict[tuple[int, int], list[int]] = {b: [0, 0] for b in SIZE_BINS}
        self.covered: list[float] = []
        self.needed: list[float] = []
        self.degraded = 0

    def add(self, before: np.ndarray, truth: list[TruthFace], result: FrameResult) -> None:
        height, width = before.shape[:2]
        self.degraded += result.degraded is not None
        changed = np.any(before != result.frame, axis=2)
        self.covered.append(float(changed.mean()))
        need = np.zeros((height, width), bool)
        for face in truth:
            x1, y1, x2, y2 = (int(v) for v in enlarge(face.box, 1 + self.margin))
            need[max(0, y1) : max(0, y2), max(0, x1) : max(0, x2)] = True
        self.needed.append(float(need.mean()))
        for face in truth:
            if face.visible_share < MIN_VISIBLE_SHARE:
                continue
            face_h = face.box[3] - face.box[1]
            bin_ = next(b for b in SIZE_BINS if b[0] <= face_h < b[1])
            self.found[bin_][1] += 1
            self.found[bin_][0] += any(iou(f.box, face.box) >= 0.3 for f in result.faces)
            share = covered_share(before, result.frame, face)
            if face.allowed:
                if result.at - appeared_at(face.label, result.at) >= 1.0:
                    self.host += 1
                    self.host_shown += share <= VISIBLE_UP_TO
            else:
                self.strangers += 1
                self.strangers_shown += share <= VISIBLE_UP_TO
                self.leaked += share < LEAK_BELOW

    def summary(self) -> dict[str, Any]:
        covered, needed = np.array(self.covered), np.array(self.needed)
        return {
            "visible_after_1s": round(self.host_shown / max(1, self.host), 4),
            "host_face_frames": self.host,
            "stranger_false_accept": round(self.strangers_shown / max(1, self.strangers), 5),
            "leak_rate": round(self.leaked / max(1, self.strangers), 5),
            "stranger_face_frames": self.strangers,
            "degraded_frames": self.degraded,
            "recall_by_size": {
                f"{lo}-{hi if hi < 10_000 else ''}px": {
                    "recall": round(n / max(1, total), 4),
                    "faces": total,
                }
                for (lo, hi), (n, total) in self.found.items()
                if total
            },
            "covered_share": {
                "p50": round(float(np.percentile(covered, 50)), 4),
                "p95": round(float(np.percentile(covered, 95)), 4),
                "max": round(float(covered.max()), 4),
                "faces_need_p95": round(float(np.percentile(needed, 95)), 4),
            },
        }
