"""Each account has limits on enrolment: people, photos kept, bytes of original photos on
disk (waiting ones, and kept ones with "keep original photos"), and photos waiting to be
processed. Reaching one is a clear 4xx with a message (API) or an error on the page, and
nothing is stored."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from web_helpers import image_bytes

from ciasom.faces.models import Person, Photo

pytestmark = pytest.mark.django_db

PHOTO = image_bytes(size=(64, 48))


def photo(n: int = 0) -> SimpleUploadedFile:
    return SimpleUploadedFile(f"p{n}.jpg", PHOTO, content_type="image/jpeg")


def upload(api, person, count: int = 1):
    files = [photo(i) for i in range(count)]
    return api.post(f"/api/people/{person.pk}/photos", {"photos": files}, format="multipart")


@pytest.fixture
def mom(alice):
    return Person.objects.create(owner=alice, name="Mom")


def test_people_beyond_the_quota_are_refused_with_403(alice_api, settings):
    settings.CIASOM_MAX_PEOPLE_PER_ACCOUNT = 2
    for name in ("Mom", "Dad"):
        assert alice_api.post("/api/people", {"name": name}, format="json").status_code == 201
    refused = alice_api.post("/api/people", {"name": "Aunt"}, format="json")
    assert refused.status_code == 403
    assert "at most 2 people" in refused.json()["detail"]
    assert Person.objects.count() == 2


def test_the_people_page_says_the_quota_is_reached(alice_browser, alice, settings):
    settings.CIASOM_MAX_PEOPLE_PER_ACCOUNT = 1
    Person.objects.create(owner=alice, name="Mom")
    response = alice_browser.post("/people/", {"name": "Dad"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 302
    shown = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("at most 1 people" in m for m in shown)
    assert Person.objects.filter(owner=alice).count() == 1


def test_photos_beyond_the_account_quota_are_refused(alice_api, alice, mom, settings):
    settings.CIASOM_MAX_PHOTOS_PER_ACCOUNT = 3
    dad = Person.objects.create(owner=alice, name="Dad")
    assert upload(alice_api, mom, 2).status_code == 202
    refused = upload(alice_api, dad, 2)  # per person there is room; per account not
    assert refused.status_code == 403
    assert "at most 3 photos" in refused.json()["detail"]
    assert Photo.objects.count() == 2


def test_stored_bytes_count_waiting_and_kept_originals(alice_api, mom, settings):
    settings.CIASOM_MAX_STORED_BYTES_PER_ACCOUNT = len(PHOTO) * 3 // 2
    assert upload(alice_api, mom).status_code == 202
    Photo.objects.update(status=Photo.Status.ACCEPTED)  # processed, original kept
    Person.objects.filter(pk=mom.pk).update(keep_photos=True)
    refused = upload(alice_api, mom)
    assert refused.status_code == 403 and "MB" in refused.json()["detail"]
    assert Photo.objects.count() == 1
    alice_api.patch(f"/api/people/{mom.pk}", {"keep_photos": False}, format="json")
    assert upload(alice_api, mom).status_code == 202  # the original was deleted: room again


def test_too_many_photos_waiting_is_429(alice_api, mom, settings):
    settings.CIASOM_MAX_QUEUED_PHOTOS_PER_ACCOUNT = 2
    assert upload(alice_api, mom, 2).status_code == 202  # both still processing
    refused = upload(alice_api, mom)
    assert refused.status_code == 429
    assert "still being processed" in refused.json()["detail"]


def test_the_upload_page_says_the_quota_is_reached(alice_browser, mom, settings):
    settings.CIASOM_MAX_PHOTOS_PER_ACCOUNT = 1
    response = alice_browser.post(
        f"/people/{mom.pk}/upload/", {"photos": [photo(1), photo(2)]}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 302
    assert any("at most 1 photos" in str(m) for m in get_messages(response.wsgi_request))
    assert not Photo.objects.exists()
