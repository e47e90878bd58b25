"""WHIP publish (RFC 9725, DESIGN §3): status codes, bad input, the session's DELETE."""

import asyncio

import pytest
from django.test import AsyncClient

from .clients import PatternTrack, Publisher, checkerboard
from .web import bearer, broadcast_of, fresh, host

pytestmark = pytest.mark.django_db(transaction=True)

SDP = "application/sdp"


@pytest.fixture
async def offer():
    publisher = Publisher(PatternTrack(checkerboard(160, 120)))
    yield await publisher.offer()
    await publisher.close()


async def test_publishing_with_the_stream_key_answers_201_with_every_candidate(live):
    user, key = await host()
    broadcast = await broadcast_of(user)
    publisher = Publisher(PatternTrack(checkerboard(160, 120)))
    response = await AsyncClient().post(
        f"/whip/{broadcast.pk}", await publisher.offer(), content_type=SDP, headers=bearer(key)
    )
    assert response.status_code == 201
    assert response["Content-Type"] == SDP
    location = response["Location"]
    assert location.startswith(f"/whip/{broadcast.pk}/")
    answer = response.content.decode()
    assert "a=candidate:" in answer and "a=end-of-candidates" in answer
    await publisher.answer(answer)
    assert (await fresh(broadcast)).is_live

    assert (await AsyncClient().patch(location, "", content_type=SDP)).status_code == 405
    assert (await AsyncClient().delete(location)).status_code == 200
    await live.drain()
    assert not (await fresh(broadcast)).is_live
    assert live.stream(broadcast.pk) is None
    await publisher.close()


async def test_the_owner_s_session_may_publish(live, offer):
    user, _ = await host()
    broadcast = await broadcast_of(user)
    client = AsyncClient()
    await client.aforce_login(user)
    response = await client.post(f"/whip/{broadcast.pk}", offer, content_type=SDP)
    assert response.status_code == 201


async def test_who_may_publish(live, offer):
    owner, key = await host("owner")
    other, other_key = await host("other")
    broadcast = await broadcast_of(owner)
    url = f"/whip/{broadcast.pk}"
    client = AsyncClient()
    assert (await client.post(url, offer, content_type=SDP)).status_code == 401
    wrong = await client.post(url, offer, content_type=SDP, headers=bearer("live_wrong"))
    assert wrong.status_code == 401 and wrong["WWW-Authenticate"] == "Bearer"
    not_owner = await client.post(url, offer, content_type=SDP, headers=bearer(other_key))
    assert not_owner.status_code == 403
    missing = await client.post("/whip/999999", offer, content_type=SDP, headers=bearer(key))
    assert missing.status_code == 404
    assert not (await fresh(broadcast)).is_live


async def test_a_second_publisher_gets_409(live, offer):
    user, key = await host()
    broadcast = await broadcast_of(user)
    client = AsyncClient()
    first = await client.post(f"/whip/{broadcast.pk}", offer, content_type=SDP, headers=bearer(key))
    assert first.status_code == 201
    second = await client.post(
        f"/whip/{broadcast.pk}", offer, content_type=SDP, headers=bearer(key)
    )
    assert second.status_code == 409
    other = await broadcast_of(user, title="another one")
    third = await client.post(f"/whip/{other.pk}", offer, content_type=SDP, headers=bearer(key))
    assert third.status_code == 409  # one live broadcast per host


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        ("", SDP, 400),
        ("garbage that is not SDP", SDP, 400),
        (b"\xff\xfe\x00 binary", SDP, 400),
        ("v=0\r\n" + "a=x\r\n" * 20000, SDP, 400),
        ("v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n", SDP, 400),
        ("{}", "application/json", 415),
        ("v=0", "text/plain", 415),
    ],
    ids=["empty", "garbage", "binary", "huge", "no-video", "json", "text"],
)
async def test_bad_offers_are_refused_with_a_reason(live, body, content_type, status):
    user, key = await host()
    broadcast = await broadcast_of(user)
    # Django's test client drops Content-Type on an empty body; a real client sends it.
    headers = bearer(key) | ({} if body else {"Content-Type": content_type})
    response = await AsyncClient().post(
        f"/whip/{broadcast.pk}", body, content_type=content_type, headers=headers
    )
    assert response.status_code == status
    assert response.content.strip()
    assert not (await fresh(broadcast)).is_live


async def test_an_audio_only_offer_is_refused(live):
    from .clients import ToneTrack

    user, key = await host()
    broadcast = await broadcast_of(user)
    publisher = Publisher(ToneTrack())
    response = await AsyncClient().post(
        f"/whip/{broadcast.pk}", await publisher.offer(), content_type=SDP, headers=bearer(key)
    )
    await publisher.close()
    assert response.status_code == 400
    assert b"no video" in response.content


async def test_only_post_creates_a_session(live):
    user, _ = await host()
    broadcast = await broadcast_of(user)
    assert (await AsyncClient().get(f"/whip/{broadcast.pk}")).status_code == 405
    assert (await AsyncClient().delete(f"/whip/{broadcast.pk}/nope")).status_code == 404


async def test_the_publisher_disconnecting_ends_the_broadcast(live):
    user, key = await host()
    broadcast = await broadcast_of(user)
    publisher = Publisher(PatternTrack(checkerboard(160, 120)))
    response = await AsyncClient().post(
        f"/whip/{broadcast.pk}", await publisher.offer(), content_type=SDP, headers=bearer(key)
    )
    await publisher.answer(response.content.decode())
    stream = live.stream(broadcast.pk)
    await asyncio.sleep(0.5)
    await publisher.close()  # the host's tab closes
    await asyncio.wait_for(stream.ended.wait(), 10)
    await live.drain()
    broadcast = await fresh(broadcast)
    assert not broadcast.is_live and broadcast.ended_at is not None
    assert live.stream(broadcast.pk) is None
