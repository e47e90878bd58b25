"""Matching faces to the allowed people with the calibrated threshold."""

from __future__ import annotations

import numpy as np

from ciasom.engine.detector import FaceDetector
from ciasom.engine.embedder import EmbedderProcess, FaceEmbedder
from ciasom.engine.gallery import MATCH_DISTANCE, Gallery


def embed(image: np.ndarray) -> np.ndarray:
    face = max(FaceDetector(width=640).detect(image), key=lambda d: d.score)
    return FaceEmbedder().embed(image, face.box)


def test_the_allowed_person_in_an_unseen_photo_matches(allowed_gallery, real_photo):
    match = allowed_gallery.match(embed(real_photo("obama2.jpg")))
    assert match.person == "obama" and match.distance < MATCH_DISTANCE


def test_strangers_match_nobody(allowed_gallery, real_photo):
    for stranger in ("biden.jpg", "astronaut.png"):
        match = allowed_gallery.match(embed(real_photo(stranger)))
        assert match.person is None and match.distance > MATCH_DISTANCE


def test_an_empty_gallery_matches_nobody(real_photo):
    assert Gallery.empty().match(embed(real_photo("obama2.jpg"))).person is None


def test_a_face_about_as_near_to_two_people_matches_neither(real_photo):
    me = embed(real_photo("obama2.jpg"))
    twins = Gallery({"one": me[None, :] + 0.01, "two": me[None, :] - 0.01})
    assert twins.match(me).person is None


def test_the_child_process_embedder_gives_the_same_descriptor(real_photo):
    image = real_photo("obama2.jpg")
    face = max(FaceDetector(width=640).detect(image), key=lambda d: d.score)
    worker = EmbedderProcess()
    try:
        remote = worker.embed(image, face.box)
    finally:
        worker.close()
    assert np.allclose(remote, FaceEmbedder().embed(image, face.box), atol=1e-5)
