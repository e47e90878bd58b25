"""The embedded server admits only the broadcasts it can carry (CIASOM_MAX_STREAMS): the
next publisher gets 503 with Retry-After at once, and holds nothing — the same limit a
cluster applies per media node (DESIGN §3, §6)."""

import pytest
from django.test import AsyncClient

from .clients import PatternTrack, Publisher, checkerboard
from .web import bearer, broadcast_of, fresh, host

pytestmark = pytest.mark.django_db(transaction=True)

SDP = "application/sdp"


@pytest.fixture(autouse=True)
def one_stream(live, monkeypatch):
    """This server carries one broadcast."""
    monkeypatch.setattr(live.registry, "max_streams", 1)


async def publish(name: str):
    user, key = await host(name)
    broadcast = await broadcast_of(user)
    publisher = Publisher(PatternTrack(checkerboard(160, 120)))
    response = await AsyncClient().post(
        f"/whip/{broadcast.pk}", await publisher.offer(), content_type=SDP, headers=bearer(key)
    )
    return broadcast, publisher, response


async def test_a_publisher_beyond_the_capacity_gets_503_and_holds_nothing(live):
    first, first_publisher, response = await publish("first")
    assert response.status_code == 201
    await first_publisher.answer(response.content.decode())

    second, second_publisher, response = await publish("second")
    assert response.status_code == 503
    assert int(response["Retry-After"]) > 0
    assert not (await fresh(second)).is_live
    assert len(live.registry) == 1
    await second_publisher.close()

    # Once the first ends, its slot is free again.
    assert (await AsyncClient().delete(response_location(first.pk, live))).status_code == 200
    await live.drain()
    third, third_publisher, response = await publish("third")
    assert response.status_code == 201
    await third_publisher.close()
    await first_publisher.close()


def response_location(pk: int, live) -> str:
    return f"/whip/{pk}/{live.stream(pk).session_id}"
