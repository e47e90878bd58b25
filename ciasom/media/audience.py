"""A broadcast's large audience: its processed stream forwarded to one or more Janus hosts.

Beside the node's own WHEP viewers (:class:`~ciasom.media.relay.Relay`, capped), a broadcast
can be put on Janus: one private Streaming mountpoint per configured Janus host, each fed
the very packets WHEP viewers get (:class:`~ciasom.media.rtpout.RtpOut`; nothing raw). The
node's cost is one packetize-and-send per host, whatever the audience; Janus does the
per-viewer work. The player page picks one of :meth:`JanusAudience.places` at random, so
viewers spread over the hosts; the count shown is the sum Janus reports.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import av

from .janus import NO_SUCH_MOUNTPOINT, JanusApi, JanusError
from .rtpout import RtpOut, new_srtp_key

logger = logging.getLogger(__name__)

VIEWER_POLL = 3.0  # seconds between viewer counts read from Janus


@dataclass(frozen=True)
class JanusHost:
    """One Janus host: the API the node calls, and the URL browsers use (through nginx)."""

    api: JanusApi
    public_url: str


def janus_hosts(urls: list[str], public_urls: list[str], admin_key: str) -> list[JanusHost]:
    """The configured hosts (``CIASOM_JANUS_URL``/``_PUBLIC_URL``, same order; a missing
    public URL means browsers reach the API at the node's URL)."""
    return [
        JanusHost(JanusApi(url, admin_key), public_urls[i] if i < len(public_urls) else url)
        for i, url in enumerate(urls)
    ]


@dataclass
class _Feed:
    host: JanusHost
    out: RtpOut
    viewers: int = 0


class JanusAudience:
    """One broadcast on Janus, from :meth:`start` to :meth:`close` (event loop only).

    ``request_keyframe(mime)`` is called once a mountpoint exists, so Janus holds a
    keyframe for its first viewers; ``on_viewers()`` when the count Janus reports changes.
    """

    def __init__(
        self,
        key: str,
        hosts: list[JanusHost],
        video_mime: str,
        *,
        request_keyframe: Callable[[str], None],
        on_viewers: Callable[[], None],
    ) -> None:
        self.key = key
        self.video_mime = video_mime
        self._hosts = hosts
        self._request_keyframe = request_keyframe
        self._on_viewers = on_viewers
        self._feeds: list[_Feed] = []
        self._poll: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Create a mountpoint on every host that answers; a host that fails is left out
        (logged): its viewers watch on the others, or over WHEP when none is left."""
        for host in self._hosts:
            key = new_srtp_key()
            try:
                mountpoint = await host.api.create_mountpoint(
                    f"ciasom-{self.key}", self.video_mime, key
                )
            except JanusError as error:
                logger.warning("broadcast %s: janus %s refused: %s", self.key, host.api.url, error)
                continue
            out = RtpOut(mountpoint, self.video_mime, key)
            try:
                await out.open()
            except OSError as error:  # the host's name does not resolve, no route
                logger.warning("broadcast %s: cannot send to %s: %s", self.key, host.api.url, error)
                await self._destroy(host, out)
                continue
            self._feeds.append(_Feed(host, out))
        if self._feeds:
            self._request_keyframe(self.video_mime)
            self._poll = asyncio.create_task(self._count(), name=f"janus-viewers-{self.key}")

    @property
    def codecs(self) -> set[str]:
        """The video codec the mountpoints carry (an encoder must run for it)."""
        return {self.video_mime} if self._feeds else set()

    def listening(self) -> bool:
        """Audio goes to Janus whenever a mountpoint exists."""
        return bool(self._feeds)

    @property
    def viewer_count(self) -> int:
        return sum(feed.viewers for feed in self._feeds)

    def places(self) -> list[dict[str, Any]]:
        """Where a player may watch: each host's public API URL and the mountpoint id."""
        return [{"url": f.host.public_url, "mountpoint": f.out.mountpoint.id} for f in self._feeds]

    def send_video(self, mime: str, packets: list[av.Packet[Any]]) -> None:
        if mime == self.video_mime:
            for feed in self._feeds:
                feed.out.video(packets)

    def send_audio(self, packets: list[av.Packet[Any]]) -> None:
        for feed in self._feeds:
            feed.out.audio(packets)

    async def close(self) -> None:
        """Destroy the mountpoints (Janus hangs up on their viewers) and stop sending."""
        if self._poll is not None:
            self._poll.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._poll
        feeds, self._feeds = self._feeds, []
        for feed in feeds:
            await self._destroy(feed.host, feed.out)

    async def _destroy(self, host: JanusHost, out: RtpOut) -> None:
        out.close()
        try:
            await host.api.destroy_mountpoint(out.mountpoint)
        except JanusError as error:
            logger.warning("broadcast %s: mountpoint not destroyed: %s", self.key, error)

    async def _count(self) -> None:
        while True:
            await asyncio.sleep(VIEWER_POLL)
            before = self.viewer_count
            for feed in list(self._feeds):
                try:
                    feed.viewers = await feed.host.api.viewers(feed.out.mountpoint)
                except JanusError as error:
                    if error.code != NO_SUCH_MOUNTPOINT:
                        logger.info("broadcast %s: no viewer count: %s", self.key, error)
                        continue
                    # The host restarted: no player is sent there any more (WHEP or the
                    # other hosts take them).
                    logger.warning(
                        "broadcast %s: %s lost its mountpoint", self.key, feed.host.api.url
                    )
                    feed.out.close()
                    self._feeds.remove(feed)
            if self.viewer_count != before:
                self._on_viewers()
