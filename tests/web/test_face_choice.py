"""Real photos with someone else in them, through the API: a dominant face is enrolled and
the photo says so; with comparable faces the host chooses which one is this person."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from web_helpers import wait_until

from bench.composite import interview_shot, two_shot
from ciasom.faces.models import Person, Photo

pytestmark = pytest.mark.django_db(transaction=True)


def jpeg(name: str, image: np.ndarray) -> SimpleUploadedFile:
    return SimpleUploadedFile(
        name, cv2.imencode(".jpg", image)[1].tobytes(), content_type="image/jpeg"
    )


def upload(api, image: np.ndarray, name: str) -> tuple[int, dict]:
    person = api.post("/api/people", {"name": "Barack"}, format="json").json()
    api.post(
        f"/api/people/{person['id']}/photos", {"photos": [jpeg(name, image)]}, format="multipart"
    )
    data = wait_until(
        lambda: (
            (d := api.get(f"/api/people/{person['id']}").json())["status"] != "processing" and d
        ),
        timeout=60,
    )
    return person["id"], data["photos"][0]


def test_the_interviewer_at_the_edge_is_ignored_and_the_photo_says_so(alice_api):
    person_id, photo = upload(alice_api, interview_shot("obama.jpg", "biden.jpg"), "talk.jpg")
    assert photo["status"] == "accepted"
    assert photo["warnings"] == ["used the largest face; 1 other face ignored"]
    assert alice_api.get(photo["thumbnail_url"]).status_code == 200  # the crop that was used
    assert photo["faces"] == []


def test_with_two_comparable_faces_the_host_chooses(alice_api, mallory_api):
    person_id, photo = upload(alice_api, two_shot("obama.jpg", "biden.jpg"), "two.jpg")
    assert (photo["status"], photo["reason"]) == ("rejected", "choose_face")
    assert photo["thumbnail_url"] is None and len(photo["faces"]) == 2
    for face in photo["faces"]:
        crop = alice_api.get(face["thumbnail_url"])
        assert crop.status_code == 200 and crop["Content-Type"] == "image/jpeg"
        assert mallory_api.get(face["thumbnail_url"]).status_code == 404
    choice = f"/api/people/{person_id}/photos/{photo['id']}/face"

    assert mallory_api.post(choice, {"face": 0}, format="json").status_code == 404
    bad = alice_api.post(choice, {"face": 7}, format="json")
    assert bad.status_code == 400 and "0 to 1" in bad.json()["detail"]
    assert alice_api.post(choice, {"face": "left"}, format="json").status_code == 400

    left = min(photo["faces"], key=lambda f: f["box"][0])  # Obama stands on the left
    chosen = alice_api.post(choice, {"face": left["index"]}, format="json")
    assert chosen.status_code == 200
    assert (chosen.json()["status"], chosen.json()["faces"]) == ("accepted", [])
    assert alice_api.get(f"/api/people/{person_id}").json()["status"] == "ready"
    stored = Photo.objects.get(pk=photo["id"])
    assert stored.face_box == left["box"] and stored.thumbnail
    assert Person.objects.get(pk=person_id).embeddings().shape == (1, 128)
    # The other face's crop is gone; a second choice has nothing left to choose from.
    other = next(f for f in photo["faces"] if f is not left)
    assert alice_api.get(other["thumbnail_url"]).status_code == 404
    again = alice_api.post(choice, {"face": 0}, format="json")
    assert again.status_code == 409


def test_deleting_a_photo_awaiting_a_choice_deletes_its_face_crops(alice_api, settings):
    person_id, photo = upload(alice_api, two_shot("biden.jpg", "obama2.jpg"), "two.jpg")
    stored = Photo.objects.get(pk=photo["id"])
    names = [c["thumbnail"] for c in stored.candidates]
    storage = Photo._meta.get_field("thumbnail").storage
    assert all(storage.exists(n) for n in names)
    assert alice_api.delete(f"/api/people/{person_id}/photos/{photo['id']}").status_code == 204
    assert not any(storage.exists(n) for n in names)
