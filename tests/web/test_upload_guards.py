"""Enrolment uploads are checked before anything is kept: size (20 MB per photo, more is
413), count (1-20), type sniffed from the content (never the name), decompression bombs
refused from the header. A bad request stores nothing, not even half."""

from __future__ import annotations

import struct
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from web_helpers import image_bytes, real_photo

from ciasom.faces.models import Person, Photo

pytestmark = pytest.mark.django_db

MB = 1024 * 1024


@pytest.fixture
def person(alice):
    return Person.objects.create(owner=alice, name="Mom")


def upload(api, person, *files):
    return api.post(f"/api/people/{person.pk}/photos", {"photos": list(files)}, format="multipart")


def file(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def private_files(settings) -> list:
    root = settings.PRIVATE_ROOT
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def png_header_only(width: int, height: int) -> bytes:
    """A valid PNG start claiming a huge size: costs nothing to send, 3.6 GB to decode."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 1024))
        + chunk(b"IEND", b"")
    )


def test_phone_sized_photos_up_to_20_mb_are_accepted(alice_api, person, settings):
    # A real JPEG padded to just under 20 MB (phones send 2-8 MB; 20 MB is the promise).
    big = real_photo("obama.jpg")
    big += b"\x00" * (20 * MB - len(big))
    response = upload(alice_api, person, file("IMG_0001.JPG", big))
    assert response.status_code == 202
    (photo,) = response.json()["photos"]
    assert photo["status"] == "pending"
    assert Photo.objects.get(pk=photo["id"]).size == 20 * MB


def test_a_photo_over_20_mb_is_refused_with_413_and_nothing_is_kept(alice_api, person, settings):
    too_big = real_photo("obama.jpg")
    too_big += b"\x00" * (20 * MB + 1 - len(too_big))
    response = upload(
        alice_api, person, file("ok.jpg", real_photo("biden.jpg")), file("huge.jpg", too_big)
    )
    assert response.status_code == 413
    assert "huge.jpg" in response.json()["detail"] and "20 MB" in response.json()["detail"]
    assert Photo.objects.count() == 0 and private_files(settings) == []


def test_no_file_or_more_than_20_files_is_a_400(alice_api, person, settings):
    assert upload(alice_api, person).status_code == 400
    many = [file(f"{i}.jpg", image_bytes(seed=i)) for i in range(21)]
    response = upload(alice_api, person, *many)
    assert response.status_code == 400 and "20" in response.json()["detail"]
    assert Photo.objects.count() == 0 and private_files(settings) == []


def test_a_person_holds_at_most_20_photos(alice_api, person):
    Photo.objects.bulk_create(
        [Photo(person=person, status=Photo.Status.ACCEPTED) for _ in range(18)]
    )
    Photo.objects.bulk_create(
        [Photo(person=person, status=Photo.Status.REJECTED) for _ in range(5)]
    )  # rejected ones do not count
    refused = upload(alice_api, person, *[file(f"{i}.jpg", image_bytes(seed=i)) for i in range(3)])
    assert refused.status_code == 400 and "18" in refused.json()["detail"]
    assert (
        upload(
            alice_api, person, file("a.jpg", image_bytes()), file("b.jpg", image_bytes())
        ).status_code
        == 202
    )


def test_the_type_comes_from_the_content_not_the_name(alice_api, person, settings):
    response = upload(
        alice_api,
        person,
        file("holiday.jpg", image_bytes("PNG")),  # a PNG named .jpg
        file("photo.png", image_bytes("WEBP")),  # a WebP named .png
        file("selfie.jpg", b"%PDF-1.7\n not an image at all"),
        file("IMG_0002.HEIC", b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic"),  # cut off
    )
    assert response.status_code == 202
    got = response.json()["photos"]
    assert [p["status"] for p in got] == ["pending", "pending", "rejected", "rejected"]
    assert [p["reason"] for p in got[2:]] == ["unreadable", "unreadable"]
    assert "HEIC" in got[2]["message"] and "손상" in got[3]["message"]  # damaged
    types = list(Photo.objects.order_by("id").values_list("content_type", flat=True))
    assert types == ["image/png", "image/webp", "", "image/heif"]
    # Only the two usable files were written; the rejected ones left nothing on disk.
    assert len(private_files(settings)) == 2


def test_decompression_bombs_are_refused_from_the_header(alice_api, person, settings):
    bombs = [
        file("bomb.png", png_header_only(30_000, 30_000)),  # 900 MP: Pillow's own guard
        file("big.png", png_header_only(8_000, 6_000)),
    ]  # 48 MP: over our 40 MP
    response = upload(alice_api, person, *bombs)
    assert response.status_code == 202
    assert [(p["status"], p["reason"]) for p in response.json()["photos"]] == [
        ("rejected", "too_large"),
        ("rejected", "too_large"),
    ]
    assert private_files(settings) == []


def test_a_damaged_image_is_refused_with_a_message(alice_api, person):
    damaged = image_bytes("PNG", (200, 200))[:60]  # header intact, pixels cut off
    response = upload(
        alice_api, person, file("cut.png", b"\x89PNG\r\n\x1a\n garbage"), file("cut2.png", damaged)
    )
    statuses = {(p["status"], p["reason"]) for p in response.json()["photos"]}
    # Unreadable at once when the header is broken; otherwise found by the background
    # decoder (see test_enrolment), never stored as usable.
    assert ("rejected", "unreadable") in statuses


def test_nothing_is_half_saved_when_storing_fails(alice_api, person, settings, monkeypatch):
    storage = Photo._meta.get_field("original").storage
    real_save, calls = storage._save, []

    def failing_save(name, content):
        calls.append(name)
        if len(calls) == 2:
            raise OSError("disk full")
        return real_save(name, content)

    monkeypatch.setattr(storage, "_save", failing_save)
    with pytest.raises(OSError):
        upload(
            alice_api,
            person,
            file("a.jpg", image_bytes(seed=1)),
            file("b.jpg", image_bytes(seed=2)),
        )
    assert Photo.objects.count() == 0
    assert private_files(settings) == []


def test_the_page_form_shows_refusals_as_messages(alice_browser, person):
    too_many = [file(f"{i}.jpg", image_bytes(seed=i)) for i in range(21)]
    response = alice_browser.post(f"/people/{person.pk}/upload/", {"photos": too_many}, follow=True)
    assert response.status_code == 200 and Photo.objects.count() == 0
    assert any("20" in str(m) for m in response.context["messages"])
    ok = alice_browser.post(
        f"/people/{person.pk}/upload/", {"photos": [file("a.jpg", image_bytes())]}
    )
    assert ok.status_code == 302 and Photo.objects.count() == 1
