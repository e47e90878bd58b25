"""A moderator ends broadcasts; a broadcast's privacy settings (mode, style, strength,
visible people, delays) stay the host's. Superusers may still edit everything."""

from __future__ import annotations

import pytest

from ciasom.broadcasts.models import Broadcast

pytestmark = pytest.mark.django_db

PRIVACY_FIELDS = {"mode", "style", "strength", "visible_people"}


def change_form_fields(user, broadcast, rf) -> set[str]:
    from django.contrib import admin

    request = rf.get("/")
    request.user = user
    return set(admin.site._registry[Broadcast].get_form(request, broadcast).base_fields)


def privacy_fields() -> set[str]:
    """The named ones plus any delay a later version adds (privacy_delay_ms and such)."""
    delays = {f.name for f in Broadcast._meta.get_fields() if "delay" in f.name}
    return PRIVACY_FIELDS | delays


def test_a_moderator_cannot_switch_a_hosts_mosaic_off(client, moderator, alice):
    live = Broadcast.objects.create(owner=alice, title="street walk", mode="except")
    live.start()
    client.force_login(moderator)
    url = f"/admin/broadcasts/broadcast/{live.pk}/change/"
    assert client.get(url).status_code == 200
    client.post(
        url,
        {
            "title": "street walk",
            "category": "other",
            "mode": "off",
            "style": "box",
            "strength": "1",
        },
    )
    live.refresh_from_db()
    assert (live.mode, live.style, live.strength) == ("except", "pixelate", 3)


def test_no_privacy_setting_is_editable_for_a_moderator(moderator, alice, rf):
    broadcast = Broadcast.objects.create(owner=alice, title="talk")
    assert not privacy_fields() & change_form_fields(moderator, broadcast, rf)


def test_a_superuser_still_edits_the_mode(admin_user, alice, rf):
    broadcast = Broadcast.objects.create(owner=alice, title="talk")
    assert {"mode", "style", "strength"} <= change_form_fields(admin_user, broadcast, rf)
