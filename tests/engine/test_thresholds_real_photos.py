"""The recogniser's thresholds on real photos seen as a camera sees people move: tilted,
in shade and harsh light, blurred. The held-out photo of the allowed person matches him or
nobody, never anyone else; strangers — two portraits and the 14 people of a street photo —
stay beyond even the near-miss distance, so no look of theirs helps show them."""

from __future__ import annotations

import itertools

import cv2
import numpy as np
import pytest

from ciasom.engine.detector import FaceDetector
from ciasom.engine.embedder import FaceEmbedder
from ciasom.engine.gallery import MATCH_DISTANCE
from ciasom.engine.policy import NEAR_MISS_DISTANCE, STRANGER_DISTANCE

TILTS, GAINS, BLURS = (-20, 0, 20), (0.6, 1.0, 1.5), (0.0, 2.0)


def views(image: np.ndarray) -> list[np.ndarray]:
    """The photo tilted, darkened or brightened, and blurred as by motion."""
    height, width = image.shape[:2]
    out = []
    for tilt, gain, blur in itertools.product(TILTS, GAINS, BLURS):
        matrix = cv2.getRotationMatrix2D((width / 2, height / 2), tilt, 1.0)
        view = cv2.warpAffine(image, matrix, (width, height), borderMode=cv2.BORDER_REPLICATE)
        view = np.clip(view.astype(np.float32) * gain, 0, 255).astype(np.uint8)
        if blur:
            view = cv2.GaussianBlur(view, (0, 0), blur * max(height, width) / 640)
        out.append(view)
    return out


@pytest.fixture(scope="module")
def describe():
    detector, embedder = FaceDetector(width=640), FaceEmbedder()

    def embeddings(image: np.ndarray, every_face: bool = False) -> list[np.ndarray]:
        faces = detector.detect(image)
        if not every_face:
            faces = [max(faces, key=lambda d: d.score)]
        return [embedder.embed(image, f.box) for f in faces]

    return embeddings


def test_the_allowed_person_moving_matches_him_or_nobody(allowed_gallery, real_photo, describe):
    matches = [allowed_gallery.match(describe(v)[0]) for v in views(real_photo("obama2.jpg"))]
    assert {m.person for m in matches} <= {"obama", None}
    matched = [m for m in matches if m.person == "obama"]
    assert len(matched) >= 0.8 * len(matches)  # most views are clearly him
    assert max(m.distance for m in matches) < STRANGER_DISTANCE  # never written off


@pytest.mark.parametrize("stranger", ["biden.jpg", "astronaut.png"])
def test_a_stranger_moving_is_never_near_the_allowed_person(
    allowed_gallery, real_photo, describe, stranger
):
    for view in views(real_photo(stranger)):
        match = allowed_gallery.match(describe(view)[0])
        assert match.person is None and match.distance > NEAR_MISS_DISTANCE


def test_the_people_of_a_street_photo_are_strangers(allowed_gallery, real_photo, describe):
    street = real_photo("city.jpg")
    big = cv2.resize(street, None, fx=2.5, fy=2.5, interpolation=cv2.INTER_CUBIC)
    people = describe(big, every_face=True)
    assert len(people) >= 12
    distances = [allowed_gallery.match(e).distance for e in people]
    assert min(distances) > NEAR_MISS_DISTANCE > MATCH_DISTANCE
