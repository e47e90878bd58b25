"""Newest-frame mailbox over an incoming track (DESIGN §5, pitfall 5).

aiortc's receiver queues every decoded frame; if the consumer is slower than the
publisher, latency grows without bound. :class:`LatestFrame` drains the track in its own
task, keeps only the newest frame and counts the ones it had to drop, so whoever reads
it always gets the present — and the publisher's track keeps flowing even when nobody
reads at all.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import cast

from aiortc.mediastreams import MediaStreamError, MediaStreamTrack
from av import VideoFrame


class LatestFrame:
    """Keeps the newest frame of ``track``; older unread frames are dropped."""

    def __init__(self, track: MediaStreamTrack) -> None:
        self.received = 0
        self.dropped = 0
        self._track = track
        self._frame: VideoFrame | None = None
        self._ended = False
        self._ready = asyncio.Event()
        self._task = asyncio.create_task(self._drain(), name=f"latest-frame-{track.id}")

    async def get(self) -> VideoFrame:
        """Wait for a frame newer than the last one returned.

        Raises :class:`MediaStreamError` once the track has ended and nothing is left.
        """
        await self._ready.wait()
        frame = self._frame
        if frame is None:
            raise MediaStreamError
        self._frame = None
        if not self._ended:
            self._ready.clear()
        return frame

    async def stop(self) -> None:
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task

    async def _drain(self) -> None:
        try:
            while True:
                frame = cast(VideoFrame, await self._track.recv())
                self.received += 1
                if self._frame is not None:
                    self.dropped += 1
                self._frame = frame
                self._ready.set()
        except MediaStreamError:
            pass
        finally:
            self._ended = True
            self._ready.set()
