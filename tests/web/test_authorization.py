"""Another user can neither read, change, delete nor use your people, photos, face crops,
embeddings, broadcasts or stream key — through the API or the pages. Private things answer
404 (as if they did not exist); a live broadcast, which is public, answers 403 to changes."""

from __future__ import annotations

import numpy as np
import pytest
from django.core.files.base import ContentFile
from web_helpers import image_bytes

from ciasom.broadcasts.models import Broadcast
from ciasom.faces.models import Person, Photo

pytestmark = pytest.mark.django_db


@pytest.fixture
def owned(alice):
    person = Person.objects.create(owner=alice, name="Mom")
    photo = Photo.objects.create(
        person=person, status=Photo.Status.ACCEPTED, embedding=np.ones(128, dtype="<f4").tobytes()
    )
    photo.thumbnail.save("t.jpg", ContentFile(image_bytes()), save=True)
    draft = Broadcast.objects.create(owner=alice, title="draft", mode="except")
    draft.visible_people.add(person)
    live = Broadcast.objects.create(owner=alice, title="on air", mode="except")
    live.visible_people.add(person)
    live.start()
    return {"P": person.pk, "X": photo.pk, "B": draft.pk, "L": live.pk}


API_404 = [
    ("get", "/api/people/{P}"),
    ("patch", "/api/people/{P}"),
    ("delete", "/api/people/{P}"),
    ("get", "/api/people/{P}/photos"),
    ("post", "/api/people/{P}/photos"),
    ("get", "/api/people/{P}/photos/{X}"),
    ("delete", "/api/people/{P}/photos/{X}"),
    ("get", "/api/people/{P}/photos/{X}/face.jpg"),
    ("get", "/api/broadcasts/{B}"),
    ("patch", "/api/broadcasts/{B}"),
    ("delete", "/api/broadcasts/{B}"),
    ("post", "/api/broadcasts/{B}/end"),
]
API_403 = [
    ("patch", "/api/broadcasts/{L}"),
    ("delete", "/api/broadcasts/{L}"),
    ("post", "/api/broadcasts/{L}/end"),
]
PAGES_404 = [
    ("get", "/people/{P}/"),
    ("get", "/people/{P}/?fragment=photos"),
    ("post", "/people/{P}/"),
    ("post", "/people/{P}/upload/"),
    ("post", "/people/{P}/delete/"),
    ("post", "/people/{P}/photos/{X}/delete/"),
    ("get", "/broadcasts/{B}/"),
    ("post", "/broadcasts/{B}/"),
    ("post", "/broadcasts/{B}/end/"),
    ("post", "/broadcasts/{B}/delete/"),
    ("get", "/broadcasts/{L}/"),
    ("post", "/broadcasts/{L}/end/"),
    ("get", "/watch/{B}"),
]


def assert_untouched(owned, alice) -> None:
    person = Person.objects.get(pk=owned["P"])
    assert person.name == "Mom" and person.photos.count() == 1
    assert Broadcast.objects.get(pk=owned["B"]).title == "draft"
    live = Broadcast.objects.get(pk=owned["L"])
    assert live.is_live and live.title == "on air"
    assert list(live.visible_people.values_list("pk", flat=True)) == [owned["P"]]


@pytest.mark.parametrize(("method", "url"), API_404)
def test_api_hides_what_is_not_yours(mallory_api, owned, alice, method, url):
    response = getattr(mallory_api, method)(
        url.format(**owned), {"name": "x", "title": "x"}, format="json"
    )
    assert response.status_code == 404, response.content
    assert response.json()["detail"]
    assert_untouched(owned, alice)


@pytest.mark.parametrize(("method", "url"), API_403)
def test_api_refuses_changes_to_someone_elses_live_broadcast(
    mallory_api, owned, alice, method, url
):
    response = getattr(mallory_api, method)(
        url.format(**owned), {"title": "x", "mode": "off"}, format="json"
    )
    assert response.status_code == 403
    assert "another host" in response.json()["detail"] or response.json()["detail"]
    assert_untouched(owned, alice)


@pytest.mark.parametrize(("method", "url"), PAGES_404)
def test_pages_hide_what_is_not_yours(client, mallory, owned, alice, method, url):
    client.force_login(mallory)
    response = getattr(client, method)(url.format(**owned), {"name": "x", "title": "x"})
    assert response.status_code == 404
    assert_untouched(owned, alice)


def test_a_live_broadcast_shows_only_public_fields_to_others(mallory_api, owned):
    data = mallory_api.get(f"/api/broadcasts/{owned['L']}").json()
    assert data["title"] == "on air" and data["is_live"] is True
    assert not {"mode", "visible_people", "whip_url", "style"} & set(data)


def test_lists_show_only_your_own(mallory_api, owned):
    assert mallory_api.get("/api/people").json()["results"] == []
    assert mallory_api.get("/api/broadcasts").json()["results"] == []


def test_you_cannot_choose_someone_elses_people(mallory_api, mallory, owned, client):
    created = mallory_api.post(
        "/api/broadcasts",
        {
            "title": "mine",
            "category": "talk",
            "mode": "except",
            "style": "pixelate",
            "visible_people": [owned["P"]],
        },
        format="json",
    )
    assert created.status_code == 400 and "visible_people" in created.json()
    mine = Broadcast.objects.create(owner=mallory, title="mine")
    patched = mallory_api.patch(
        f"/api/broadcasts/{mine.pk}", {"visible_people": [owned["P"]]}, format="json"
    )
    assert patched.status_code == 400
    assert mine.visible_people.count() == 0 and mine.gallery_embeddings() == {}
    client.force_login(mallory)
    form = client.post(
        "/broadcasts/new/",
        {
            "title": "t",
            "category": "talk",
            "mode": "except",
            "style": "pixelate",
            "strength": 3,
            "visible_people": [owned["P"]],
        },
    )
    assert form.status_code == 400
    assert not Broadcast.objects.filter(owner=mallory, title="t").exists()


def test_your_stream_key_never_reaches_anyone_else(mallory_api, mallory, alice, owned, client):
    key = alice.profile.stream_key
    responses = [
        mallory_api.get("/api/me"),
        mallory_api.get("/api/broadcasts?live=1"),
        mallory_api.get(f"/api/broadcasts/{owned['L']}"),
    ]
    client.force_login(mallory)
    responses += [client.get("/"), client.get(f"/watch/{owned['L']}"), client.get("/me/")]
    for response in responses:
        assert response.status_code == 200
        assert key.encode() not in response.content


def test_embeddings_never_leave_the_server(alice_api, owned):
    data = alice_api.get(f"/api/people/{owned['P']}").content
    assert b"embedding" not in data


def test_anonymous_callers_must_log_in(client, owned):
    from rest_framework.test import APIClient

    api = APIClient()
    for url in ["/api/me", "/api/people", f"/api/people/{owned['P']}", "/api/broadcasts"]:
        assert api.get(url).status_code == 401
    assert api.post("/api/broadcasts", {"title": "x"}, format="json").status_code == 401
    assert api.get("/api/broadcasts?live=1").status_code == 200
    for url in ["/people/", f"/people/{owned['P']}/", "/broadcasts/", "/me/"]:
        assert client.get(url).status_code == 302
