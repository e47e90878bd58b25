"""The web tier's watch over the media nodes: a node silent too long is dead.

Each web worker runs one :class:`Reaper`; the registry's reap is atomic, so each dead
node's broadcasts are ended exactly once, by whichever worker looks first. Ending them in
the database is what viewers see ("ended" in the status) and what lets the host go live
again, on another node.
"""

from __future__ import annotations

import logging
import threading

import redis
from django.db import DatabaseError, close_old_connections

from ciasom.broadcasts.models import Broadcast

from .nodes import NodeRegistry

logger = logging.getLogger(__name__)

PERIOD = 0.5  # seconds between looks


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
        while not self._stopping.wait(PERIOD):
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
