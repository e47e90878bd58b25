"""One media node: its place in the registry, its heartbeat, and the control events it obeys.

The media itself is the same :class:`~ciasom.live.service.LiveService` the embedded server
runs; this object adds what a cluster needs around it. A node that cannot heartbeat for
the registry's ``dead_after`` (Redis unreachable), or learns that it was declared dead, ends
its streams itself: the web tier has ended those broadcasts and may have placed them again
elsewhere, and a broadcast must never be live twice.
"""

from __future__ import annotations

import asyncio
import logging
import statistics
import threading
import time
from collections import deque
from typing import Any

import redis
from django.conf import settings
from django.db import close_old_connections

from ciasom.broadcasts.models import Broadcast
from ciasom.live.service import LiveService
from ciasom.media.stream import LiveStream

from .bus import ENDED, SETTINGS, ControlBus, Event, Subscription
from .connection import control_bus, node_registry
from .nodes import HEARTBEAT_INTERVAL, NodeRegistry
from .reaper import end_in_database

logger = logging.getLogger(__name__)

LATENCY_SAMPLES = 1000  # control events whose latency `about()` reports


class MediaNode:
    def __init__(
        self,
        name: str,
        address: str,
        capacity: int,
        registry: NodeRegistry,
        bus: ControlBus,
        service: LiveService,
    ) -> None:
        self.name = name
        self.address = address
        self.capacity = capacity
        self.registry = registry
        self.bus = bus
        self.service = service
        self.held: dict[int, LiveStream] = {}
        self.latencies_ms: deque[float] = deque(maxlen=LATENCY_SAMPLES)
        self._stopping = threading.Event()
        self._heartbeat: threading.Thread | None = None
        self._subscription: Subscription | None = None
        self._watchers: set[asyncio.Task[None]] = set()

    @classmethod
    def from_settings(cls, service: LiveService) -> MediaNode:
        return cls(
            settings.CIASOM_NODE_NAME,
            settings.CIASOM_NODE_ADDRESS,
            settings.CIASOM_MAX_STREAMS,
            node_registry(),
            control_bus(),
            service,
        )

    # -- lifecycle (the node's ASGI lifespan) -------------------------------------------

    async def start(self) -> None:
        await asyncio.to_thread(self._register)
        self._heartbeat = threading.Thread(target=self._beat, name="ciasom-heartbeat", daemon=True)
        self._heartbeat.start()
        self._subscription = self.bus.subscribe(self._on_event, self._resync)
        logger.info("node %s at %s, capacity %d", self.name, self.address, self.capacity)

    async def stop(self) -> None:
        """A clean stop: end every stream (viewers see "ended"), then leave the registry."""
        self._stopping.set()
        if self._subscription is not None:
            await asyncio.to_thread(self._subscription.stop)
        if self._heartbeat is not None:
            await asyncio.to_thread(self._heartbeat.join, 5)
        await self.service.registry.close()
        await asyncio.gather(*self._watchers, return_exceptions=True)
        await self.service.drain()
        await asyncio.to_thread(self.registry.leave, self.name)

    # -- sessions the web tier hands over -------------------------------------------------

    async def publish(self, broadcast: Broadcast, offer_sdp: str) -> tuple[str, str]:
        """Start a broadcast placed here; its slot is freed when its stream has ended."""
        stream, answer = await self.service.publish(broadcast, offer_sdp)
        self.held[broadcast.pk] = stream
        watcher = asyncio.get_running_loop().create_task(self._release_when_ended(broadcast.pk))
        self._watchers.add(watcher)
        watcher.add_done_callback(self._watchers.discard)
        return stream.session_id, answer

    async def _release_when_ended(self, broadcast_id: int) -> None:
        stream = self.held[broadcast_id]
        await stream.ended.wait()
        if self.held.get(broadcast_id) is stream:
            del self.held[broadcast_id]
        await asyncio.to_thread(self.registry.release, broadcast_id, self.name)

    def about(self) -> dict[str, Any]:
        samples = sorted(self.latencies_ms)
        events: dict[str, Any] = {"count": len(samples)}
        if samples:
            events["p50_ms"] = round(statistics.median(samples), 2)
            events["p95_ms"] = round(samples[min(len(samples) - 1, int(0.95 * len(samples)))], 2)
        return {
            "name": self.name,
            "capacity": self.capacity,
            "streams": sorted(self.held),
            "control_events": events,
        }

    # -- the registry ------------------------------------------------------------------

    def _register(self) -> None:
        left = self.registry.register(self.name, self.address, self.capacity)
        for broadcast_id in left:  # a previous life of this node crashed holding them
            logger.warning(
                "node %s: broadcast %s was left by a previous run", self.name, broadcast_id
            )
            self._end_in_database(broadcast_id)

    def _beat(self) -> None:
        last_beat = time.monotonic()
        while not self._stopping.wait(HEARTBEAT_INTERVAL):
            try:
                alive = self.registry.heartbeat(self.name)
            except redis.RedisError as error:
                if time.monotonic() - last_beat >= self.registry.dead_after:
                    logger.error(
                        "node %s: no heartbeat for %.0f s (%s); ending its streams",
                        self.name,
                        time.monotonic() - last_beat,
                        error,
                    )
                    self._drop_everything()
                continue
            last_beat = time.monotonic()
            if not alive:
                logger.error(
                    "node %s was declared dead; ending its streams and rejoining", self.name
                )
                self._drop_everything()
                self._register()

    def _drop_everything(self) -> None:
        """End every stream held here without recording the end: the web tier has ended
        these broadcasts already, and may have placed them live elsewhere since."""
        for broadcast_id in list(self.held):
            self.service.disowned.add(broadcast_id)
            self.service.end(broadcast_id)

    # -- control events (on the bus's thread) ---------------------------------------------

    def _on_event(self, event: Event) -> None:
        if event.broadcast_id not in self.held:
            return
        try:
            if event.kind == SETTINGS:
                self.service.apply_settings(event.broadcast_id)
            elif event.kind == ENDED:
                self.service.end(event.broadcast_id)
        finally:
            close_old_connections()
        self.latencies_ms.append((time.time() - event.sent) * 1000)
        logger.info(
            "node %s: %s for broadcast %s applied", self.name, event.kind, event.broadcast_id
        )

    def _resync(self) -> None:
        """(Re)subscribed: events may have been missed; re-read what this node holds."""
        try:
            for broadcast_id in list(self.held):
                if Broadcast.objects.filter(pk=broadcast_id, is_live=True).exists():
                    self.service.apply_settings(broadcast_id)
                else:
                    self.service.end(broadcast_id)
        finally:
            close_old_connections()

    @staticmethod
    def _end_in_database(broadcast_id: int) -> None:
        end_in_database(broadcast_id)
