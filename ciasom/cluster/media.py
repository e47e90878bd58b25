"""The web tier's media (``CIASOM_ROLE=web``): placement in Redis, sessions on the nodes.

Implements :class:`~ciasom.live.media.LiveMedia` for the WHIP/WHEP views, so clients keep
the same URLs and answers as with ``ciasom serve``; the SDP answers come from the node,
whose ICE candidates are its own addresses, so media flows between client and node.
Changes to live broadcasts go to the nodes as control events (:mod:`.bus`).
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from typing import Any

import redis
from asgiref.sync import sync_to_async
from django.conf import settings

from ciasom.broadcasts.models import Broadcast
from ciasom.live.media import Answer
from ciasom.live.service import public_ice_servers
from ciasom.media.ice import ice_servers
from ciasom.media.registry import AlreadyLive, ServerBusy
from ciasom.media.stream import StreamEnded

from .auth import CLIENT_HEADER
from .bus import ENDED, SETTINGS, ControlBus
from .connection import control_bus, node_registry
from .nodeclient import NodeUnreachable, call
from .nodes import AlreadyPlaced, NodeRegistry, Placement

logger = logging.getLogger(__name__)

PLACES_FOR = 2.0  # seconds one node answer on a broadcast's Janus places serves every poll


class ClusterMedia:
    def __init__(self, registry: NodeRegistry, bus: ControlBus) -> None:
        self.registry = registry
        self.bus = bus
        self.stun_servers = public_ice_servers(settings.CIASOM_ICE_SERVERS)
        # broadcast id -> (when asked, the node's answer being read or read)
        self._places: dict[int, tuple[float, asyncio.Future[dict[str, Any] | None]]] = {}

    @classmethod
    def from_settings(cls) -> ClusterMedia:
        return cls(node_registry(), control_bus())

    def holds(self, broadcast_id: int) -> bool:
        """False too while Redis is unreachable: nothing can be reached then (logged)."""
        return self._owner(broadcast_id) is not None

    async def whip(self, broadcast: Broadcast, offer_sdp: str) -> Answer:
        """Place the broadcast on the node with the fewest streams and hand it the offer.

        Raises ServerBusy (every node full or unreachable), AlreadyLive, OfferError.
        """
        try:
            placement = await asyncio.to_thread(self.registry.place, broadcast.pk)
        except AlreadyPlaced as error:
            raise AlreadyLive(str(error)) from error
        except redis.RedisError as error:
            logger.error("placement: %s", error)
            raise ServerBusy("the node registry is unreachable") from error
        if placement is None:
            raise ServerBusy("every media node is full")
        try:
            status, body = await self._call(
                placement,
                "POST",
                f"/internal/broadcasts/{broadcast.pk}/publisher",
                offer_sdp.encode(),
            )
            if status != 201:  # not live in the database any more: ended meanwhile
                raise ServerBusy(body.get("message", "the broadcast ended meanwhile"))
        except BaseException:
            await asyncio.to_thread(self.registry.release, broadcast.pk, placement.node)
            raise
        logger.info("broadcast %s placed on node %s", broadcast.pk, placement.node)
        return Answer(str(body["session"]), str(body["answer"]))

    async def end_whip(self, broadcast_id: int, session: str) -> bool:
        return await self._end_session(broadcast_id, f"publisher/{session}")

    async def whep(self, broadcast_id: int, offer_sdp: str, client: str) -> Answer:
        placement = await asyncio.to_thread(self._owner, broadcast_id)
        if placement is None:
            raise StreamEnded
        status, body = await self._call(
            placement,
            "POST",
            f"/internal/broadcasts/{broadcast_id}/viewers",
            offer_sdp.encode(),
            {CLIENT_HEADER: client},
        )
        if status != 201:
            raise StreamEnded
        return Answer(str(body["session"]), str(body["answer"]))

    async def end_whep(self, broadcast_id: int, session: str) -> bool:
        return await self._end_session(broadcast_id, f"viewers/{session}")

    async def report(self, broadcast_id: int, *, health: bool) -> dict[str, Any] | None:
        """Anyone's poll reads the viewer count the node writes to the database; only the
        owner's (with the pipeline's health) reaches the node."""
        placement = await asyncio.to_thread(self._owner, broadcast_id)
        if placement is None:
            return None
        if not health:
            viewers = await sync_to_async(_viewers)(broadcast_id)
            if viewers is None:
                return None
            body: dict[str, Any] = {"viewers": viewers}
            places = await self._janus_places(placement, broadcast_id)
            if places:
                body["janus"] = places  # where players watch (large audiences)
            return body
        return await self._node_report(placement, broadcast_id)

    def ice_servers(self, tag: str) -> list[dict[str, Any]]:
        return ice_servers(
            self.stun_servers,
            settings.CIASOM_TURN_URLS,
            settings.CIASOM_TURN_SECRET,
            settings.CIASOM_TURN_TTL,
            f"{tag}-{secrets.token_hex(4)}",
        )

    # -- from the platform's signals, after the commit --------------------------------------

    def apply_settings(self, broadcast_id: int) -> None:
        self._publish(SETTINGS, broadcast_id)

    def end(self, broadcast_id: int) -> None:
        self._publish(ENDED, broadcast_id)

    # -- helpers --------------------------------------------------------------------------

    async def _janus_places(self, placement: Placement, broadcast_id: int) -> list[dict[str, Any]]:
        """The Janus places of a broadcast, as its node last told this worker: every
        viewer's poll asks, the node is asked at most every `PLACES_FOR` seconds."""
        now = time.monotonic()
        asked = self._places.get(broadcast_id)
        if asked is None or now - asked[0] >= PLACES_FOR:
            for stale in [k for k, (at, _) in self._places.items() if now - at >= PLACES_FOR]:
                del self._places[stale]
            asked = (now, asyncio.ensure_future(self._node_report(placement, broadcast_id)))
            self._places[broadcast_id] = asked
        report = await asyncio.shield(asked[1])
        return list(report.get("janus", [])) if report else []  # none: WHEP on the node

    async def _node_report(self, placement: Placement, broadcast_id: int) -> dict[str, Any] | None:
        """The node's report on a broadcast (the pipeline's health, its Janus places), or
        None when the node holds no such broadcast or is too busy to say."""
        try:
            status, body = await self._call(
                placement, "GET", f"/internal/broadcasts/{broadcast_id}"
            )
        except ServerBusy:
            return None
        return body if status == 200 else None

    def _publish(self, kind: str, broadcast_id: int) -> None:
        """After a commit: a Redis outage must not fail the request that committed. The
        nodes re-read everything they hold once their own subscription is back."""
        try:
            self.bus.publish(kind, broadcast_id)
        except redis.RedisError as error:
            logger.error("control event %s for broadcast %s lost: %s", kind, broadcast_id, error)

    def _owner(self, broadcast_id: int) -> Placement | None:
        try:
            return self.registry.owner(broadcast_id)
        except redis.RedisError as error:
            logger.error("node registry: %s", error)
            return None

    async def _end_session(self, broadcast_id: int, path: str) -> bool:
        placement = await asyncio.to_thread(self._owner, broadcast_id)
        if placement is None:
            return False
        status, _ = await self._call(
            placement, "DELETE", f"/internal/broadcasts/{broadcast_id}/{path}"
        )
        return status == 200

    @staticmethod
    async def _call(
        placement: Placement,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, dict[str, Any]]:
        try:
            return await asyncio.to_thread(call, placement.address, method, path, body, headers)
        except NodeUnreachable as error:
            logger.warning("node %s unreachable: %s", placement.node, error)
            raise ServerBusy(f"media node {placement.node} is unreachable") from error


def _viewers(broadcast_id: int) -> int | None:
    return (
        Broadcast.objects.filter(pk=broadcast_id, is_live=True)
        .values_list("viewers", flat=True)
        .first()
    )
