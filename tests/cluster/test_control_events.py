"""In the web tier every committed change that affects a live broadcast goes out on the
cluster's control channel (real Redis pub/sub) within 1 s — whichever path made it: the API,
a moderator, the account's deletion. A node then re-reads the committed rows (the node's
side runs as real processes in test_scale_out.py)."""

import threading
import time
import uuid

import numpy as np
import pytest
import redis
from django.apps import apps
from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from bench.cluster_processes import REDIS_DB
from ciasom.broadcasts.models import Broadcast
from ciasom.cluster.bus import ENDED, SETTINGS, ControlBus, Event
from ciasom.cluster.media import ClusterMedia
from ciasom.cluster.nodes import NodeRegistry
from ciasom.engine.gallery import EMBEDDING_SIZE
from ciasom.faces.models import Person, Photo

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "correct horse battery staple"
WITHIN = 1.0  # seconds (DESIGN §6)


class Heard:
    """What a node would hear on the control channel."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self.arrived = threading.Condition()

    def on_event(self, event: Event) -> None:
        with self.arrived:
            self.events.append(event)
            self.arrived.notify_all()

    def expect(self, kind: str, broadcast_id: int, since: float) -> None:
        deadline = since + WITHIN
        with self.arrived:
            while not any(e.kind == kind and e.broadcast_id == broadcast_id for e in self.events):
                left = deadline - time.monotonic()
                assert left > 0, f"no {kind} event for {broadcast_id} within {WITHIN} s"
                self.arrived.wait(left)


@pytest.fixture
def heard(monkeypatch):
    """The web tier's media (ClusterMedia) on a channel of this test's own, listened to."""
    client = redis.Redis.from_url(f"redis://127.0.0.1:6379/{REDIS_DB}")
    prefix = f"ciasom-test-{uuid.uuid4().hex[:8]}:"
    bus = ControlBus(client, prefix + "events")
    monkeypatch.setattr(
        apps.get_app_config("live"), "service", ClusterMedia(NodeRegistry(client, prefix), bus)
    )
    listener = Heard()
    subscription = bus.subscribe(listener.on_event, lambda: None)
    assert subscription.subscribed.wait(5)
    yield listener
    subscription.stop()


@pytest.fixture
def on_air():
    """A host, live, with one enrolled person (two accepted photos) left visible."""
    user = get_user_model().objects.create_user("host", password=PASSWORD)
    person = Person.objects.create(owner=user, name="Mom")
    for seed in (1, 2):
        look = np.random.default_rng(seed).normal(size=EMBEDDING_SIZE).astype("<f4")
        Photo.objects.create(person=person, status=Photo.Status.ACCEPTED, embedding=look.tobytes())
    broadcast = Broadcast.objects.create(owner=user, title="walk", mode="except")
    broadcast.visible_people.set([person])
    broadcast.start()
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return api, user, broadcast, person


def test_a_settings_change_through_the_api(heard, on_air):
    api, _, broadcast, _ = on_air
    since = time.monotonic()
    response = api.patch(f"/api/broadcasts/{broadcast.pk}", {"mode": "all"}, format="json")
    assert response.status_code == 200
    heard.expect(SETTINGS, broadcast.pk, since)


def test_removing_someone_from_the_visible_people(heard, on_air):
    api, _, broadcast, _ = on_air
    since = time.monotonic()
    response = api.patch(f"/api/broadcasts/{broadcast.pk}", {"visible_people": []}, format="json")
    assert response.status_code == 200
    heard.expect(SETTINGS, broadcast.pk, since)


def test_deleting_an_enrolled_person(heard, on_air):
    api, _, broadcast, person = on_air
    since = time.monotonic()
    assert api.delete(f"/api/people/{person.pk}").status_code == 204
    heard.expect(SETTINGS, broadcast.pk, since)


def test_deleting_one_of_their_photos(heard, on_air):
    api, _, broadcast, person = on_air
    photo = person.photos.first()
    since = time.monotonic()
    assert api.delete(f"/api/people/{person.pk}/photos/{photo.pk}").status_code == 204
    heard.expect(SETTINGS, broadcast.pk, since)


def test_ending_it_through_the_api(heard, on_air):
    api, _, broadcast, _ = on_air
    since = time.monotonic()
    assert api.post(f"/api/broadcasts/{broadcast.pk}/end").status_code == 200
    heard.expect(ENDED, broadcast.pk, since)


def test_a_moderator_ending_it(heard, on_air):
    _, _, broadcast, _ = on_air
    since = time.monotonic()
    broadcast.end_by_moderator("a stranger's face was shown")  # the admin action's call
    heard.expect(ENDED, broadcast.pk, since)


def test_the_account_disabled(heard, on_air):
    _, user, broadcast, _ = on_air
    since = time.monotonic()
    user.is_active = False
    user.save()
    heard.expect(ENDED, broadcast.pk, since)


def test_the_account_deleted(heard, on_air):
    api, _, broadcast, _ = on_air
    since = time.monotonic()
    assert api.delete("/api/me", {"password": PASSWORD}, format="json").status_code == 204
    heard.expect(ENDED, broadcast.pk, since)
