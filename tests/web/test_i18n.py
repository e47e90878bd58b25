"""The UI speaks Korean by default and English to browsers that ask for it."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def test_korean_by_default(client):
    page = client.get("/").content.decode()
    assert '<html lang="ko">' in page and "지금 생방송" in page and "로그인" in page


def test_english_for_browsers_that_prefer_it(client):
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="en">' in page and "Live now" in page and "Log in" in page


def test_the_language_switch_sticks(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert "Live now" in client.get("/").content.decode()
    client.post("/i18n/setlang/", {"language": "ko", "next": "/"})
    assert "지금 생방송" in client.get("/").content.decode()


def test_form_errors_and_api_messages_are_translated(client, alice_api):
    page = client.post("/accounts/login/", {"username": "x", "password": "y"}).content.decode()
    assert "올바른" in page  # Django's own Korean: "올바른 사용자 이름과 비밀번호를 입력하십시오."
    missing = alice_api.get("/api/people/999999")
    assert missing.status_code == 404
    english = alice_api.get("/api/broadcasts/999999", HTTP_ACCEPT_LANGUAGE="en")
    assert english.json()["detail"] == "No such broadcast."
    korean = alice_api.get("/api/broadcasts/999999")
    assert korean.json()["detail"] == "그런 방송은 없습니다."
    anonymous = APIClient().get("/api/broadcasts", HTTP_ACCEPT_LANGUAGE="en")
    assert "?live=1" in anonymous.json()["detail"]


def test_photo_reasons_are_translated(alice_browser, alice):
    from ciasom.faces.models import Person, Photo

    person = Person.objects.create(owner=alice, name="Mom")
    Photo.objects.create(
        person=person,
        status="rejected",
        reason="several_faces",
        message="14 faces found in the photo; use a photo of this person alone.",
    )
    page = alice_browser.get(f"/people/{person.pk}/").content.decode()
    assert "얼굴이 여러 개입니다" in page
    english = alice_browser.get(f"/people/{person.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    assert "Several faces" in english.content.decode()
