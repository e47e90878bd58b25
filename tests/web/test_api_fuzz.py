"""Schemathesis drives every operation of /api/schema in-process with generated requests
(valid and invalid: wrong types, missing fields, huge numbers, odd unicode, NUL bytes, random
files), authenticated as a real user with real ids in the paths. No answer may be a 5xx."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.files.base import ContentFile
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from web_helpers import image_bytes, token_client

from ciasom.broadcasts.models import Broadcast
from ciasom.faces.models import Person, Photo

MAX_EXAMPLES = 20


def _wsgi_app():
    from django.core.wsgi import get_wsgi_application

    return get_wsgi_application()


@pytest.fixture(autouse=True)
def _keep_test_connection(db):
    """Requests run inside the test's transaction: as Django's own test client does, keep
    them from closing the test's database connection when they finish."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def fuzzer(django_user_model):
    """A user with one of everything, so paths can name things that exist."""
    user = django_user_model.objects.create_user("fuzzer", password="fuzz-password-123")
    token = token_client(user)._credentials["HTTP_AUTHORIZATION"]
    return {"user": user, "headers": {"Authorization": token}}


def existing_ids(user) -> dict[str, int]:
    person, _ = Person.objects.get_or_create(owner=user, name="Fuzzed")
    photo = person.photos.first()
    if photo is None:
        photo = Photo.objects.create(person=person, status=Photo.Status.ACCEPTED)
        photo.thumbnail.save("t.jpg", ContentFile(image_bytes()), save=True)
    broadcast = Broadcast.objects.filter(owner=user).first() or Broadcast.objects.create(
        owner=user, title="fuzzed"
    )
    return {"person": person.pk, "photo": photo.pk, "broadcast": broadcast.pk}


schema = schemathesis.openapi.from_wsgi("/api/schema", _wsgi_app())


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_errors(case, fuzzer):
    user = fuzzer["user"]
    if not type(user).objects.filter(pk=user.pk).exists():
        pytest.skip("the fuzzer deleted its own account")  # only with its real password
    if case.path_parameters:
        ids = existing_ids(user)
        if "photo_pk" in case.path_parameters:
            case.path_parameters["photo_pk"] = ids["photo"]
        if "id" in case.path_parameters:
            key = "broadcast" if case.path.startswith("/api/broadcasts") else "person"
            case.path_parameters["id"] = ids[key]
    case.call_and_validate(headers=fuzzer["headers"], checks=[not_a_server_error])


@schema.parametrize()
@settings(max_examples=5, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_errors_without_credentials(case):
    case.call_and_validate(checks=[not_a_server_error])
