"""What the WHIP/WHEP views ask of the media, wherever it runs.

Two implementations: :class:`~ciasom.live.service.LiveService` (the media in this process:
``ciasom serve`` and a media node) and :class:`~ciasom.cluster.media.ClusterMedia` (the web
tier: placement in Redis, sessions on the nodes). Errors are the media layer's own
(:mod:`ciasom.media.registry`, :mod:`ciasom.media.relay`, :mod:`ciasom.media.stream`,
:mod:`ciasom.media.sdp`), so the views answer alike in both.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from ciasom.broadcasts.models import Broadcast


@dataclass(frozen=True)
class Answer:
    """A new WHIP or WHEP session: its id (the last part of its URL) and the SDP answer."""

    session: str
    sdp: str


class LiveMedia(Protocol):
    def holds(self, broadcast_id: int) -> bool:
        """Whether the broadcast's media is up (somewhere in the cluster)."""

    async def whip(self, broadcast: Broadcast, offer_sdp: str) -> Answer:
        """Start the media of a broadcast already marked live in the database."""

    async def end_whip(self, broadcast_id: int, session: str) -> bool:
        """End the broadcast if ``session`` is its WHIP session; False if it is not."""

    async def whep(self, broadcast_id: int, offer_sdp: str, client: str) -> Answer:
        """A viewer's session for the address ``client``."""

    async def end_whep(self, broadcast_id: int, session: str) -> bool:
        """Drop a viewer; False if there is no such session."""

    async def report(self, broadcast_id: int, *, health: bool) -> dict[str, Any] | None:
        """``{"viewers"}`` (and ``"health"`` when asked) of a live broadcast, else None."""

    def ice_servers(self, tag: str) -> list[dict[str, Any]]:
        """STUN/TURN servers for one client, TURN credentials minted for it."""

    def apply_settings(self, broadcast_id: int) -> None:
        """The committed settings or visible people changed: the engine follows."""

    def end(self, broadcast_id: int) -> None:
        """The broadcast was ended or deleted outside the media path: tear it down."""
