"""Turning a photo of a person into an embedding the engine can recognise them by.

A photo is refused, with a reason a person understands, when it shows no face, several
faces (we would not know whose face to enrol), or a face too small to describe reliably.
A usable but weak photo (small or blurry face) is accepted with a warning.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

import cv2
import numpy as np

from .detector import FaceDetector
from .embedder import FaceEmbedder
from .geometry import Box, area, clip, enlarge

MIN_FACE_PX = 60  # below this the ResNet descriptor is unreliable
GOOD_FACE_PX = 120
MIN_SHARPNESS = 60.0  # variance of the Laplacian on the face at 150 px; below it is blurry
SECONDARY_FACE_SHARE = 0.15  # a second face this big (vs the main one) makes a group photo


class EnrolmentError(ValueError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class Enrolment:
    embedding: np.ndarray
    box: tuple[int, int, int, int]
    crop: np.ndarray
    warnings: list[str] = field(default_factory=list)


@cache
def _models() -> tuple[FaceDetector, FaceEmbedder]:
    # Enrolment photos are stills: detect at full 640 px for the best chance on small faces.
    return FaceDetector(width=640, threshold=0.5), FaceEmbedder()


def enrol_photo(image_bgr: np.ndarray, name: str = "the photo") -> Enrolment:
    detector, embedder = _models()
    image = _limit_size(image_bgr)
    faces = sorted(detector.detect(image), key=lambda d: area(d.box), reverse=True)
    if not faces:
        raise EnrolmentError("no_face", f"No face found in {name}.")
    main = faces[0]
    others = [f for f in faces[1:] if area(f.box) >= SECONDARY_FACE_SHARE * area(main.box)]
    if others:
        raise EnrolmentError(
            "several_faces",
            f"{len(others) + 1} faces found in {name}; use a photo of this person alone.")
    face_px = min(main.box[2] - main.box[0], main.box[3] - main.box[1])
    if face_px < MIN_FACE_PX:
        raise EnrolmentError(
            "too_small",
            f"The face in {name} is {int(face_px)} px; at least {MIN_FACE_PX} px is needed.")
    warnings = []
    if face_px < GOOD_FACE_PX:
        warnings.append("small face")
    if _sharpness(image, main.box) < MIN_SHARPNESS:
        warnings.append("blurry")
    height, width = image.shape[:2]
    x1, y1, x2, y2 = clip(enlarge(main.box, 1.2), width, height)
    return Enrolment(
        embedding=embedder.embed(image, main.box),
        box=clip(main.box, width, height),
        crop=image[y1:y2, x1:x2].copy(),
        warnings=warnings,
    )


def _limit_size(image: np.ndarray, longest: int = 1600) -> np.ndarray:
    """Phone photos are 12+ MP; a face needs far fewer pixels and dlib's time grows with them."""
    scale = longest / max(image.shape[:2])
    if scale >= 1:
        return image
    return cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)


def _sharpness(image: np.ndarray, box: Box) -> float:
    height, width = image.shape[:2]
    x1, y1, x2, y2 = clip(box, width, height)
    face = cv2.cvtColor(image[y1:y2, x1:x2], cv2.COLOR_BGR2GRAY)
    face = cv2.resize(face, (150, 150), interpolation=cv2.INTER_AREA)
    return float(cv2.Laplacian(face, cv2.CV_64F).var())
