"""A host creates broadcasts and sets who stays visible and how faces are covered; one
broadcast per host can be live; the live path gets settings, gallery and hooks."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from ciasom.broadcasts import signals
from ciasom.broadcasts.models import AlreadyLive, Broadcast
from ciasom.faces.models import Person

pytestmark = pytest.mark.django_db


def test_create_with_the_page_form(alice_browser, alice):
    mom = Person.objects.create(owner=alice, name="Mom")
    page = alice_browser.get("/broadcasts/new/").content.decode()
    assert "Mom" in page and 'name="visible_people"' in page
    response = alice_browser.post(
        "/broadcasts/new/",
        {
            "title": "Han river walk",
            "category": "outdoor",
            "mode": "except",
            "visible_people": [mom.pk],
            "style": "blur",
            "strength": 4,
        },
    )
    broadcast = Broadcast.objects.get(owner=alice)
    assert response.status_code == 302 and response["Location"] == f"/broadcasts/{broadcast.pk}/"
    assert (
        broadcast.title,
        broadcast.category,
        broadcast.mode,
        broadcast.style,
        broadcast.strength,
    ) == ("Han river walk", "outdoor", "except", "blur", 4)
    assert list(broadcast.visible_people.all()) == [mom]
    settings_page = alice_browser.get(f"/broadcasts/{broadcast.pk}/").content.decode()
    assert f"/whip/{broadcast.pk}" in settings_page and 'id="publisher"' in settings_page
    assert "Han river walk" in alice_browser.get("/broadcasts/").content.decode()


def test_create_and_change_with_the_api(alice_api, alice):
    created = alice_api.post(
        "/api/broadcasts", {"title": "Talk", "category": "talk"}, format="json"
    )
    assert created.status_code == 201
    data = created.json()
    assert data["whip_url"] == f"/whip/{data['id']}" and data["whep_url"] == f"/whep/{data['id']}"
    assert (data["mode"], data["style"], data["strength"]) == ("except", "pixelate", 3)
    assert data["is_live"] is False and data["host"] == "alice"
    changed = alice_api.patch(
        f"/api/broadcasts/{data['id']}", {"style": "box", "strength": 5}, format="json"
    )
    assert changed.status_code == 200 and changed.json()["style"] == "box"
    assert Broadcast.objects.get(pk=data["id"]).strength == 5


@pytest.mark.parametrize(
    "bad",
    [
        {"title": ""},
        {"title": "x", "category": "music"},
        {"title": "x", "mode": "some"},
        {"title": "x", "style": "emoji"},
        {"title": "x", "strength": 6},
        {"title": "x", "strength": 0},
        {"title": "x" * 101},
        {"title": "x", "visible_people": [987654]},
    ],
)
def test_invalid_settings_are_refused_with_a_reason(alice_api, bad):
    response = alice_api.post("/api/broadcasts", bad, format="json")
    assert response.status_code == 400 and response.json()["detail"]
    assert Broadcast.objects.count() == 0


def test_mode_off_carries_a_warning(alice_api, alice_browser):
    data = alice_api.post(
        "/api/broadcasts", {"title": "raw", "mode": "off"}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    ).json()
    assert "bystanders" in data["warning"]
    page = alice_browser.get(f"/broadcasts/{data['id']}/").content.decode()
    assert "mode-off-warning" in page and 'mode-off-warning" hidden' not in page
    normal = alice_api.post("/api/broadcasts", {"title": "ok", "mode": "all"}, format="json").json()
    assert normal["warning"] is None


def test_one_live_broadcast_per_host(alice):
    first = Broadcast.objects.create(owner=alice, title="one")
    second = Broadcast.objects.create(owner=alice, title="two")
    first.start()
    assert first.is_live and first.started_at is not None and first.ended_at is None
    with pytest.raises(AlreadyLive):
        second.start()
    with pytest.raises(AlreadyLive):
        first.start()
    with pytest.raises(IntegrityError), transaction.atomic():
        Broadcast.objects.filter(pk=second.pk).update(is_live=True)  # the database agrees
    first.end()
    assert not first.is_live and first.ended_at is not None and first.viewers == 0
    second.start()
    assert second.is_live


def test_changes_to_a_live_broadcast_reach_the_live_path(
    alice_api, alice, django_capture_on_commit_callbacks
):
    broadcast = Broadcast.objects.create(owner=alice, title="live")
    broadcast.start()
    seen = []
    signals.settings_changed.connect(
        lambda broadcast_id, **kw: seen.append(Broadcast.objects.get(pk=broadcast_id).style),
        weak=False,
        dispatch_uid="t",
    )
    try:
        with django_capture_on_commit_callbacks(execute=True):
            alice_api.patch(f"/api/broadcasts/{broadcast.pk}", {"style": "blur"}, format="json")
        assert seen == ["blur"]
        settings = Broadcast.objects.get(pk=broadcast.pk).engine_settings()
        assert (settings.mode, settings.style, settings.strength) == ("except", "blur", 3)
    finally:
        signals.settings_changed.disconnect(dispatch_uid="t")


def test_ending_from_the_page_tells_the_live_path(
    alice_browser, alice, django_capture_on_commit_callbacks
):
    broadcast = Broadcast.objects.create(owner=alice, title="live")
    broadcast.start()
    ended = []
    signals.ended.connect(
        lambda **kw: ended.append(kw["broadcast_id"]), weak=False, dispatch_uid="t"
    )
    try:
        with django_capture_on_commit_callbacks(execute=True):
            assert alice_browser.post(f"/broadcasts/{broadcast.pk}/end/").status_code == 302
        assert ended == [broadcast.pk]
        assert not Broadcast.objects.get(pk=broadcast.pk).is_live
    finally:
        signals.ended.disconnect(dispatch_uid="t")


def test_processed_thumbnail_replaces_the_placeholder(
    alice, client, django_capture_on_commit_callbacks
):
    broadcast = Broadcast.objects.create(owner=alice, title="live")
    broadcast.start()  # served only while live (test_thumbnails_only_while_live.py)
    assert broadcast.thumbnail_url.endswith("placeholder.svg")
    broadcast.store_thumbnail(b"\xff\xd8\xff\xe0 a jpeg")
    url = broadcast.thumbnail_url
    assert url.startswith(f"/media/thumbnails/{broadcast.pk}.jpg?v=")
    assert Broadcast.objects.get(pk=broadcast.pk).thumbnail_url == url
    served = client.get(url.split("?")[0])
    assert served.status_code == 200 and b"".join(served.streaming_content).endswith(b"a jpeg")
    path = broadcast.thumbnail_file()
    with django_capture_on_commit_callbacks(execute=True):
        broadcast.delete()
    assert not path.exists()


def test_deleting_removes_the_broadcast(alice_api, alice):
    data = alice_api.post("/api/broadcasts", {"title": "bye"}, format="json").json()
    Broadcast.objects.get(pk=data["id"]).start()
    assert alice_api.delete(f"/api/broadcasts/{data['id']}").status_code == 204
    assert not Broadcast.objects.filter(pk=data["id"]).exists()


def test_viewer_count_is_never_negative(alice):
    broadcast = Broadcast.objects.create(owner=alice, title="x")
    broadcast.set_viewers(-3)
    assert Broadcast.objects.get(pk=broadcast.pk).viewers == 0
    broadcast.set_viewers(12)
    assert Broadcast.objects.get(pk=broadcast.pk).viewers == 12
