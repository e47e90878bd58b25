"""The node registry in Redis: who the media nodes are, what they hold, whether they live.

Keys, under the cluster prefix ``P`` (``CIASOM_CLUSTER_PREFIX``):

* ``P nodes`` — set of node names;
* ``P node:<name>`` — hash: ``address`` (internal HTTP base URL), ``capacity`` (streams),
  ``heartbeat`` (Redis server time, seconds);
* ``P node:<name>:streams`` — set of the broadcast ids the node holds or is taking;
* ``P broadcast:<id>`` — the name of the node that holds broadcast ``id``.

Every change that reads and writes several keys is one Lua script, so two web workers
placing at once never fill the same slot, and exactly one reaper ends a dead node's
broadcasts. Time is Redis's own clock (``TIME``), so machines' clocks need not agree.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import redis

logger = logging.getLogger(__name__)

HEARTBEAT_INTERVAL = 1.0  # seconds between a node's heartbeats
# A node silent this long is dead. Below DESIGN §6's 10 s so that, with the heartbeat
# interval and the reaper's period, a stopped node's broadcasts end within 10 s of its stop.
DEAD_AFTER = 8.5


def _timed(body: str) -> str:
    """A script that knows ``now``, Redis's clock in seconds, and can ``unmap(id, name)``:
    forget which node holds broadcast ``id`` if it is still ``name``."""
    return (
        "local t = redis.call('TIME') local now = tonumber(t[1]) + tonumber(t[2]) / 1e6\n"
        "local function unmap(p, id, name)\n"
        "  if redis.call('GET', p .. 'broadcast:' .. id) == name then\n"
        "    redis.call('DEL', p .. 'broadcast:' .. id)\n"
        "  end\n"
        "end\n" + body
    )


# KEYS[1] prefix; ARGV: name, address, capacity. Returns the ids a previous life of this
# node left behind (it restarted before anyone noticed it was gone); they are freed.
_REGISTER = _timed("""
local p, name = KEYS[1], ARGV[1]
local streams = p .. 'node:' .. name .. ':streams'
local left = redis.call('SMEMBERS', streams)
for _, id in ipairs(left) do
  unmap(p, id, name)
end
redis.call('DEL', streams)
redis.call('SADD', p .. 'nodes', name)
redis.call('HSET', p .. 'node:' .. name, 'address', ARGV[2], 'capacity', ARGV[3], 'heartbeat', now)
return left
""")

# KEYS[1] prefix; ARGV: name. 1 = alive; 0 = the node was declared dead (it must stop).
_HEARTBEAT = _timed("""
local p, name = KEYS[1], ARGV[1]
if redis.call('SISMEMBER', p .. 'nodes', name) == 0 then return 0 end
redis.call('HSET', p .. 'node:' .. name, 'heartbeat', now)
return 1
""")

# KEYS[1] prefix; ARGV: broadcast id, dead_after. Returns {name, address}, {} when every
# live node is full, or {false} when the broadcast is placed already.
_PLACE = _timed("""
local p, id, dead_after = KEYS[1], ARGV[1], tonumber(ARGV[2])
if redis.call('EXISTS', p .. 'broadcast:' .. id) == 1 then return {false} end
local best, best_count, best_address = nil, nil, nil
for _, name in ipairs(redis.call('SMEMBERS', p .. 'nodes')) do
  local node = redis.call('HMGET', p .. 'node:' .. name, 'address', 'capacity', 'heartbeat')
  if node[1] and node[3] and now - tonumber(node[3]) < dead_after then
    local count = redis.call('SCARD', p .. 'node:' .. name .. ':streams')
    if count < tonumber(node[2]) and (best == nil or count < best_count
        or (count == best_count and name < best)) then
      best, best_count, best_address = name, count, node[1]
    end
  end
end
if best == nil then return {} end
redis.call('SADD', p .. 'node:' .. best .. ':streams', id)
redis.call('SET', p .. 'broadcast:' .. id, best)
return {best, best_address}
""")

# KEYS[1] prefix; ARGV: broadcast id, node name. Frees the slot if that node holds it.
_RELEASE = _timed("""
local p, id, name = KEYS[1], ARGV[1], ARGV[2]
redis.call('SREM', p .. 'node:' .. name .. ':streams', id)
unmap(p, id, name)
return 1
""")

# KEYS[1] prefix; ARGV: dead_after (or -1: the one node named in ARGV[2], leaving).
# Removes dead nodes and returns the ids of the broadcasts they held.
_REAP = _timed("""
local p, dead_after = KEYS[1], tonumber(ARGV[1])
local gone = {}
for _, name in ipairs(redis.call('SMEMBERS', p .. 'nodes')) do
  local heartbeat = tonumber(redis.call('HGET', p .. 'node:' .. name, 'heartbeat') or '0')
  local leaving = dead_after < 0 and name == ARGV[2]
  if leaving or (dead_after >= 0 and now - heartbeat >= dead_after) then
    local streams = p .. 'node:' .. name .. ':streams'
    for _, id in ipairs(redis.call('SMEMBERS', streams)) do
      unmap(p, id, name)
      table.insert(gone, id)
    end
    redis.call('DEL', streams, p .. 'node:' .. name)
    redis.call('SREM', p .. 'nodes', name)
  end
end
return gone
""")

_LIST = _timed("""
local p = KEYS[1]
local result = {}
for _, name in ipairs(redis.call('SMEMBERS', p .. 'nodes')) do
  local node = redis.call('HMGET', p .. 'node:' .. name, 'address', 'capacity', 'heartbeat')
  local streams = redis.call('SMEMBERS', p .. 'node:' .. name .. ':streams')
  table.insert(result, {name, node[1] or '', node[2] or '0',
                        tostring(now - tonumber(node[3] or '0')), streams})
end
return result
""")


@dataclass(frozen=True)
class Placement:
    """Where a broadcast lives: the node's name and its internal HTTP base URL."""

    node: str
    address: str


@dataclass(frozen=True)
class NodeInfo:
    """One line of ``ciasom nodes --json`` (DESIGN §6)."""

    name: str
    address: str
    capacity: int
    streams: list[int]
    heartbeat_age_s: float


class AlreadyPlaced(Exception):
    """The broadcast already has a node."""


class NodeRegistry:
    """The cluster's nodes and their streams, in Redis (see the module's docstring)."""

    def __init__(self, client: redis.Redis, prefix: str, dead_after: float = DEAD_AFTER) -> None:
        self.redis = client
        self.prefix = prefix
        self.dead_after = dead_after
        self._register = client.register_script(_REGISTER)
        self._heartbeat = client.register_script(_HEARTBEAT)
        self._place = client.register_script(_PLACE)
        self._release = client.register_script(_RELEASE)
        self._reap = client.register_script(_REAP)
        self._list = client.register_script(_LIST)

    # -- a node's own calls ---------------------------------------------------------------

    def register(self, name: str, address: str, capacity: int) -> list[int]:
        """Join (or rejoin) the cluster; returns broadcasts a previous life left behind."""
        left = self._register(keys=[self.prefix], args=[name, address, capacity])
        return [int(i) for i in left]

    def heartbeat(self, name: str) -> bool:
        """False once the node was declared dead: it must drop its streams and rejoin."""
        return bool(self._heartbeat(keys=[self.prefix], args=[name]))

    def leave(self, name: str) -> list[int]:
        """Leave the cluster (a clean stop); returns what it still held."""
        return [int(i) for i in self._reap(keys=[self.prefix], args=[-1, name])]

    def release(self, broadcast_id: int, node: str) -> None:
        self._release(keys=[self.prefix], args=[broadcast_id, node])

    # -- the web tier's calls ---------------------------------------------------------------

    def place(self, broadcast_id: int) -> Placement | None:
        """Take a slot on the live node holding the fewest streams; None when all are full.

        Raises :class:`AlreadyPlaced` when the broadcast has a node already.
        """
        result = self._place(keys=[self.prefix], args=[broadcast_id, self.dead_after])
        if not result:
            return None
        if result[0] is None:
            raise AlreadyPlaced(str(broadcast_id))
        return Placement(_text(result[0]), _text(result[1]))

    def owner(self, broadcast_id: int) -> Placement | None:
        """The node holding the broadcast, or None."""
        name = self.redis.get(f"{self.prefix}broadcast:{broadcast_id}")
        if name is None:
            return None
        address = self.redis.hget(f"{self.prefix}node:{_text(name)}", "address")
        return None if address is None else Placement(_text(name), _text(address))

    def reap(self) -> list[int]:
        """Remove the nodes silent for ``dead_after`` s; returns the broadcasts they held
        (each id is returned to exactly one caller, whoever runs this)."""
        return [int(i) for i in self._reap(keys=[self.prefix], args=[self.dead_after, ""])]

    def nodes(self) -> list[NodeInfo]:
        rows = self._list(keys=[self.prefix])
        return sorted(
            (
                NodeInfo(
                    _text(name),
                    _text(address),
                    int(capacity),
                    sorted(int(i) for i in streams),
                    round(float(age), 3),
                )
                for name, address, capacity, age, streams in rows
            ),
            key=lambda node: node.name,
        )


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
