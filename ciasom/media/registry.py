"""The per-process set of live streams, owned by the web app (no module-global state).

Each ASGI worker process holds its own registry; a broadcast lives in the process that
accepted its WHIP offer, so serving uses one process (``ciasom serve``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from aiortc import RTCConfiguration

from .processor import FrameProcessor
from .stream import LiveStream


class AlreadyLive(Exception):
    """A publisher is already live on this broadcast."""


class MediaRegistry:
    """Live streams by broadcast key; a stream leaves the registry when it ends."""

    def __init__(self, configuration: RTCConfiguration, *, max_viewers: int = 50) -> None:
        self.configuration = configuration
        self.max_viewers = max_viewers
        self._streams: dict[str, LiveStream] = {}

    def get(self, key: str) -> LiveStream | None:
        stream = self._streams.get(key)
        return None if stream is None or stream.closing else stream

    def __len__(self) -> int:
        return len(self._streams)

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

        Raises :class:`AlreadyLive` (the processor is then closed) or
        :class:`~ciasom.media.sdp.OfferError`.
        """
        if self.get(key) is not None:
            processor.close()
            raise AlreadyLive(key)

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
            on_ended=ended,
            on_viewers=on_viewers,
            on_thumbnail=on_thumbnail,
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
