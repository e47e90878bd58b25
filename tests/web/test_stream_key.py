"""Every user has a secret stream key (WHIP Bearer token) to show, copy and regenerate."""

from __future__ import annotations

import pytest

from ciasom.accounts.models import user_for_stream_key

pytestmark = pytest.mark.django_db


def test_my_page_shows_my_key_with_copy_and_regenerate(alice_browser, alice):
    page = alice_browser.get("/me/").content.decode()
    assert alice.profile.stream_key in page
    assert 'data-copy="#stream-key-value"' in page and 'id="regenerate-key"' in page


def test_regenerating_replaces_the_key_everywhere(alice_browser, alice, alice_api):
    old = alice.profile.stream_key
    assert user_for_stream_key(old) == alice
    assert alice_browser.post("/me/stream-key/").status_code == 302
    alice.profile.refresh_from_db()
    new = alice.profile.stream_key
    assert new != old and len(new) > 40
    assert user_for_stream_key(old) is None and user_for_stream_key(new) == alice
    assert alice_api.get("/api/me").json()["stream_key"] == new
    api_new = alice_api.post("/api/me/stream-key").json()["stream_key"]
    assert api_new not in {old, new} and user_for_stream_key(api_new) == alice


def test_keys_are_unique_and_unguessable(django_user_model):
    keys = {django_user_model.objects.create_user(f"u{i}").profile.stream_key for i in range(20)}
    assert len(keys) == 20
    assert user_for_stream_key("") is None and user_for_stream_key("live_wrong") is None


def test_a_disabled_account_cannot_publish(alice):
    alice.is_active = False
    alice.save()
    assert user_for_stream_key(alice.profile.stream_key) is None


def test_regenerating_needs_a_post(alice_browser, alice):
    old = alice.profile.stream_key
    assert alice_browser.get("/me/stream-key/").status_code == 405
    alice.profile.refresh_from_db()
    assert alice.profile.stream_key == old
