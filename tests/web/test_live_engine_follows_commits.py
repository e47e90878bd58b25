"""Issue 7: a change to who may stay visible reaches the live engine *as committed*.

A host live with "Mom" visible deletes her (or one of her photos), takes her off the
broadcast's visible people, or a new photo of someone finishes enrolling; a moderator or the
host disables or deletes the account; a superuser changes the mode in the admin. Through the
API and through the pages, the real live service (a real WHIP publish over loopback) must hand
its engine the gallery and settings read after the commit, so the change covers from the next
frame. The engine here records what it is handed and covers nothing (the media path is not
what is tested); everything else, the database included, is real.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module

import numpy as np
import pytest
from asgiref.sync import sync_to_async
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from live_helpers import RecordingEngine, off_air, publish, recording_service, run, until
from rest_framework.test import APIClient
from web_helpers import PASSWORD, real_photo, token_client

from ciasom.accounts.models import profile_of
from ciasom.broadcasts.models import Broadcast
from ciasom.engine.gallery import EMBEDDING_SIZE
from ciasom.faces.models import Person, Photo

pytestmark = pytest.mark.django_db(transaction=True)


@dataclass
class OnAir:
    user: object
    broadcast: Broadcast
    mom: Person
    photos: list[Photo]  # Mom's two accepted photos
    looks: list[np.ndarray]  # their embeddings
    engine: RecordingEngine
    service: object

    def api(self) -> APIClient:
        return token_client(self.user)

    def browser(self) -> Client:
        client = Client()
        client.force_login(self.user)
        return client


def embedding(seed: int) -> np.ndarray:
    vector = np.random.default_rng(seed).normal(size=EMBEDDING_SIZE).astype(np.float32)
    return vector / np.linalg.norm(vector)  # two of these are ~1.4 apart: never confused


@sync_to_async
def enrolled_host() -> tuple[object, str, Broadcast, Person, list[Photo], list[np.ndarray]]:
    user = get_user_model().objects.create_user("alice", "alice@example.com", PASSWORD)
    mom = Person.objects.create(owner=user, name="Mom")
    looks = [embedding(1), embedding(2)]
    photos = [
        Photo.objects.create(
            person=mom, status=Photo.Status.ACCEPTED, embedding=look.astype("<f4").tobytes()
        )
        for look in looks
    ]
    broadcast = Broadcast.objects.create(owner=user, title="street walk", mode="except")
    broadcast.visible_people.set([mom])
    return user, profile_of(user).stream_key, broadcast, mom, photos, looks


@pytest.fixture
async def on_air(monkeypatch):
    service, engines = recording_service(monkeypatch)
    user, key, broadcast, mom, photos, looks = await enrolled_host()
    pc = await publish(broadcast, key)
    (engine,) = engines
    assert engine.gallery.names == ["Mom"]  # visible from the start
    assert service.stream(broadcast.pk) is not None
    yield OnAir(user, broadcast, mom, photos, looks, engine, service)
    await off_air(pc, service)


def shows(gallery, look: np.ndarray) -> str | None:
    return gallery.match(look).person


# -- deleting the person ------------------------------------------------------------------


async def test_deleting_a_person_through_the_api_covers_them_at_once(on_air):
    response = await run(lambda: on_air.api().delete(f"/api/people/{on_air.mom.pk}"))
    assert response.status_code == 204
    assert on_air.engine.gallery.names == []
    assert all(shows(on_air.engine.gallery, look) is None for look in on_air.looks)


async def test_deleting_a_person_on_the_page_covers_them_at_once(on_air):
    response = await run(lambda: on_air.browser().post(f"/people/{on_air.mom.pk}/delete/"))
    assert response.status_code == 302
    assert on_air.engine.gallery.names == []


# -- deleting one of their photos ---------------------------------------------------------


async def test_deleting_a_photo_through_the_api_drops_its_embedding(on_air):
    gone, kept = on_air.photos
    response = await run(
        lambda: on_air.api().delete(f"/api/people/{on_air.mom.pk}/photos/{gone.pk}")
    )
    assert response.status_code == 204
    assert shows(on_air.engine.gallery, on_air.looks[0]) is None
    assert shows(on_air.engine.gallery, on_air.looks[1]) == "Mom"


async def test_deleting_a_photo_on_the_page_drops_its_embedding(on_air):
    gone, kept = on_air.photos
    response = await run(
        lambda: on_air.browser().post(f"/people/{on_air.mom.pk}/photos/{gone.pk}/delete/")
    )
    assert response.status_code == 302
    assert shows(on_air.engine.gallery, on_air.looks[0]) is None
    assert shows(on_air.engine.gallery, on_air.looks[1]) == "Mom"


async def test_deleting_the_last_photo_on_the_page_leaves_nobody_visible(on_air):
    def delete_both() -> None:
        browser = on_air.browser()
        for photo in on_air.photos:
            browser.post(f"/people/{on_air.mom.pk}/photos/{photo.pk}/delete/")

    await run(delete_both)
    assert on_air.engine.gallery.names == []


# -- taking them off the broadcast's visible people -----------------------------------------


async def test_removing_from_visible_people_through_the_api(on_air):
    response = await run(
        lambda: on_air.api().patch(
            f"/api/broadcasts/{on_air.broadcast.pk}", {"visible_people": []}, format="json"
        )
    )
    assert response.status_code == 200
    assert on_air.engine.gallery.names == []
    assert on_air.engine.settings.mode == "except"


async def test_removing_from_visible_people_on_the_settings_page(on_air):
    form = {
        "title": "street walk",
        "category": "other",
        "mode": "except",
        "style": "pixelate",
        "strength": 3,
        "privacy_delay_ms": 800,
    }  # nobody ticked
    response = await run(lambda: on_air.browser().post(f"/broadcasts/{on_air.broadcast.pk}/", form))
    assert response.status_code == 302
    assert on_air.engine.gallery.names == []


# -- enrolment finishing: a newly accepted photo --------------------------------------------


def upload(name: str = "obama.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, real_photo(name), content_type="image/jpeg")


@sync_to_async
def visible_newcomer(on_air: OnAir) -> Person:
    """Barack, chosen as visible before any photo of him is enrolled."""
    barack = Person.objects.create(owner=on_air.user, name="Barack")
    on_air.broadcast.visible_people.add(barack)
    return barack


async def test_a_photo_enrolled_through_the_api_reaches_the_gallery(on_air):
    barack = await visible_newcomer(on_air)
    assert "Barack" not in on_air.engine.gallery.names  # no accepted photo yet
    response = await run(
        lambda: on_air.api().post(
            f"/api/people/{barack.pk}/photos", {"photos": [upload()]}, format="multipart"
        )
    )
    assert response.status_code == 202
    await until(lambda: "Barack" in on_air.engine.gallery.names, timeout=90)
    assert sorted(on_air.engine.gallery.names) == ["Barack", "Mom"]


async def test_a_photo_enrolled_from_the_page_reaches_the_gallery(on_air):
    barack = await visible_newcomer(on_air)
    response = await run(
        lambda: on_air.browser().post(f"/people/{barack.pk}/upload/", {"photos": [upload()]})
    )
    assert response.status_code == 302
    await until(lambda: "Barack" in on_air.engine.gallery.names, timeout=90)


# -- the account goes: its broadcast leaves the air -----------------------------------------


async def ended(on_air: OnAir) -> None:
    await until(lambda: on_air.service.stream(on_air.broadcast.pk) is None)
    await until(lambda: on_air.engine.closed)
    live = await Broadcast.objects.filter(pk=on_air.broadcast.pk, is_live=True).aexists()
    assert not live


async def test_deleting_the_account_through_the_api_ends_the_stream(on_air):
    response = await run(
        lambda: on_air.api().delete("/api/me", {"password": PASSWORD}, format="json")
    )
    assert response.status_code == 204
    await ended(on_air)


async def test_deleting_the_account_on_the_page_ends_the_stream(on_air):
    response = await run(lambda: on_air.browser().post("/me/delete/", {"password": PASSWORD}))
    assert response.status_code == 302
    await ended(on_air)


def admin_change(client: Client, url: str, **changes) -> int:
    """Post an admin change form as it was shown, with ``changes``."""
    form = client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and v is not False}
    data.update(changes)
    return client.post(url, data).status_code


def moderator() -> Client:
    """Logged in as a staff user of the "Moderators" group. A transactional test's flush
    empties the group the migration made, so it is made again the same way."""
    import_module("ciasom.accounts.migrations.0002_moderators_group").create_group(apps, None)
    user = get_user_model().objects.create_user("mod", password=PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name="Moderators"))
    client = Client()
    client.force_login(user)
    return client


def moderator_disables(user) -> int:
    client = moderator()
    url = f"/admin/auth/user/{user.pk}/change/"
    form = client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k != "is_active"}
    data.update(
        {
            "profile-TOTAL_FORMS": "1",
            "profile-INITIAL_FORMS": "1",
            "profile-MIN_NUM_FORMS": "0",
            "profile-MAX_NUM_FORMS": "1",
            "profile-0-id": user.profile.pk,
            "profile-0-user": user.pk,
            "profile-0-nickname": "",
        }
    )
    return client.post(url, data).status_code


async def test_a_moderator_disabling_the_account_ends_the_stream(on_air):
    assert await run(lambda: moderator_disables(on_air.user)) == 302
    await ended(on_air)


# -- the admin -------------------------------------------------------------------------------


def superuser_client() -> Client:
    admin = get_user_model().objects.create_superuser("root", "root@example.com", PASSWORD)
    client = Client()
    client.force_login(admin)
    return client


async def test_a_superuser_changing_the_mode_in_the_admin_reaches_the_engine(on_air):
    client = await run(superuser_client)
    url = f"/admin/broadcasts/broadcast/{on_air.broadcast.pk}/change/"
    assert await run(lambda: admin_change(client, url, mode="all")) == 302
    assert on_air.engine.settings.mode == "all"
    assert on_air.engine.gallery.names == []  # in mode "all" nobody is spared


async def test_a_moderator_ending_it_in_the_admin_ends_the_stream(on_air):
    def end_from_admin() -> int:
        return (
            moderator()
            .post(
                "/admin/broadcasts/broadcast/",
                {"action": "end_broadcasts", "_selected_action": [on_air.broadcast.pk]},
                follow=True,
            )
            .status_code
        )

    assert await run(end_from_admin) == 200
    await ended(on_air)
