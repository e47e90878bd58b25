"""When a moderator ends a broadcast its host stays off the air for a while (with that
broadcast or any other), WHIP says why with 403, and the host sees the reason on the
studio page and in the API. A host's own end and restart work as before."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from ciasom.broadcasts.models import Blocked, Broadcast

pytestmark = pytest.mark.django_db

# A publish offer that passes the offer checks; WHIP refuses before any media is built.
OFFER = "\r\n".join(
    [
        "v=0",
        "o=- 1 1 IN IP4 127.0.0.1",
        "s=-",
        "t=0 0",
        "m=video 9 UDP/TLS/RTP/SAVPF 96",
        "c=IN IP4 0.0.0.0",
        "a=mid:0",
        "a=sendonly",
        "a=rtpmap:96 VP8/90000",
        "a=ice-ufrag:abcd",
        "a=ice-pwd:abcdefghijklmnopqrstuvwx",
        "a=fingerprint:sha-256 " + ":".join(["AB"] * 32),
        "a=setup:actpass",
        "",
    ]
)


@pytest.fixture
def ended_by_moderator(client, moderator, alice):
    broadcast = Broadcast.objects.create(owner=alice, title="rule breaker")
    broadcast.start()
    client.force_login(moderator)
    client.post(
        "/admin/broadcasts/broadcast/",
        {"action": "end_broadcasts", "_selected_action": [broadcast.pk]},
    )
    client.logout()
    broadcast.refresh_from_db()
    return broadcast


def test_the_host_cannot_go_live_again_at_once(ended_by_moderator, alice):
    assert not ended_by_moderator.is_live
    assert ended_by_moderator.blocked_until > timezone.now() + timedelta(hours=1)
    with pytest.raises(Blocked):
        ended_by_moderator.start()
    other = Broadcast.objects.create(owner=alice, title="same again, new name")
    with pytest.raises(Blocked):
        other.start()
    assert not Broadcast.objects.filter(owner=alice, is_live=True).exists()


def test_whip_answers_403_with_the_reason(ended_by_moderator, alice):
    from django.test import Client

    response = Client().post(
        f"/whip/{ended_by_moderator.pk}",
        OFFER,
        content_type="application/sdp",
        headers={"Authorization": f"Bearer {alice.profile.stream_key}"},
    )
    assert response.status_code == 403
    assert "moderator" in response.content.decode()


def test_the_host_sees_why_on_the_studio_page_and_in_the_api(
    ended_by_moderator, alice, alice_api, client
):
    client.force_login(alice)
    page = client.get(f"/broadcasts/{ended_by_moderator.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    assert 'id="moderator-block"' in page.content.decode()
    block = alice_api.get(f"/api/broadcasts/{ended_by_moderator.pk}").json()["block"]
    assert block["reason"] and block["until"] and "moderator" in block["message"]


def test_the_block_lapses(ended_by_moderator):
    Broadcast.objects.filter(pk=ended_by_moderator.pk).update(
        blocked_until=timezone.now() - timedelta(seconds=1)
    )
    ended_by_moderator.start()
    assert ended_by_moderator.is_live


def test_a_hosts_own_end_and_restart_work_as_before(alice, alice_api):
    broadcast = Broadcast.objects.create(owner=alice, title="mine")
    broadcast.start()
    broadcast.end()
    broadcast.start()
    assert broadcast.is_live
    assert alice_api.get(f"/api/broadcasts/{broadcast.pk}").json()["block"] is None
