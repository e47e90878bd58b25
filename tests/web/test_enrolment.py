"""Enrolling a person from real photos: every photo gets a result (accepted, or rejected
with the reason), a face crop, an embedding; the original goes unless kept; the work runs
in the background runner, never in the request."""

from __future__ import annotations

import io
import threading

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tasks import task
from PIL import Image
from web_helpers import image_bytes, real_photo, wait_until

from ciasom import tasks
from ciasom.broadcasts.models import Broadcast
from ciasom.faces.enrol import requeue_pending
from ciasom.faces.models import Person, Photo

pytestmark = pytest.mark.django_db(transaction=True)


def file(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="image/jpeg")


def settled(api, person_id: int) -> dict | None:
    data = api.get(f"/api/people/{person_id}").json()
    return data if data["status"] != "processing" else None


def test_a_heic_photo_straight_from_an_iphone_is_accepted(alice_api):
    heic = io.BytesIO()
    Image.open(io.BytesIO(real_photo("obama.jpg"))).save(heic, "HEIF", quality=90)
    person = alice_api.post("/api/people", {"name": "Barack"}, format="json").json()
    response = alice_api.post(
        f"/api/people/{person['id']}/photos",
        {"photos": [file("IMG_0001.HEIC", heic.getvalue())]},
        format="multipart",
    )
    assert response.status_code == 202
    data = wait_until(lambda: settled(alice_api, person["id"]), timeout=60)
    assert [(p["status"], p["reason"]) for p in data["photos"]] == [("accepted", "")]
    assert Photo.objects.get(person_id=person["id"]).content_type == "image/heif"


def test_every_photo_gets_a_result_with_its_reason(alice_api, settings):
    person = alice_api.post("/api/people", {"name": "Barack"}, format="json").json()
    assert person["status"] == "failed"  # nothing enrolled yet
    whole = real_photo("obama3.jpg")
    damaged = whole[: len(whole) * 2 // 3]  # header fine, last third of the pixels missing
    response = alice_api.post(
        f"/api/people/{person['id']}/photos",
        {
            "photos": [
                file("obama.jpg", real_photo("obama.jpg")),
                file("obama2.jpg", real_photo("obama2.jpg")),
                file("city.jpg", real_photo("city.jpg")),  # a street crowd
                file("noise.png", image_bytes("PNG", (320, 240))),  # no face at all
                file("damaged.jpg", damaged),
            ]
        },
        format="multipart",
    )
    assert response.status_code == 202
    assert {p["status"] for p in response.json()["photos"]} == {"pending"}

    data = wait_until(lambda: settled(alice_api, person["id"]), timeout=60)
    results = [(p["status"], p["reason"]) for p in data["photos"]]
    assert results == [
        ("accepted", ""),
        ("accepted", ""),
        ("rejected", "several_faces"),
        ("rejected", "no_face"),
        ("rejected", "unreadable"),
    ]
    assert data["status"] == "ready"
    assert data["counts"] == {"pending": 0, "accepted": 2, "rejected": 3}
    assert all(p["message"] for p in data["photos"] if p["status"] == "rejected")

    # The face crop of an accepted photo, small, for the owner only.
    accepted = data["photos"][0]
    crop = alice_api.get(accepted["thumbnail_url"])
    assert crop.status_code == 200 and crop["Content-Type"] == "image/jpeg"
    with Image.open(io.BytesIO(b"".join(crop.streaming_content))) as image:
        assert max(image.size) <= 160
    # Originals are gone once embedded (keep_photos is off); embeddings are 128 floats.
    for photo in Photo.objects.filter(person_id=person["id"]):
        assert not photo.original
        if photo.status == Photo.Status.ACCEPTED:
            assert len(bytes(photo.embedding)) == 128 * 4
    assert not list((settings.PRIVATE_ROOT / "faces").rglob("*-original"))


def test_a_person_with_only_unusable_photos_has_failed(alice_api):
    person = alice_api.post("/api/people", {"name": "Nobody"}, format="json").json()
    alice_api.post(
        f"/api/people/{person['id']}/photos",
        {"photos": [file("noise.jpg", image_bytes(size=(300, 300)))]},
        format="multipart",
    )
    data = wait_until(lambda: settled(alice_api, person["id"]), timeout=60)
    assert data["status"] == "failed" and data["photos"][0]["reason"] == "no_face"


def test_keep_photos_keeps_the_originals(alice_api, settings):
    person = alice_api.post(
        "/api/people", {"name": "Joe", "keep_photos": True}, format="json"
    ).json()
    alice_api.post(
        f"/api/people/{person['id']}/photos",
        {"photos": [file("biden.jpg", real_photo("biden.jpg"))]},
        format="multipart",
    )
    wait_until(lambda: settled(alice_api, person["id"]), timeout=60)
    (photo,) = Photo.objects.filter(person_id=person["id"])
    assert photo.status == Photo.Status.ACCEPTED and photo.original
    assert photo.original.read() == real_photo("biden.jpg")


def test_exif_orientation_is_honoured(alice_api):
    """A phone photo stored sideways with an EXIF 'rotate' tag is enrolled upright."""
    with Image.open(io.BytesIO(real_photo("obama.jpg"))) as upright:
        sideways = upright.rotate(90, expand=True)  # what the sensor stored
        exif = Image.Exif()
        exif[0x0112] = 6  # "rotate 90° clockwise to display"
        out = io.BytesIO()
        sideways.save(out, "JPEG", exif=exif.tobytes(), quality=92)
    person = alice_api.post("/api/people", {"name": "Sideways"}, format="json").json()
    alice_api.post(
        f"/api/people/{person['id']}/photos",
        {"photos": [file("IMG_0003.JPG", out.getvalue())]},
        format="multipart",
    )
    data = wait_until(lambda: settled(alice_api, person["id"]), timeout=60)
    assert data["photos"][0]["status"] == "accepted", data["photos"][0]
    photo = Photo.objects.get(pk=data["photos"][0]["id"])
    x1, y1, x2, y2 = photo.face_box
    with Image.open(photo.thumbnail) as crop:
        width, height = crop.size
    assert height >= width  # a face crop of an upright person is taller than wide
    assert (y2 - y1) >= (x2 - x1) * 0.9


@task()
def block() -> None:
    """Keeps the only worker busy until RELEASE is set."""
    RELEASE.wait(30)


RELEASE = threading.Event()


def test_enrolment_never_runs_in_the_request(alice_api):
    """With the only worker busy, the upload still answers at once (202, pending); the photo
    is processed when the worker gets to it."""
    release = RELEASE
    release.clear()
    try:
        tasks.start()
        block.enqueue()
        person = alice_api.post("/api/people", {"name": "Waiting"}, format="json").json()
        response = alice_api.post(
            f"/api/people/{person['id']}/photos",
            {"photos": [file("obama2.jpg", real_photo("obama2.jpg"))]},
            format="multipart",
        )
        assert response.status_code == 202
        data = alice_api.get(f"/api/people/{person['id']}").json()
        assert data["status"] == "processing" and data["photos"][0]["status"] == "pending"
        release.set()
        data = wait_until(lambda: settled(alice_api, person["id"]), timeout=60)
        assert data["status"] == "ready"
    finally:
        release.set()


def test_pending_photos_left_by_a_stopped_server_are_queued_again(alice, alice_api):
    person = Person.objects.create(owner=alice, name="Restart")
    photo = Photo.objects.create(person=person)  # pending, as a crash would leave it
    from django.core.files.base import ContentFile

    photo.original.save("o", ContentFile(real_photo("obama.jpg")), save=True)
    assert requeue_pending() == 1
    wait_until(lambda: settled(alice_api, person.pk), timeout=60)
    photo.refresh_from_db()
    assert photo.status == Photo.Status.ACCEPTED


def test_a_photo_deleted_while_waiting_leaves_nothing(alice, alice_api, settings):
    release = RELEASE
    release.clear()
    try:
        tasks.start()
        block.enqueue()
        person = alice_api.post("/api/people", {"name": "Gone"}, format="json").json()
        sent = alice_api.post(
            f"/api/people/{person['id']}/photos",
            {"photos": [file("obama.jpg", real_photo("obama.jpg"))]},
            format="multipart",
        ).json()["photos"][0]
        assert (
            alice_api.delete(f"/api/people/{person['id']}/photos/{sent['id']}").status_code == 204
        )
        release.set()
        wait_until(lambda: not Photo.objects.filter(pk=sent["id"]).exists())
    finally:
        release.set()
    assert not [p for p in settings.PRIVATE_ROOT.rglob("*") if p.is_file()]


def test_a_broadcast_gallery_holds_the_visible_peoples_embeddings(alice, alice_api):
    person = alice_api.post("/api/people", {"name": "Barack"}, format="json").json()
    alice_api.post(
        f"/api/people/{person['id']}/photos",
        {
            "photos": [
                file("a.jpg", real_photo("obama.jpg")),
                file("b.jpg", real_photo("obama2.jpg")),
            ]
        },
        format="multipart",
    )
    other = alice_api.post("/api/people", {"name": "Joe"}, format="json").json()
    alice_api.post(
        f"/api/people/{other['id']}/photos",
        {"photos": [file("c.jpg", real_photo("biden.jpg"))]},
        format="multipart",
    )
    wait_until(
        lambda: settled(alice_api, person["id"]) and settled(alice_api, other["id"]), timeout=60
    )
    created = alice_api.post(
        "/api/broadcasts",
        {
            "title": "walk",
            "category": "outdoor",
            "mode": "except",
            "style": "pixelate",
            "visible_people": [person["id"]],
        },
        format="json",
    ).json()
    broadcast = Broadcast.objects.get(pk=created["id"])
    embeddings = broadcast.gallery_embeddings()
    assert list(embeddings) == ["Barack"] and embeddings["Barack"].shape == (2, 128)
    assert embeddings["Barack"].dtype == np.float32
    # The engine's Gallery recognises a third, never-enrolled photo of the same person.
    from ciasom.engine.enrolment import enrol_photo
    from ciasom.engine.photo import read_photo

    probe = enrol_photo(read_photo(real_photo("obama3.jpg"))).embedding
    assert broadcast.gallery().match(probe).person == "Barack"
    stranger = enrol_photo(read_photo(real_photo("biden.jpg"))).embedding
    assert broadcast.gallery().match(stranger).person is None
    # Mode "all" spares nobody.
    broadcast.mode = Broadcast.Mode.ALL
    assert broadcast.gallery_embeddings() == {} and len(broadcast.gallery()) == 0


def test_pages_show_each_persons_status(alice, alice_browser):
    ready = Person.objects.create(owner=alice, name="Ready one")
    Photo.objects.create(person=ready, status=Photo.Status.ACCEPTED)
    waiting = Person.objects.create(owner=alice, name="Waiting one")
    Photo.objects.create(person=waiting)
    Person.objects.create(owner=alice, name="Empty one")
    page = alice_browser.get("/people/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'class="status ready">Ready<' in page
    assert 'class="status processing">Processing<' in page
    assert 'class="status failed">No usable photo<' in page
    detail = alice_browser.get(f"/people/{waiting.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    assert 'data-status="processing">Processing<' in detail.content.decode()
