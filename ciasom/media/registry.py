"""The per-process set of live streams, owned by the web app (no module-global state).

Each ASGI worker process holds its own registry; a broadcast lives in the process that
accepted its WHIP offer, so serving uses one process (``ciasom serve``).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable, Sequence

from aiortc import RTCConfiguration

from .audience import JanusHost
from .limits import (
    CONNECT_TIMEOUT,
    MAX_PENDING,
    MAX_SESSIONS,
    MAX_SESSIONS_PER_CLIENT,
    MAX_VIEWERS,
)
from .processor import FrameProcessor
from .relay import Viewer
from .stream import LiveStream, StreamEnded

MAX_STREAMS = 1000  # broadcasts per process unless told (settings: CIASOM_MAX_STREAMS)


class AlreadyLive(Exception):
    """A publisher is already live on this broadcast."""


class ServerBusy(Exception):
    """This process already holds ``max_streams`` broadcasts or ``max_sessions`` peer
    connections (or, in a cluster, every media node is full)."""


class TooManySessions(Exception):
    """This client address already holds ``max_sessions_per_client`` viewer sessions."""


class MediaRegistry:
    """Live streams by broadcast key; a stream leaves the registry when it ends.

    Every peer connection costs memory, ports and CPU whether or not it ever connects, so
    besides each broadcast's viewer cap the process bounds its sessions in all
    (``max_sessions``: publishers and viewers) and per client address.
    """

    def __init__(
        self,
        configuration: RTCConfiguration,
        *,
        max_viewers: int = MAX_VIEWERS,
        max_pending: int = MAX_PENDING,
        connect_timeout: float = CONNECT_TIMEOUT,
        max_sessions: int = MAX_SESSIONS,
        max_sessions_per_client: int = MAX_SESSIONS_PER_CLIENT,
        max_streams: int = MAX_STREAMS,
        janus: Sequence[JanusHost] = (),
        janus_codec: str = "video/VP8",
    ) -> None:
        self.configuration = configuration
        self.max_viewers = max_viewers
        self.max_pending = max_pending
        self.connect_timeout = connect_timeout
        self.max_sessions = max_sessions
        self.max_sessions_per_client = max_sessions_per_client
        self.max_streams = max_streams
        self.janus = list(janus)  # every broadcast is also forwarded to these Janus hosts
        self.janus_codec = janus_codec
        self._streams: dict[str, LiveStream] = {}
        self._joining: Counter[str] = Counter()  # viewer offers being answered, by client

    def get(self, key: str) -> LiveStream | None:
        stream = self._streams.get(key)
        return None if stream is None or stream.closing else stream

    def __len__(self) -> int:
        return len(self._streams)

    def full(self) -> bool:
        """No room for another broadcast: the next publisher is refused (503)."""
        return len(self._streams) >= self.max_streams or self.sessions() >= self.max_sessions

    def sessions(self, client: str | None = None) -> int:
        """Peer connections held: all of them, or the viewers of one client address."""
        if client is None:
            held = sum(1 + len(s.viewers) for s in self._streams.values())
            return held + self._joining.total()
        viewers = (v for s in self._streams.values() for v in s.viewers.values())
        return sum(1 for v in viewers if v.client == client) + self._joining[client]

    async def watch(self, key: str, offer_sdp: str, client: str) -> Viewer:
        """Answer a viewer's WHEP offer for broadcast ``key`` from address ``client``.

        Raises :class:`ServerBusy`, :class:`TooManySessions`,
        :class:`~ciasom.media.stream.StreamEnded`,
        :class:`~ciasom.media.relay.ViewerLimitReached` or
        :class:`~ciasom.media.sdp.OfferError`.
        """
        stream = self.get(key)
        if stream is None:
            raise StreamEnded
        if self.sessions() >= self.max_sessions:
            raise ServerBusy
        if self.sessions(client) >= self.max_sessions_per_client:
            raise TooManySessions(client)
        self._joining[client] += 1
        try:
            return await stream.watch(offer_sdp, client=client)
        finally:
            self._joining[client] -= 1
            if not self._joining[client]:
                del self._joining[client]

    async def publish(
        self,
        key: str,
        offer_sdp: str,
        processor: FrameProcessor,
        *,
        on_ended: Callable[[LiveStream], object] | None = None,
        on_viewers: Callable[[LiveStream], object] | None = None,
        on_thumbnail: Callable[[LiveStream, bytes], object] | None = None,
    ) -> tuple[LiveStream, str]:
        """Start the broadcast ``key`` from a WHIP offer; returns the stream and SDP answer.

        Raises :class:`AlreadyLive` or :class:`ServerBusy` (the processor is then closed),
        or :class:`~ciasom.media.sdp.OfferError`.
        """
        if self.get(key) is not None:
            processor.close()
            raise AlreadyLive(key)
        if self.full():
            processor.close()
            raise ServerBusy

        def ended(stream: LiveStream) -> None:
            if self._streams.get(key) is stream:
                del self._streams[key]
            if on_ended is not None:
                on_ended(stream)

        stream = LiveStream(
            key,
            processor,
            self.configuration,
            max_viewers=self.max_viewers,
            max_pending=self.max_pending,
            connect_timeout=self.connect_timeout,
            on_ended=ended,
            on_viewers=on_viewers,
            on_thumbnail=on_thumbnail,
            janus=self.janus,
            janus_codec=self.janus_codec,
        )
        self._streams[key] = stream
        try:
            answer = await stream.publish(offer_sdp)
        except BaseException:
            self._streams.pop(key, None)
            raise
        return stream, answer

    async def close(self) -> None:
        """End every stream (process shutdown)."""
        await asyncio.gather(*(s.close() for s in list(self._streams.values())))
