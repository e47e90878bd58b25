"""Moderators (staff) list users and broadcasts and can end a live broadcast; they never
see stream keys or anyone's enrolled faces."""

from __future__ import annotations

import pytest

from ciasom.broadcasts import signals
from ciasom.broadcasts.models import Broadcast
from ciasom.faces.models import Person

pytestmark = pytest.mark.django_db


def test_moderators_end_a_live_broadcast(
    client, moderator, alice, django_capture_on_commit_callbacks
):
    live = Broadcast.objects.create(owner=alice, title="rule breaker")
    live.start()
    client.force_login(moderator)
    listing = client.get("/admin/broadcasts/broadcast/").content.decode()
    assert "rule breaker" in listing
    ended = []
    signals.ended.connect(
        lambda **kw: ended.append(kw["broadcast_id"]), weak=False, dispatch_uid="t"
    )
    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                "/admin/broadcasts/broadcast/",
                {"action": "end_broadcasts", "_selected_action": [live.pk]},
                follow=True,
            )
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


def test_moderators_cannot_hand_out_rights(moderator, alice, rf, admin_user):
    from django.contrib import admin
    from django.contrib.auth import get_user_model

    user_admin = admin.site._registry[get_user_model()]
    request = rf.get("/")
    request.user = moderator
    editable = user_admin.get_form(request, alice).base_fields
    assert "is_active" in editable
    assert not {"is_staff", "is_superuser", "groups", "user_permissions"} & set(editable)
    request.user = admin_user
    assert {"is_staff", "is_superuser"} <= set(user_admin.get_form(request, alice).base_fields)


def test_moderators_can_disable_an_account(client, moderator, alice):
    live = Broadcast.objects.create(owner=alice, title="on air")
    live.start()
    client.force_login(moderator)
    url = f"/admin/auth/user/{alice.pk}/change/"
    form = client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k != "is_active"}
    data.update(
        {
            "profile-TOTAL_FORMS": "1",
            "profile-INITIAL_FORMS": "1",
            "profile-MIN_NUM_FORMS": "0",
            "profile-MAX_NUM_FORMS": "1",
            "profile-0-id": alice.profile.pk,
            "profile-0-user": alice.pk,
            "profile-0-nickname": "",
        }
    )
    response = client.post(url, data)
    assert response.status_code == 302
    alice.refresh_from_db()
    assert not alice.is_active  # disabled: no log-in, no publishing with the stream key
    assert not Broadcast.objects.get(pk=live.pk).is_live  # and off the air at once
    assert client.get("/admin/auth/group/").status_code == 403
    assert client.get("/admin/broadcasts/broadcast/add/").status_code == 403
