"""Fixtures for the web platform tests: users and their token clients."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient
from web_helpers import PASSWORD, token_client


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """PBKDF2's 1M rounds cost ~0.3 s per hash; what is tested here is not the hash."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def task_workers_stop_with_the_test():
    """Worker threads a test started (by queueing work) end with it, before the next test's
    database (or the absence of one) is set up."""
    yield
    from ciasom import tasks

    tasks.stop()


@pytest.fixture
def alice(django_user_model):
    return django_user_model.objects.create_user("alice", "alice@example.com", PASSWORD)


@pytest.fixture
def mallory(django_user_model):
    return django_user_model.objects.create_user("mallory", "", PASSWORD)


@pytest.fixture
def alice_api(alice) -> APIClient:
    return token_client(alice)


@pytest.fixture
def mallory_api(mallory) -> APIClient:
    return token_client(mallory)


@pytest.fixture
def alice_browser(client, alice):
    client.force_login(alice)
    return client


@pytest.fixture
def moderator(django_user_model):
    """A staff user in the "Moderators" group that the migrations create."""
    from django.contrib.auth.models import Group

    user = django_user_model.objects.create_user("mod", password=PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name="Moderators"))
    return user
