"""The node registry in the real Redis (DESIGN §6): placement fewest streams first among the
live nodes with a free slot, none → no placement; a node silent too long is reaped once, its
broadcasts handed to exactly one reaper; a reaped node learns it at its next heartbeat."""

import time
import uuid

import pytest
import redis

from bench.cluster_processes import REDIS_DB
from ciasom.cluster.nodes import AlreadyPlaced, NodeRegistry


@pytest.fixture
def registry():
    client = redis.Redis.from_url(f"redis://127.0.0.1:6379/{REDIS_DB}")
    prefix = f"ciasom-test-{uuid.uuid4().hex[:8]}:"
    yield NodeRegistry(client, prefix, dead_after=1.0)
    assert list(client.scan_iter(f"{prefix}*")) == []


def test_placement_takes_the_node_with_the_fewest_streams_until_all_are_full(registry):
    registry.register("a", "http://10.0.0.1:8100", 2)
    registry.register("b", "http://10.0.0.2:8100", 1)
    placed = [registry.place(broadcast).node for broadcast in (1, 2, 3)]
    assert placed == ["a", "b", "a"]
    assert registry.place(4) is None
    with pytest.raises(AlreadyPlaced):
        registry.place(1)
    assert registry.owner(2).address == "http://10.0.0.2:8100"

    registry.release(2, "b")
    assert registry.owner(2) is None
    assert registry.place(5).node == "b"
    assert {n.name: n.streams for n in registry.nodes()} == {"a": [1, 3], "b": [5]}
    assert registry.leave("a") == [1, 3] and registry.leave("b") == [5]


def test_a_silent_node_is_reaped_once_and_told_at_its_next_heartbeat(registry):
    registry.register("a", "http://10.0.0.1:8100", 1)
    registry.register("b", "http://10.0.0.2:8100", 1)
    registry.place(7)
    registry.place(8)
    time.sleep(0.6)
    assert registry.heartbeat("b")
    time.sleep(0.6)  # a: silent 1.2 s; b: 0.6 s
    assert registry.place(9) is None  # a counts as dead, b is full
    assert registry.reap() == [7]
    assert registry.reap() == []
    assert registry.owner(7) is None and registry.owner(8).node == "b"
    assert not registry.heartbeat("a")  # it must drop its streams and rejoin
    assert registry.register("a", "http://10.0.0.1:8100", 1) == []
    assert registry.place(7).node == "a"
    assert registry.leave("a") == [7] and registry.leave("b") == [8]


def test_a_node_restarted_under_its_name_frees_what_its_last_life_held(registry):
    registry.register("a", "http://10.0.0.1:8100", 1)
    registry.place(3)
    assert registry.register("a", "http://10.0.0.1:8100", 1) == [3]
    assert registry.owner(3) is None
    assert registry.leave("a") == []
