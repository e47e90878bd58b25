"""The broadcast's `privacy_delay_ms` (DESIGN.md §1, §3): 200-2000 ms, the engine's measured
default when not chosen; set through the API and the settings page, refused with a clear 400
out of range, shown to the host in the studio, and handed to the live stream (seconds) when
it goes live and whenever it changes."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import Client
from django.utils import translation
from live_helpers import off_air, publish, recording_service, run, until
from web_helpers import PASSWORD, token_client

from ciasom.accounts.models import profile_of
from ciasom.broadcasts.models import Broadcast
from ciasom.engine.settings import DEFAULT_PRIVACY_DELAY_MS

pytestmark = pytest.mark.django_db

RANGE_MESSAGE = "The privacy delay must be between 200 and 2000 ms."


def english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


# -- the JSON API ----------------------------------------------------------------------------


def test_the_api_round_trip(alice_api):
    created = alice_api.post("/api/broadcasts", {"title": "walk"}, format="json")
    assert created.status_code == 201
    assert created.json()["privacy_delay_ms"] == DEFAULT_PRIVACY_DELAY_MS == 800
    chosen = alice_api.post(
        "/api/broadcasts", {"title": "talk", "privacy_delay_ms": 1200}, format="json"
    ).json()
    assert chosen["privacy_delay_ms"] == 1200
    url = f"/api/broadcasts/{chosen['id']}"
    assert alice_api.get(url).json()["privacy_delay_ms"] == 1200
    changed = alice_api.patch(url, {"privacy_delay_ms": 200}, format="json")
    assert changed.status_code == 200 and changed.json()["privacy_delay_ms"] == 200
    assert alice_api.patch(url, {"privacy_delay_ms": 2000}, format="json").status_code == 200
    assert Broadcast.objects.get(pk=chosen["id"]).privacy_delay_ms == 2000


@pytest.mark.parametrize("delay", [199, 2001, 0, -800, 10**9])
def test_the_api_refuses_a_delay_out_of_range(alice_api, delay):
    english(alice_api)
    response = alice_api.post(
        "/api/broadcasts", {"title": "x", "privacy_delay_ms": delay}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["privacy_delay_ms"] == [RANGE_MESSAGE]
    assert not Broadcast.objects.exists()
    made = alice_api.post("/api/broadcasts", {"title": "x"}, format="json").json()
    response = alice_api.patch(
        f"/api/broadcasts/{made['id']}", {"privacy_delay_ms": delay}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["privacy_delay_ms"] == [RANGE_MESSAGE]
    assert Broadcast.objects.get(pk=made["id"]).privacy_delay_ms == 800


@pytest.mark.parametrize("delay", ["soon", "", None, 1.5, [800]])
def test_the_api_refuses_what_is_not_a_whole_number_of_ms(alice_api, delay):
    response = alice_api.post(
        "/api/broadcasts", {"title": "x", "privacy_delay_ms": delay}, format="json"
    )
    assert response.status_code == 400
    assert "privacy_delay_ms" in response.json()


def test_the_korean_message(alice_api):
    alice_api.defaults["HTTP_ACCEPT_LANGUAGE"] = "ko"
    response = alice_api.post(
        "/api/broadcasts", {"title": "x", "privacy_delay_ms": 2001}, format="json"
    )
    assert response.json()["privacy_delay_ms"] == ["프라이버시 지연은 200~2000 ms 사이여야 합니다."]


def test_the_schema_documents_the_range(client):
    schema = client.get(
        "/api/schema", HTTP_ACCEPT="application/vnd.oai.openapi+json", HTTP_ACCEPT_LANGUAGE="en"
    ).json()
    field = schema["components"]["schemas"]["Broadcast"]["properties"]["privacy_delay_ms"]
    assert (field["type"], field["minimum"], field["maximum"]) == ("integer", 200, 2000)
    assert "later" in field["description"]
    for request in ("BroadcastRequest", "PatchedBroadcastRequest"):  # create, PATCH
        field = schema["components"]["schemas"][request]["properties"]["privacy_delay_ms"]
        assert (field["minimum"], field["maximum"]) == (200, 2000)


# -- the model -------------------------------------------------------------------------------


def test_the_model_and_the_database_keep_to_the_range(alice):
    broadcast = Broadcast(owner=alice, title="x", privacy_delay_ms=199)
    with pytest.raises(ValidationError) as refused, translation.override("en"):
        broadcast.full_clean()
    assert refused.value.message_dict == {"privacy_delay_ms": [RANGE_MESSAGE]}
    broadcast = Broadcast.objects.create(owner=alice, title="x")
    with pytest.raises(IntegrityError), transaction.atomic():
        Broadcast.objects.filter(pk=broadcast.pk).update(privacy_delay_ms=2001)


# -- the settings page and the studio ----------------------------------------------------------


FORM = {
    "title": "Han river walk",
    "category": "outdoor",
    "mode": "except",
    "style": "blur",
    "strength": 4,
}


def test_the_settings_form_sets_it(alice_browser, alice):
    page = alice_browser.get("/broadcasts/new/").content.decode()
    assert 'name="privacy_delay_ms"' in page and 'value="800"' in page
    assert 'min="200"' in page and 'max="2000"' in page
    response = alice_browser.post("/broadcasts/new/", {**FORM, "privacy_delay_ms": 1500})
    assert response.status_code == 302
    broadcast = Broadcast.objects.get(owner=alice)
    assert broadcast.privacy_delay_ms == 1500
    url = f"/broadcasts/{broadcast.pk}/"
    assert alice_browser.post(url, {**FORM, "privacy_delay_ms": 250}).status_code == 302
    assert Broadcast.objects.get(pk=broadcast.pk).privacy_delay_ms == 250
    # A script or an older page that leaves it out keeps what was chosen.
    assert alice_browser.post(url, FORM).status_code == 302
    assert Broadcast.objects.get(pk=broadcast.pk).privacy_delay_ms == 250


@pytest.mark.parametrize("delay", ["199", "2001", "fast"])
def test_the_settings_form_refuses_a_bad_delay(alice_browser, alice, delay):
    english(alice_browser)
    broadcast = Broadcast.objects.create(owner=alice, title="walk")
    response = alice_browser.post(
        f"/broadcasts/{broadcast.pk}/", {**FORM, "privacy_delay_ms": delay}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert (RANGE_MESSAGE if delay != "fast" else "Enter a whole number.") in page
    assert Broadcast.objects.get(pk=broadcast.pk).privacy_delay_ms == 800


def test_the_studio_shows_the_delay_to_the_host(alice_browser, alice):
    broadcast = Broadcast.objects.create(owner=alice, title="walk", privacy_delay_ms=1200)
    english(alice_browser)
    page = alice_browser.get(f"/broadcasts/{broadcast.pk}/").content.decode()
    assert (
        "Privacy delay: 1.2 s — viewers see the stream this much later, so every frame "
        "is checked before it leaves."
    ) in page
    alice_browser.defaults["HTTP_ACCEPT_LANGUAGE"] = "ko"
    page = alice_browser.get(f"/broadcasts/{broadcast.pk}/").content.decode()
    assert "프라이버시 지연: 1.2초" in page


# -- the live stream ---------------------------------------------------------------------------


@sync_to_async
def host_with_broadcast(delay_ms: int) -> tuple[object, str, Broadcast]:
    user = get_user_model().objects.create_user("alice", "alice@example.com", PASSWORD)
    broadcast = Broadcast.objects.create(owner=user, title="walk", privacy_delay_ms=delay_ms)
    return user, profile_of(user).stream_key, broadcast


@pytest.mark.django_db(transaction=True)
async def test_the_live_stream_gets_the_delay_on_publish_and_on_change(monkeypatch):
    service, engines = recording_service(monkeypatch)
    user, key, broadcast = await host_with_broadcast(1200)
    pc = await publish(broadcast, key)
    try:
        stream = service.stream(broadcast.pk)
        assert stream.privacy_delay == 1.2
        (engine,) = engines
        assert engine.delays[-1] == 1.2  # the media layer passes it on to the engine

        response = await run(
            lambda: token_client(user).patch(
                f"/api/broadcasts/{broadcast.pk}", {"privacy_delay_ms": 400}, format="json"
            )
        )
        assert response.status_code == 200
        await until(lambda: stream.privacy_delay == 0.4)

        def from_the_page():
            client = Client()
            client.force_login(user)
            return client.post(
                f"/broadcasts/{broadcast.pk}/",
                {
                    "title": "walk",
                    "category": "other",
                    "mode": "except",
                    "style": "pixelate",
                    "strength": 3,
                    "privacy_delay_ms": 2000,
                },
            ).status_code

        assert await run(from_the_page) == 302
        await until(lambda: stream.privacy_delay == 2.0)
        assert engine.delays[-1] == 2.0
    finally:
        await off_air(pc, service)
