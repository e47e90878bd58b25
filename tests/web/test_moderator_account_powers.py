"""A moderator disables ordinary accounts and nothing more: no passwords, no rights, no
staff or superuser account. Superusers keep every power."""

from __future__ import annotations

import pytest
from web_helpers import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def boss(django_user_model):
    return django_user_model.objects.create_superuser("boss", "boss@example.com", PASSWORD)


def test_a_moderator_cannot_set_the_superusers_password(client, moderator, boss):
    client.force_login(moderator)
    url = f"/admin/auth/user/{boss.pk}/password/"
    assert client.get(url).status_code == 403
    response = client.post(url, {"password1": "taken-over-9931", "password2": "taken-over-9931"})
    assert response.status_code == 403
    boss.refresh_from_db()
    assert boss.check_password(PASSWORD)


def test_a_moderator_cannot_set_an_ordinary_users_password(client, moderator, alice):
    client.force_login(moderator)
    response = client.post(
        f"/admin/auth/user/{alice.pk}/password/",
        {"password1": "taken-over-9931", "password2": "taken-over-9931"},
    )
    assert response.status_code == 403
    alice.refresh_from_db()
    assert alice.check_password(PASSWORD)


def test_staff_and_superuser_accounts_are_view_only_for_a_moderator(
    client, moderator, boss, django_user_model
):
    other = django_user_model.objects.create_user("mod2", password=PASSWORD, is_staff=True)
    client.force_login(moderator)
    for target in (boss, other, moderator):
        url = f"/admin/auth/user/{target.pk}/change/"
        page = client.get(url)
        assert page.status_code == 200 and not page.context["has_change_permission"]
        client.post(url, {"username": target.username, "is_active": ""})
        target.refresh_from_db()
        assert target.is_active


def test_a_moderator_may_change_only_whether_an_ordinary_account_is_active(moderator, alice, rf):
    from django.contrib import admin
    from django.contrib.auth import get_user_model

    request = rf.get("/")
    request.user = moderator
    editable = admin.site._registry[get_user_model()].get_form(request, alice).base_fields
    assert set(editable) == {"is_active"}  # not e-mail (a reset link), names, rights


def test_a_superuser_still_sets_any_password(client, boss, alice):
    client.force_login(boss)
    response = client.post(
        f"/admin/auth/user/{alice.pk}/password/",
        {"password1": "new-secret-4471", "password2": "new-secret-4471"},
    )
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.check_password("new-secret-4471")
