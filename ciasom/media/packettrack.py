"""A viewer's outgoing track that yields already-encoded packets.

``RTCRtpSender`` passes an :class:`av.Packet` from ``recv()`` straight to its codec's
``pack()``: no per-viewer encode. Each viewer gets its own small queue so one slow viewer
cannot hold back the others; when it overflows, the viewer skips ahead to the next
keyframe (a decoder cannot resume from the middle of a group of pictures).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import av
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

QUEUE_LIMIT = 60  # packets: ~2 s of video or ~1 s of audio; beyond that we are behind


class PacketTrack(MediaStreamTrack):
    """Outgoing track fed by :meth:`put`; ``on_keyframe_needed`` asks the shared encoder."""

    def __init__(self, kind: str) -> None:
        super().__init__()
        self.kind = kind
        self.sent = 0
        self.skipped = 0
        self.on_keyframe_needed: Callable[[], None] = lambda: None
        self._queue: asyncio.Queue[av.Packet[Any] | None] = asyncio.Queue()
        self._awaiting_keyframe = kind == "video"

    def put(self, packet: av.Packet[Any]) -> None:
        """Queue one packet (called on the event loop by the stream's fan-out)."""
        if self.readyState != "live":
            return
        if self._awaiting_keyframe:
            if not packet.is_keyframe:
                self.skipped += 1
                return
            self._awaiting_keyframe = False
        if self._queue.qsize() >= QUEUE_LIMIT:
            self.skipped += self._queue.qsize()
            while not self._queue.empty():
                self._queue.get_nowait()
            if self.kind == "video":
                self._awaiting_keyframe = not packet.is_keyframe
                if self._awaiting_keyframe:
                    self.skipped += 1
                    self.on_keyframe_needed()
                    return
        self._queue.put_nowait(packet)

    async def recv(self) -> av.Packet[Any]:
        if self.readyState != "live":
            raise MediaStreamError
        packet = await self._queue.get()
        if packet is None:
            raise MediaStreamError
        self.sent += 1
        return packet

    def stop(self) -> None:
        if self.readyState == "live":
            self._queue.put_nowait(None)
        super().stop()
