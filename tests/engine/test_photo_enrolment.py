"""Enrolling a person from photos: good photos accepted, unusable ones refused with a reason."""

from __future__ import annotations

import io

import cv2
import numpy as np
import pytest
from PIL import Image

from bench.photos import photo
from ciasom.engine.enrolment import EnrolmentError, enrol_photo
from ciasom.engine.photo import PhotoError, read_photo


def jpeg(image_bgr: np.ndarray, **save) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(image_bgr[:, :, ::-1]).save(buffer, "JPEG", **save)
    return buffer.getvalue()


def test_a_clear_portrait_gives_an_embedding_and_a_face_crop():
    enrolment = enrol_photo(read_photo(photo("obama.jpg").read_bytes()), "obama.jpg")
    assert enrolment.embedding.shape == (128,) and enrolment.embedding.dtype == np.float32
    assert enrolment.crop.shape[0] > 100 and enrolment.warnings == []


@pytest.mark.parametrize("kind", ["HEIF", "AVIF"])
def test_an_iphone_heic_or_an_avif_photo_reads_like_its_jpeg(kind):
    """iPhones save HEIC by default; phones and browsers increasingly AVIF."""
    original = Image.open(photo("obama.jpg"))
    buffer = io.BytesIO()
    original.save(buffer, kind, quality=90)
    read = read_photo(buffer.getvalue())
    assert read.shape == read_photo(photo("obama.jpg").read_bytes()).shape
    enrolment = enrol_photo(read, f"obama.{kind.lower()}")
    assert enrolment.embedding.shape == (128,) and enrolment.warnings == []


def test_a_photo_without_a_face_is_refused(real_photo):
    suit = real_photo("biden.jpg")[1500:2100, 100:800]  # the jacket, no face in it
    with pytest.raises(EnrolmentError) as refused:
        enrol_photo(suit, "jacket.jpg")
    assert refused.value.code == "no_face" and "jacket.jpg" in refused.value.message


def test_a_group_photo_is_refused(real_photo):
    with pytest.raises(EnrolmentError) as refused:
        enrol_photo(real_photo("city.jpg"), "city.jpg")
    assert refused.value.code == "several_faces"
    assert "alone" in refused.value.message


def test_a_face_too_small_to_describe_is_refused(real_photo):
    far = cv2.resize(real_photo("obama.jpg"), None, fx=0.15, fy=0.15, interpolation=cv2.INTER_AREA)
    with pytest.raises(EnrolmentError) as refused:
        enrol_photo(far, "far.jpg")
    assert refused.value.code == "too_small"


def test_a_small_or_blurry_face_is_accepted_with_a_warning(real_photo):
    soft = cv2.GaussianBlur(real_photo("obama.jpg"), (0, 0), 6)
    assert "blurry" in enrol_photo(soft, "soft.jpg").warnings
    assert "small face" in enrol_photo(real_photo("astronaut.png"), "astronaut").warnings


def test_exif_orientation_is_honoured(real_photo):
    upright = real_photo("obama.jpg")
    on_its_side = np.ascontiguousarray(np.rot90(upright))  # as a phone stores it
    exif = Image.Exif()
    exif[0x0112] = 8  # "rotate 90 CW to view"
    decoded = read_photo(jpeg(on_its_side, exif=exif.tobytes(), quality=95))
    assert decoded.shape == upright.shape
    assert enrol_photo(decoded, "phone.jpg").box  # the face is found the right way up


def test_bytes_that_are_not_an_image_are_refused():
    with pytest.raises(PhotoError) as refused:
        read_photo(b"%PDF-1.7 not a photo")
    assert refused.value.code == "unreadable"


def test_a_truncated_photo_is_refused():
    data = photo("obama.jpg").read_bytes()
    with pytest.raises(PhotoError) as refused:
        read_photo(data[: len(data) // 3])
    assert refused.value.code == "unreadable"


def test_a_decompression_bomb_is_refused_before_decoding():
    buffer = io.BytesIO()
    Image.new("1", (20_000, 20_000)).save(buffer, "PNG")  # 400 MP, a few kB on disk
    assert len(buffer.getvalue()) < 200_000
    with pytest.raises(PhotoError) as refused:
        read_photo(buffer.getvalue())
    assert refused.value.code == "too_large"
