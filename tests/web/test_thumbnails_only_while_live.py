"""A broadcast's thumbnail and watch page are public only while it is live (the owner
always sees their own); after the end or deletion they answer 404 like a missing id, and
nginx sends thumbnails through the app instead of serving the folder itself."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ciasom.broadcasts.models import Broadcast

pytestmark = pytest.mark.django_db

NGINX = Path(__file__).resolve().parents[2] / "deploy" / "nginx.conf"
JPEG = b"\xff\xd8\xff\xe0 a processed frame"


@pytest.fixture
def on_air(alice):
    broadcast = Broadcast.objects.create(owner=alice, title="street walk")
    broadcast.start()
    broadcast.store_thumbnail(JPEG)
    return broadcast


def thumbnail(client, broadcast):
    return client.get(f"/media/thumbnails/{broadcast.pk}.jpg")


def test_a_live_broadcasts_thumbnail_is_public(client, on_air):
    served = thumbnail(client, on_air)
    assert served.status_code == 200 and b"".join(served.streaming_content) == JPEG
    assert served["Content-Type"] == "image/jpeg"


def test_after_the_end_only_the_owner_sees_it(client, on_air, alice):
    on_air.end()
    assert thumbnail(client, on_air).status_code == 404
    assert client.get(f"/watch/{on_air.pk}").status_code == 404
    client.force_login(alice)
    mine = thumbnail(client, on_air)
    assert mine.status_code == 200 and "no-store" in mine["Cache-Control"]
    assert client.get(f"/watch/{on_air.pk}").status_code == 200


def test_a_deleted_broadcasts_thumbnail_is_gone(client, on_air, alice):
    on_air.delete()
    client.force_login(alice)
    assert thumbnail(client, on_air).status_code == 404


def test_nginx_sends_thumbnails_through_the_app():
    conf = NGINX.read_text()
    served_from_disk = re.findall(r"location ~ \^/media/\(?([^/]*)", conf)
    assert served_from_disk and not any("thumbnails" in found for found in served_from_disk)
    block = re.search(r"location /media/thumbnails/ \{(.*?)\}", conf, re.S)
    assert block and "proxy_pass" in block.group(1)


def test_status_tells_others_nothing_about_a_broadcast_that_is_not_live(client, alice, on_air):
    idle = Broadcast.objects.create(owner=alice, title="not yet")
    on_air.end()
    missing = client.get("/live/999999/status")
    for broadcast in (idle, on_air):
        answer = client.get(f"/live/{broadcast.pk}/status")
        assert (answer.status_code, answer.json()) == (missing.status_code, missing.json())
    client.force_login(alice)
    assert client.get(f"/live/{idle.pk}/status").json()["ended"] is False
