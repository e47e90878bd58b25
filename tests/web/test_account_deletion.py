"""Deleting an account deletes everything in it: enrolled people, their photos, face crops
and embeddings (rows and files), broadcasts (a live one is ended first), avatar, token."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from rest_framework.authtoken.models import Token
from web_helpers import PASSWORD, image_bytes

from ciasom.accounts.models import Profile
from ciasom.broadcasts import signals
from ciasom.broadcasts.models import Broadcast
from ciasom.faces.models import Person, Photo

pytestmark = pytest.mark.django_db(transaction=True)


def fill_account(user) -> list[Path]:
    """People with accepted photos (crop + embedding + a kept original), a live broadcast
    with a thumbnail, an avatar. Returns every file made."""
    person = Person.objects.create(owner=user, name="Mom", keep_photos=True)
    files = []
    for i in range(2):
        photo = Photo.objects.create(
            person=person,
            status=Photo.Status.ACCEPTED,
            embedding=np.full(128, i, dtype="<f4").tobytes(),
        )
        photo.original.save("o.jpg", ContentFile(image_bytes()), save=False)
        photo.thumbnail.save("t.jpg", ContentFile(image_bytes()), save=True)
        files += [Path(photo.original.path), Path(photo.thumbnail.path)]
    broadcast = Broadcast.objects.create(owner=user, title="walk")
    broadcast.visible_people.add(person)
    broadcast.start()
    broadcast.store_thumbnail(image_bytes())
    files.append(broadcast.thumbnail_file())
    profile = user.profile
    profile.avatar.save("a.jpg", ContentFile(image_bytes()), save=True)
    files.append(Path(profile.avatar.path))
    Token.objects.get_or_create(user=user)
    assert all(f.exists() for f in files)
    return files


def assert_nothing_left(user_id: int, files: list[Path]) -> None:
    assert not get_user_model().objects.filter(pk=user_id).exists()
    assert not Profile.objects.filter(user_id=user_id).exists()
    assert not Person.objects.filter(owner_id=user_id).exists()
    assert not Photo.objects.filter(person__owner_id=user_id).exists()
    assert Photo.objects.count() == 0  # no orphan embeddings either
    assert not Broadcast.objects.filter(owner_id=user_id).exists()
    assert not Token.objects.filter(user_id=user_id).exists()
    assert [f for f in files if f.exists()] == []


def test_delete_from_my_page_removes_everything(client, alice, mallory):
    files = fill_account(alice)
    kept = Person.objects.create(owner=mallory, name="Friend")
    ended = []
    signals.ended.connect(
        lambda **kw: ended.append(kw["broadcast_id"]), weak=False, dispatch_uid="test-ended"
    )
    try:
        client.force_login(alice)
        live_id = Broadcast.objects.get(owner=alice).pk
        assert client.post("/me/delete/", {"password": "wrong"}).status_code == 400
        assert get_user_model().objects.filter(pk=alice.pk).exists()
        response = client.post("/me/delete/", {"password": PASSWORD})
        assert response.status_code == 302
        assert_nothing_left(alice.pk, files)
        assert ended == [live_id]  # the live path is told to tear the stream down
        assert client.get("/me/").status_code == 302  # logged out
        assert Person.objects.filter(pk=kept.pk).exists()  # other users untouched
    finally:
        signals.ended.disconnect(dispatch_uid="test-ended")


def test_delete_through_the_api_needs_the_password(alice, alice_api):
    files = fill_account(alice)
    assert alice_api.delete("/api/me", {"password": "nope"}, format="json").status_code == 400
    assert alice_api.delete("/api/me", {}, format="json").status_code == 400
    assert get_user_model().objects.filter(pk=alice.pk).exists()
    assert alice_api.delete("/api/me", {"password": PASSWORD}, format="json").status_code == 204
    assert_nothing_left(alice.pk, files)
    assert alice_api.get("/api/me").status_code == 401


def test_deleting_a_person_deletes_their_photos_and_files(alice, alice_api):
    files = fill_account(alice)
    person = Person.objects.get(owner=alice)
    assert alice_api.delete(f"/api/people/{person.pk}").status_code == 204
    assert Photo.objects.count() == 0
    assert [f for f in files[:4] if f.exists()] == []
    assert Broadcast.objects.get(owner=alice).visible_people.count() == 0


def test_delete_page_is_reachable_and_asks_for_the_password(client, alice):
    client.force_login(alice)
    page = client.get("/me/delete/")
    assert page.status_code == 200 and b'name="password"' in page.content


def test_switching_keep_photos_off_deletes_the_kept_originals(alice, alice_api):
    files = fill_account(alice)
    person = Person.objects.get(owner=alice)
    originals = [files[0], files[2]]
    crops = [files[1], files[3]]
    response = alice_api.patch(f"/api/people/{person.pk}", {"keep_photos": False}, format="json")
    assert response.status_code == 200 and response.json()["keep_photos"] is False
    assert [f for f in originals if f.exists()] == []
    assert all(f.exists() for f in crops)  # the face crops and embeddings stay
    assert Photo.objects.filter(person=person, original="").count() == 2
