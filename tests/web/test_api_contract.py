"""The JSON API calls of DESIGN.md §3, in the order a script drives a whole broadcast."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient
from web_helpers import PASSWORD, real_photo, wait_until

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_script_can_drive_a_broadcast_without_a_browser():
    api = APIClient()
    account = api.post(
        "/api/accounts",
        {"username": "scripter", "password": PASSWORD, "email": "s@example.com"},
        format="json",
    )
    assert account.status_code == 201 and set(account.json()) == {"id", "username"}

    token = api.post("/api/token", {"username": "scripter", "password": PASSWORD}, format="json")
    assert token.status_code == 200 and set(token.json()) == {"token"}
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.json()['token']}")

    me = api.get("/api/me")
    assert me.status_code == 200 and me.json()["username"] == "scripter" and me.json()["stream_key"]

    person = api.post("/api/people", {"name": "Barack"}, format="json")
    assert person.status_code == 201 and {"id", "name"} <= set(person.json())
    pid = person.json()["id"]

    photos = api.post(
        f"/api/people/{pid}/photos",
        {
            "photos": [
                SimpleUploadedFile("1.jpg", real_photo("obama.jpg")),
                SimpleUploadedFile("2.jpg", real_photo("obama2.jpg")),
            ]
        },
        format="multipart",
    )
    assert photos.status_code == 202
    assert [set(p) >= {"id", "status"} for p in photos.json()["photos"]] == [True, True]

    def ready():
        data = api.get(f"/api/people/{pid}").json()
        return data if data["status"] != "processing" else None

    data = wait_until(ready, timeout=60)
    assert data["status"] == "ready" and {"id", "name", "status", "photos"} <= set(data)
    assert [(p["status"], p["reason"]) for p in data["photos"]] == [("accepted", "")] * 2

    created = api.post(
        "/api/broadcasts",
        {
            "title": "walk",
            "category": "outdoor",
            "mode": "except",
            "style": "pixelate",
            "visible_people": [pid],
        },
        format="json",
    )
    assert created.status_code == 201
    bid = created.json()["id"]
    assert created.json()["whip_url"] == f"/whip/{bid}"
    assert created.json()["whep_url"] == f"/whep/{bid}"

    patched = api.patch(f"/api/broadcasts/{bid}", {"mode": "all", "strength": 4}, format="json")
    assert patched.status_code == 200 and patched.json()["mode"] == "all"

    live = api.get("/api/broadcasts?live=1")
    assert live.status_code == 200 and live.json() == {"results": []}  # not live yet

    from ciasom.broadcasts.models import Broadcast

    Broadcast.objects.get(pk=bid).start()  # what a WHIP publish does
    (row,) = APIClient().get("/api/broadcasts?live=1").json()["results"]
    assert row["id"] == bid and row["host"] == "scripter" and row["viewers"] == 0
    assert {"id", "title", "host", "category", "viewers", "started_at", "thumbnail_url"} <= set(row)


def test_the_schema_documents_every_call(client):
    response = client.get("/api/schema")  # JSON by default: any script can read it
    assert response.status_code == 200 and "json" in response["Content-Type"]
    assert client.get("/api/schema?format=yaml").content.startswith(b"openapi:")

    schema = json.loads(response.content)
    paths = schema["paths"]
    for path, method in [
        ("/api/accounts", "post"),
        ("/api/token", "post"),
        ("/api/me", "get"),
        ("/api/people", "post"),
        ("/api/people/{id}/photos", "post"),
        ("/api/people/{id}", "get"),
        ("/api/broadcasts", "post"),
        ("/api/broadcasts/{id}", "patch"),
        ("/api/broadcasts", "get"),
    ]:
        assert method in paths[path], (path, method)
    upload = paths["/api/people/{id}/photos"]["post"]["requestBody"]["content"]
    assert "multipart/form-data" in upload
    assert schema["components"]["securitySchemes"]["tokenAuth"]["name"] == "Authorization"
