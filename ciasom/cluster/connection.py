"""The Redis connection and names the cluster roles share (DESIGN §6)."""

from __future__ import annotations

import redis
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from .bus import ControlBus
from .nodes import NodeRegistry

# Commands wait at most this long, so a heartbeat or a placement never hangs on Redis.
SOCKET_TIMEOUT = 5.0


def cluster_redis() -> redis.Redis:
    if not settings.REDIS_URL:
        raise ImproperlyConfigured("the web tier and media nodes need REDIS_URL")
    return redis.Redis.from_url(
        settings.REDIS_URL,
        socket_timeout=SOCKET_TIMEOUT,
        socket_connect_timeout=SOCKET_TIMEOUT,
        health_check_interval=10,
    )


def node_registry(client: redis.Redis | None = None) -> NodeRegistry:
    return NodeRegistry(client or cluster_redis(), settings.CIASOM_CLUSTER_PREFIX)


def control_bus(client: redis.Redis | None = None) -> ControlBus:
    return ControlBus(client or cluster_redis(), settings.CIASOM_CLUSTER_PREFIX + "events")
