"""Sign up, log in and out, the my page: nickname, avatar, password, through pages and API."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth import get_user_model
from PIL import Image
from rest_framework.test import APIClient
from web_helpers import PASSWORD, image_bytes

pytestmark = pytest.mark.django_db


def test_sign_up_on_the_page_logs_in_and_leads_to_enrolment(client):
    response = client.post(
        "/accounts/signup/",
        {"username": "hana", "email": "", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 302 and response["Location"] == "/people/"
    assert client.get("/me/").status_code == 200
    user = get_user_model().objects.get(username="hana")
    assert user.profile.stream_key.startswith("live_")


def test_sign_up_refuses_a_weak_password_and_a_taken_name(client, alice):
    weak = client.post(
        "/accounts/signup/", {"username": "bob", "password1": "12345678", "password2": "12345678"}
    )
    assert weak.status_code == 200 and not get_user_model().objects.filter(username="bob").exists()
    taken = client.post(
        "/accounts/signup/", {"username": "alice", "password1": PASSWORD, "password2": PASSWORD}
    )
    assert taken.status_code == 200
    assert get_user_model().objects.filter(username="alice").count() == 1


def test_log_in_and_out(client, alice):
    assert client.get("/me/").status_code == 302  # needs a login
    response = client.post("/accounts/login/", {"username": "alice", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/me/").status_code == 200
    assert client.get("/accounts/logout/").status_code == 405  # log-out is a POST (CSRF)
    client.post("/accounts/logout/")
    assert client.get("/me/").status_code == 302


def test_forms_are_csrf_protected(alice):
    client = APIClient(enforce_csrf_checks=True)
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    login = strict.post("/accounts/login/", {"username": "alice", "password": PASSWORD})
    assert login.status_code == 403
    strict.force_login(alice)
    assert strict.post("/me/stream-key/").status_code == 403
    # The session-authenticated API needs the CSRF token too.
    client.force_login(alice)
    assert client.post("/api/people", {"name": "x"}, format="json").status_code == 403


def test_nickname_and_avatar(alice_browser, alice):
    upload = io.BytesIO(image_bytes("PNG", (400, 300)))
    upload.name = "me.png"
    response = alice_browser.post(
        "/me/", {"action": "profile", "nickname": "앨리스", "avatar": upload}
    )
    assert response.status_code == 302
    alice.profile.refresh_from_db()
    assert alice.profile.nickname == "앨리스"
    # Re-encoded as a 256 px square JPEG with no metadata, served publicly.
    with Image.open(alice.profile.avatar.path) as avatar:
        assert avatar.format == "JPEG" and avatar.size == (256, 256)
        assert not avatar.getexif()
    assert alice_browser.get(alice.profile.avatar.url).status_code == 200
    assert "앨리스" in alice_browser.get("/").content.decode()


def test_avatar_that_is_not_an_image_is_refused(alice_browser, alice):
    upload = io.BytesIO(b"%PDF-1.4 definitely not a picture")
    upload.name = "me.jpg"
    response = alice_browser.post("/me/", {"action": "profile", "nickname": "a", "avatar": upload})
    assert response.status_code == 400
    alice.profile.refresh_from_db()
    assert not alice.profile.avatar


def test_change_password_revokes_api_tokens(alice_browser, alice, alice_api):
    assert alice_api.get("/api/me").status_code == 200
    response = alice_browser.post(
        "/me/",
        {
            "action": "password",
            "old_password": PASSWORD,
            "new_password1": "another-long-secret-55",
            "new_password2": "another-long-secret-55",
        },
    )
    assert response.status_code == 302
    assert alice_browser.get("/me/").status_code == 200  # still logged in on this browser
    assert alice_api.get("/api/me").status_code == 401


def test_api_sign_up_token_and_me():
    api = APIClient()
    created = api.post(
        "/api/accounts",
        {"username": "jun", "password": PASSWORD, "email": "jun@example.com"},
        format="json",
    )
    assert created.status_code == 201
    assert set(created.json()) == {"id", "username"} and created.json()["username"] == "jun"
    token = api.post("/api/token", {"username": "jun", "password": PASSWORD}, format="json")
    assert token.status_code == 200
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.json()['token']}")
    me = api.get("/api/me").json()
    assert me["username"] == "jun" and me["stream_key"].startswith("live_")
    changed = api.patch("/api/me", {"nickname": "준"}, format="json")
    assert changed.status_code == 200 and changed.json()["display_name"] == "준"


def test_api_sign_up_errors_say_what_is_wrong(alice):
    api = APIClient()
    weak = api.post("/api/accounts", {"username": "x1", "password": "123"}, format="json")
    assert weak.status_code == 400 and "password" in weak.json() and weak.json()["detail"]
    taken = api.post("/api/accounts", {"username": "alice", "password": PASSWORD}, format="json")
    assert taken.status_code == 400 and "username" in taken.json()
    wrong = api.post("/api/token", {"username": "alice", "password": "nope"}, format="json")
    assert wrong.status_code == 400 and wrong.json()["detail"]
    assert APIClient().get("/api/me").status_code == 401
