"""Turning a photo of a person into an embedding the engine can recognise them by.

Real photos often show someone else too: an interviewer at the edge, a passer-by behind.
When one face clearly dominates — by a prominence that weighs its size, how central it is
and how sharp it is — that face is enrolled and the result says so. When two or more faces
are comparable, nobody can tell from the photo whose it is: `AmbiguousPhoto` carries every
usable face (crop and embedding) so the host can pick the one that is this person.

What separates them was measured on composites of real photos (a person's photo with
another person's head pasted at the edge, cut by the edge, or beside them, at 0.5-1.2x
the size, sharp or defocused; docs/real-motion.md): a face at most 0.7x as tall, a face cut by
the frame's edge, or a defocused background face leaves the main face 2.4-95x as
prominent; a sharp face of about the same size beside or at the edge 1.0-2.6x. Below
`DOMINANCE` (2.0) the host chooses.

A photo is refused, with a reason a person understands, when it shows no face, a crowd of
comparable faces, or a face too small to describe reliably. A usable but weak photo (small
or blurry face) is accepted with a warning.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cache

import cv2
import numpy as np

from .detector import Detection, FaceDetector
from .embedder import FaceEmbedder
from .geometry import Box, area, center, clip, enlarge

MIN_FACE_PX = 60  # below this the ResNet descriptor is unreliable
GOOD_FACE_PX = 120
MIN_SHARPNESS = 60.0  # variance of the Laplacian on the face at 150 px; below it is blurry
DOMINANCE = 2.0  # the main face is used alone when this many times as prominent as any other
MAX_CHOICES = 6  # more comparable faces than this is a crowd: no choice offered


class EnrolmentError(ValueError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class Enrolment:
    embedding: np.ndarray
    box: tuple[int, int, int, int]  # the face, in the given photo's pixels
    crop: np.ndarray
    warnings: list[str] = field(default_factory=list)


class AmbiguousPhoto(EnrolmentError):
    """Several comparable faces: `faces` (most prominent first) for the host to choose from."""

    def __init__(self, message: str, faces: list[Enrolment]) -> None:
        super().__init__("choose_face", message)
        self.faces = faces


@cache
def _models() -> tuple[FaceDetector, FaceEmbedder]:
    # Enrolment photos are stills: detect at full 640 px for the best chance on small faces.
    return FaceDetector(width=640, threshold=0.5), FaceEmbedder()


def enrol_photo(image_bgr: np.ndarray, name: str = "the photo") -> Enrolment:
    """The one face of this photo's person, or `EnrolmentError` (`AmbiguousPhoto` when the
    host must say which face it is)."""
    detector, embedder = _models()
    image = _limit_size(image_bgr)
    faces = sorted(detector.detect(image), key=lambda d: prominence(image, d.box), reverse=True)
    if not faces:
        raise EnrolmentError("no_face", f"No face found in {name}.")
    top = prominence(image, faces[0].box)
    rivals = [f for f in faces[1:] if prominence(image, f.box) * DOMINANCE > top]
    if rivals:
        comparable = [faces[0], *rivals]
        usable = [f for f in comparable if _face_px(f) >= MIN_FACE_PX]
        if not usable or len(comparable) > MAX_CHOICES:
            raise EnrolmentError(
                "several_faces",
                f"{len(comparable)} comparable faces found in {name}; use a photo of this "
                "person alone, or where their face stands out.",
            )
        raise AmbiguousPhoto(
            f"{len(comparable)} faces found in {name}; choose the one that is this person.",
            [_describe(image, f, embedder, [], image_bgr.shape) for f in usable],
        )
    main = faces[0]
    if _face_px(main) < MIN_FACE_PX:
        raise EnrolmentError(
            "too_small",
            f"The face in {name} is {int(_face_px(main))} px; at least {MIN_FACE_PX} px is needed.",
        )
    ignored = len(faces) - 1
    notes = (
        []
        if not ignored
        else [
            f"used the {'largest' if _is_largest(main, faces) else 'clearest'} face; "
            f"{ignored} other face{'s' if ignored > 1 else ''} ignored"
        ]
    )
    return _describe(image, main, embedder, notes, image_bgr.shape)


def prominence(image: np.ndarray, box: Box) -> float:
    """Area, halved from the centre to a corner, scaled down when blurrier than a usable face."""
    height, width = image.shape[:2]
    cx, cy = center(box)
    off_centre = min(
        1.0, math.hypot(cx - width / 2, cy - height / 2) / math.hypot(width, height) * 2
    )
    return area(box) * (1 - 0.5 * off_centre) * min(1.0, _sharpness(image, box) / MIN_SHARPNESS)


def _describe(
    image: np.ndarray,
    face: Detection,
    embedder: FaceEmbedder,
    notes: list[str],
    original: tuple[int, ...],
) -> Enrolment:
    warnings = list(notes)
    if _face_px(face) < GOOD_FACE_PX:
        warnings.append("small face")
    if _sharpness(image, face.box) < MIN_SHARPNESS:
        warnings.append("blurry")
    height, width = image.shape[:2]
    x1, y1, x2, y2 = clip(enlarge(face.box, 1.2), width, height)
    back = original[0] / height  # the photo was shrunk by `_limit_size`
    box = tuple(v * back for v in face.box)
    return Enrolment(
        embedding=embedder.embed(image, face.box),
        box=clip((box[0], box[1], box[2], box[3]), original[1], original[0]),
        crop=image[y1:y2, x1:x2].copy(),
        warnings=warnings,
    )


def _face_px(face: Detection) -> float:
    return min(face.box[2] - face.box[0], face.box[3] - face.box[1])


def _is_largest(face: Detection, faces: list[Detection]) -> bool:
    return all(area(face.box) >= area(f.box) for f in faces)


def _limit_size(image: np.ndarray, longest: int = 1600) -> np.ndarray:
    """Phone photos are 12+ MP; a face needs far fewer pixels and dlib's time grows with them."""
    scale = longest / max(image.shape[:2])
    if scale >= 1:
        return image
    return cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)


def _sharpness(image: np.ndarray, box: Box) -> float:
    height, width = image.shape[:2]
    x1, y1, x2, y2 = clip(box, width, height)
    if x2 - x1 < 2 or y2 - y1 < 2:
        return 0.0
    face = cv2.cvtColor(image[y1:y2, x1:x2], cv2.COLOR_BGR2GRAY)
    face = cv2.resize(face, (150, 150), interpolation=cv2.INTER_AREA)
    return float(cv2.Laplacian(face, cv2.CV_64F).var())
