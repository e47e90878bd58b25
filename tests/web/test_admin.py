"""Moderators (staff) list users and broadcasts and can end a live broadcast; they never
see stream keys or anyone's enrolled faces."""

from __future__ import annotations

import pytest

from ciasom.broadcasts import signals
from ciasom.broadcasts.models import Broadcast
from ciasom.faces.models import Person

pytestmark = pytest.mark.django_db


@pytest.fixture
def moderator(django_user_model):
    from django.contrib.auth.models import Permission

    user = django_user_model.objects.create_user("mod", password="x", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(
        codename__in=["view_user", "view_broadcast", "change_broadcast"]))
    return user


def test_moderators_end_a_live_broadcast(client, moderator, alice,
                                         django_capture_on_commit_callbacks):
    live = Broadcast.objects.create(owner=alice, title="rule breaker")
    live.start()
    client.force_login(moderator)
    listing = client.get("/admin/broadcasts/broadcast/").content.decode()
    assert "rule breaker" in listing
    ended = []
    signals.ended.connect(lambda **kw: ended.append(kw["broadcast_id"]), weak=False,
                          dispatch_uid="t")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post("/admin/broadcasts/broadcast/", {
                "action": "end_broadcasts", "_selected_action": [live.pk]}, follow=True)
        assert response.status_code == 200
    finally:
        signals.ended.disconnect(dispatch_uid="t")
    live.refresh_from_db()
    assert not live.is_live and live.ended_at is not None and ended == [live.pk]


def test_moderators_list_users_without_stream_keys(client, moderator, alice):
    client.force_login(moderator)
    page = client.get("/admin/auth/user/")
    assert page.status_code == 200 and "alice" in page.content.decode()
    detail = client.get(f"/admin/auth/user/{alice.pk}/change/").content.decode()
    assert alice.profile.stream_key not in detail


def test_enrolled_faces_are_not_in_the_admin(admin_client, alice):
    Person.objects.create(owner=alice, name="Mom")
    assert admin_client.get("/admin/faces/person/").status_code == 404
    assert "Mom" not in admin_client.get("/admin/").content.decode()


def test_ordinary_users_cannot_reach_the_admin(alice_browser):
    assert alice_browser.get("/admin/broadcasts/broadcast/").status_code == 302
