"""The host manages enrolled people on plain pages: add, rename, keep photos or not,
delete a photo, forget a person."""

from __future__ import annotations

import os

import pytest
from django.core.files.base import ContentFile
from web_helpers import image_bytes

from ciasom.faces.models import Person, Photo

pytestmark = pytest.mark.django_db


def test_add_rename_and_refuse_a_duplicate_name(alice_browser, alice):
    response = alice_browser.post("/people/", {"name": "  Mom  "})
    person = Person.objects.get(owner=alice)
    assert response["Location"] == f"/people/{person.pk}/" and person.name == "Mom"
    duplicate = alice_browser.post("/people/", {"name": "Mom"})
    assert duplicate.status_code == 400 and Person.objects.filter(owner=alice).count() == 1
    renamed = alice_browser.post(f"/people/{person.pk}/", {"name": "Mother", "keep_photos": "on"})
    assert renamed.status_code == 302
    person.refresh_from_db()
    assert person.name == "Mother" and person.keep_photos


def test_the_same_name_is_fine_for_another_host(alice_browser, mallory):
    Person.objects.create(owner=mallory, name="Mom")
    assert alice_browser.post("/people/", {"name": "Mom"}).status_code == 302


def test_delete_a_photo_and_forget_a_person(
    alice_browser, alice, django_capture_on_commit_callbacks
):
    person = Person.objects.create(owner=alice, name="Mom")
    photo = Photo.objects.create(person=person, status=Photo.Status.ACCEPTED)
    photo.thumbnail.save("t.jpg", ContentFile(image_bytes()), save=True)
    other = Photo.objects.create(person=person, status=Photo.Status.REJECTED, reason="no_face")
    crop = photo.thumbnail.path
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_browser.post(f"/people/{person.pk}/photos/{photo.pk}/delete/")
    assert response.status_code == 302 and not Photo.objects.filter(pk=photo.pk).exists()
    assert not os.path.exists(crop)
    assert alice_browser.get(f"/people/{person.pk}/photos/{other.pk}/delete/").status_code == 405
    with django_capture_on_commit_callbacks(execute=True):
        assert alice_browser.post(f"/people/{person.pk}/delete/").status_code == 302
    assert not Person.objects.filter(pk=person.pk).exists() and Photo.objects.count() == 0


def test_the_person_page_has_the_upload_drop_zone(alice_browser, alice):
    person = Person.objects.create(owner=alice, name="Mom")
    page = alice_browser.get(f"/people/{person.pk}/").content.decode()
    assert 'id="dropzone"' in page and 'name="photos"' in page and "multiple" in page
    assert f'data-api="/api/people/{person.pk}/photos"' in page and "upload.js" in page
