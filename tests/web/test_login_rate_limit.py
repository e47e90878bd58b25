"""Password guessing is cut off: after N failures for a username (or many from one
address) further log-ins are refused with 429 for 15 minutes, even with the right password."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient
from web_helpers import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def small_limits(settings):
    settings.CIASOM_LOGIN_FAILURES_PER_USER = 3
    settings.CIASOM_LOGIN_FAILURES_PER_IP = 6


def test_login_page_locks_a_username_after_repeated_failures(client, alice):
    for _ in range(3):
        assert (
            client.post("/accounts/login/", {"username": "alice", "password": "guess"}).status_code
            == 200
        )
    locked = client.post("/accounts/login/", {"username": "alice", "password": PASSWORD})
    assert locked.status_code == 429 and locked["Retry-After"] == "900"
    assert client.get("/me/").status_code == 302  # not logged in


def test_api_token_locks_too_and_shares_the_counter_with_the_page(client, alice):
    api = APIClient()
    for _ in range(2):
        client.post("/accounts/login/", {"username": "alice", "password": "guess"})
    assert (
        api.post("/api/token", {"username": "alice", "password": "x"}, format="json").status_code
        == 400
    )
    response = api.post("/api/token", {"username": "alice", "password": PASSWORD}, format="json")
    assert response.status_code == 429 and "detail" in response.json()


def test_other_accounts_are_not_locked_by_someone_elses_failures(client, alice, mallory):
    for _ in range(3):
        client.post("/accounts/login/", {"username": "alice", "password": "guess"})
    ok = APIClient().post(
        "/api/token", {"username": "mallory", "password": PASSWORD}, format="json"
    )
    assert ok.status_code == 200


def test_one_address_spraying_many_usernames_is_cut_off(mallory):
    api = APIClient()
    for i in range(6):
        api.post("/api/token", {"username": f"user{i}", "password": "x"}, format="json")
    response = api.post("/api/token", {"username": "mallory", "password": PASSWORD}, format="json")
    assert response.status_code == 429
    other_address = APIClient(REMOTE_ADDR="203.0.113.9")
    assert (
        other_address.post(
            "/api/token", {"username": "mallory", "password": PASSWORD}, format="json"
        ).status_code
        == 200
    )


def test_success_resets_the_username_counter(client, alice):
    for _ in range(2):
        client.post("/accounts/login/", {"username": "alice", "password": "guess"})
    assert (
        client.post("/accounts/login/", {"username": "alice", "password": PASSWORD}).status_code
        == 302
    )
    client.post("/accounts/logout/")
    for _ in range(2):
        client.post("/accounts/login/", {"username": "alice", "password": "guess"})
    assert (
        client.post("/accounts/login/", {"username": "alice", "password": PASSWORD}).status_code
        == 302
    )


def test_sign_up_flood_from_one_address_is_limited(settings):
    settings.CIASOM_SIGNUPS_PER_IP_PER_HOUR = 2
    api = APIClient()
    for i in range(2):
        assert (
            api.post(
                "/api/accounts", {"username": f"n{i}", "password": PASSWORD}, format="json"
            ).status_code
            == 201
        )
    assert (
        api.post(
            "/api/accounts", {"username": "n9", "password": PASSWORD}, format="json"
        ).status_code
        == 429
    )


def test_counters_live_in_redis_when_configured(settings, client, alice):
    """With REDIS_URL the cache is Redis, so every server process sees the same counters."""
    import redis

    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/15",
            "KEY_PREFIX": "ciasom-test-rl",
        }
    }
    from django.core.cache import cache

    cache.clear()
    try:
        for _ in range(3):
            client.post("/accounts/login/", {"username": "alice", "password": "guess"})
        keys = redis.Redis.from_url("redis://127.0.0.1:6379/15").keys("ciasom-test-rl:*login-user*")
        assert len(keys) == 1
        assert (
            client.post("/accounts/login/", {"username": "alice", "password": PASSWORD}).status_code
            == 429
        )
    finally:
        cache.clear()
