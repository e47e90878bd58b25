"""Covering a face: the styles, the margin, the frame's edges."""

from __future__ import annotations

import numpy as np
import pytest

from ciasom.engine.detector import FaceDetector
from ciasom.engine.mosaic import BLOCKS_ACROSS_FACE, cover, cover_whole_frame


@pytest.fixture
def face_photo(real_photo):
    image = real_photo("obama.jpg")
    (face,) = FaceDetector(width=640).detect(image)
    return image, face.box


def changed(before: np.ndarray, after: np.ndarray) -> np.ndarray:
    return np.any(before != after, axis=2)


@pytest.mark.parametrize("style", ["pixelate", "blur", "box"])
def test_every_style_changes_the_whole_face_and_more(face_photo, style):
    image, face = face_photo
    out = image.copy()
    covered = cover(out, face, style=style, margin=0.3)
    x1, y1, x2, y2 = (int(v) for v in face)
    assert changed(image, out)[y1:y2, x1:x2].mean() > 0.95
    # the margin: the covered area is 30 % larger than the face each way
    assert covered[2] - covered[0] == pytest.approx((x2 - x1) * 1.3, abs=3)
    assert covered[3] - covered[1] == pytest.approx((y2 - y1) * 1.3, abs=3)
    cx1, cy1, cx2, cy2 = covered
    outside = changed(image, out).copy()
    outside[cy1:cy2, cx1:cx2] = False
    assert not outside.any(), "nothing outside the covered area may change"


def test_pixelate_leaves_only_a_few_blocks_across_the_face(face_photo):
    image, face = face_photo
    out = image.copy()
    cover(out, face, style="pixelate", strength=3)
    x1, y1, x2, y2 = (int(v) for v in face)
    row = out[(y1 + y2) // 2, x1:x2]
    blocks = 1 + np.count_nonzero(np.any(row[1:] != row[:-1], axis=1))
    assert blocks <= BLOCKS_ACROSS_FACE[3] + 2


def test_a_small_face_keeps_at_most_four_blocks_across():
    """A 20-px face at the default strength: 6 blocks of 3 px would keep its outline."""
    image = np.random.default_rng(3).integers(0, 255, (60, 60, 3), dtype=np.uint8)
    cover(image, (20.0, 20.0, 40.0, 40.0), style="pixelate", strength=3, margin=0.0)
    column = image[20:40, 30]
    assert 1 + np.count_nonzero(np.any(column[1:] != column[:-1], axis=1)) <= 4


def test_stronger_pixelation_means_fewer_blocks(face_photo):
    image, face = face_photo
    x1, y1, x2, y2 = (int(v) for v in face)
    counts = []
    for strength in (1, 5):
        out = image.copy()
        cover(out, face, style="pixelate", strength=strength)
        row = out[(y1 + y2) // 2, x1:x2]
        counts.append(1 + np.count_nonzero(np.any(row[1:] != row[:-1], axis=1)))
    assert counts[1] < counts[0]


def test_a_face_at_the_edge_is_covered_up_to_the_edge_and_no_further(face_photo):
    image, face = face_photo
    shifted = (face[0] - face[2] + 20, face[1], 20.0, face[3])  # mostly left of the frame
    out = image.copy()
    covered = cover(out, shifted)
    assert covered is not None and covered[0] == 0
    assert changed(image, out)[int(face[1]) : int(face[3]), 0:20].mean() > 0.9


def test_a_face_entirely_outside_covers_nothing(face_photo):
    image, _ = face_photo
    out = image.copy()
    assert cover(out, (-300.0, -300.0, -100.0, -100.0)) is None
    assert (out == image).all()


def test_the_fail_closed_frame_hides_every_face(face_photo):
    image, face = face_photo
    out = cover_whole_frame(image)
    x1, y1, x2, y2 = (int(v) for v in face)
    assert changed(image, out)[y1:y2, x1:x2].mean() > 0.95
    assert out is not image and (image != out).any()
    assert FaceDetector(width=640).detect(out) == [], "no detector should find a face in it"
