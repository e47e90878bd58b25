"""The web tier's watch over the media nodes: a node silent too long is dead.

Each web worker runs one :class:`Reaper`; the registry's reap is atomic, so each dead
node's broadcasts are ended exactly once, by whichever worker looks first. Ending them in
the database is what viewers see ("ended" in the status) and what lets the host go live
again, on another node.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta

import redis
from django.db import DatabaseError, close_old_connections
from django.utils import timezone

from ciasom.broadcasts.models import Broadcast

from .nodes import NodeRegistry

logger = logging.getLogger(__name__)

PERIOD = 0.5  # seconds between looks
# Live in the database but held by no node: a crash lost the registry's record (Redis
# restarted, a reaper died between its two steps). Past this age — longer than a
# placement's node call may take — such a broadcast is ended, every SWEEP_EVERY seconds.
ORPHAN_AFTER = timedelta(seconds=60)
SWEEP_EVERY = 10.0


def end_in_database(broadcast_id: int) -> None:
    """End a broadcast whose node is gone (from a thread of its own: closes its connection)."""
    try:
        broadcast = Broadcast.objects.filter(pk=broadcast_id).first()
        if broadcast is not None:
            broadcast.end()
    finally:
        close_old_connections()


class Reaper(threading.Thread):
    def __init__(self, registry: NodeRegistry) -> None:
        super().__init__(name="ciasom-reaper", daemon=True)
        self.registry = registry
        self._stopping = threading.Event()

    def stop(self) -> None:
        self._stopping.set()
        self.join(timeout=5)

    def run(self) -> None:
        swept = time.monotonic()
        while not self._stopping.wait(PERIOD):
            if time.monotonic() - swept >= SWEEP_EVERY:
                swept = time.monotonic()
                self._sweep()
            try:
                gone = self.registry.reap()
            except redis.RedisError as error:
                logger.warning("reaper: %s", error)
                continue
            for broadcast_id in gone:
                logger.warning("broadcast %s ended: its media node stopped", broadcast_id)
                try:
                    end_in_database(broadcast_id)
                except DatabaseError:
                    logger.exception("reaper: cannot end broadcast %s", broadcast_id)

    def _sweep(self) -> None:
        try:
            old = timezone.now() - ORPHAN_AFTER
            live = Broadcast.objects.filter(is_live=True, started_at__lt=old)
            for broadcast_id in live.values_list("pk", flat=True):
                if self.registry.owner(broadcast_id) is None:
                    logger.warning("broadcast %s ended: live, but no node holds it", broadcast_id)
                    end_in_database(broadcast_id)
        except (DatabaseError, redis.RedisError):
            logger.exception("reaper: the sweep failed")
        finally:
            close_old_connections()
