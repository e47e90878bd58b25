"""A broadcast's viewers (WHEP) and the fan-out of its encoded packets to them.

Like aiortc's ``MediaRelay``/``RelayStreamTrack``, one source feeds many viewers — but what
is relayed is *packets*, encoded once per codec by the
:class:`~ciasom.media.pipeline.VideoPipeline`: each viewer's
:class:`~ciasom.media.packettrack.PacketTrack` only queues them, so N viewers cost one encode.

Only connected viewers count against ``max_viewers``. Viewers still connecting (and offers
being answered) are bounded by ``max_pending``, and each one leaves when it has not connected
``connect_timeout`` seconds after its answer: offers whose ICE never completes cannot hold the
broadcast's slots.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

import av
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription

from .aiortc_patches import route_keyframe_requests
from .limits import CONNECT_TIMEOUT, MAX_PENDING, MAX_VIEWERS
from .packettrack import PacketTrack
from .sdp import OfferError, check_offer, negotiated_video, video_codec_preferences
from .shutdown import within

logger = logging.getLogger(__name__)


class ViewerLimitReached(Exception):
    """The broadcast already has ``max_viewers`` viewers, or ``max_pending`` still connecting."""


@dataclass
class Viewer:
    """One WHEP session: its peer connection, our answer and the tracks we feed it."""

    id: str
    pc: RTCPeerConnection
    answer: str
    mime_type: str
    video: PacketTrack
    audio: PacketTrack | None
    client: str = ""  # the client's address, for the per-client session cap
    connected: bool = False
    deadline: asyncio.TimerHandle | None = None  # leaves unless connected by then


class Relay:
    """The viewers of one broadcast, from :meth:`answer` and :meth:`add` to :meth:`leave`.

    ``request_keyframe(mime)`` is called when a viewer joins or its decoder lost the
    picture; ``on_viewers()`` when the connected count changes. Both run on the event loop.
    """

    def __init__(
        self,
        key: str,
        configuration: RTCConfiguration,
        *,
        max_viewers: int = MAX_VIEWERS,
        max_pending: int = MAX_PENDING,
        connect_timeout: float = CONNECT_TIMEOUT,
        request_keyframe: Callable[[str], None],
        on_viewers: Callable[[], None],
    ) -> None:
        self.key = key
        self.max_viewers = max_viewers
        self.max_pending = max_pending
        self.connect_timeout = connect_timeout
        self.viewers: dict[str, Viewer] = {}
        self._configuration = configuration
        self._request_keyframe = request_keyframe
        self._on_viewers = on_viewers
        self._answering = 0  # viewer offers being answered (not in ``viewers`` yet)
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def viewer_count(self) -> int:
        """Viewers whose media is flowing (connecting ones are not counted yet)."""
        return sum(1 for v in self.viewers.values() if v.connected)

    @property
    def pending(self) -> int:
        """Viewers still connecting, and viewer offers being answered."""
        return len(self.viewers) - self.viewer_count + self._answering

    @property
    def codecs(self) -> set[str]:
        """The video codecs (mime types) the viewers negotiated: one encoder each."""
        return {v.mime_type for v in self.viewers.values()}

    def listening(self) -> bool:
        """Whether any connected viewer takes audio."""
        return any(v.connected and v.audio for v in self.viewers.values())

    async def answer(self, offer_sdp: str, *, client: str = "") -> Viewer:
        """Answer a WHEP offer; the viewer is not in :attr:`viewers` until :meth:`add`.

        Raises :class:`ViewerLimitReached` or :class:`~ciasom.media.sdp.OfferError`.
        """
        if self.viewer_count >= self.max_viewers or self.pending >= self.max_pending:
            raise ViewerLimitReached
        check_offer(offer_sdp, publish=False)
        pc = RTCPeerConnection(self._configuration)
        self._answering += 1
        try:
            await pc.setRemoteDescription(RTCSessionDescription(offer_sdp, "offer"))
            video = PacketTrack("video")
            audio = None
            for transceiver in pc.getTransceivers():
                if transceiver.kind == "video" and transceiver.sender.track is None:
                    transceiver.setCodecPreferences(video_codec_preferences())
            sender = pc.addTrack(video)
            if any(t.kind == "audio" for t in pc.getTransceivers()):
                audio = PacketTrack("audio")
                pc.addTrack(audio)
            await pc.setLocalDescription(await pc.createAnswer())
            mime = negotiated_video(pc.localDescription.sdp)
        except Exception as error:
            await pc.close()
            if isinstance(error, OfferError):
                raise
            raise OfferError(f"cannot answer the offer: {error}") from error
        finally:
            self._answering -= 1
        # A viewer that fell behind, and PLI/FIR from its decoder, must reach the shared
        # encoder, not the sender's own (unused) one.
        video.on_keyframe_needed = lambda: self._request_keyframe(mime)
        route_keyframe_requests(sender, video.on_keyframe_needed)
        viewer_id = secrets.token_urlsafe(12)
        return Viewer(viewer_id, pc, pc.localDescription.sdp, mime, video, audio, client)

    def add(self, viewer: Viewer) -> None:
        """Start relaying to an answered viewer once it connects (or drop it if it never does)."""
        viewer.deadline = asyncio.get_running_loop().call_later(
            self.connect_timeout, self._timed_out, viewer.id
        )
        self.viewers[viewer.id] = viewer
        pc = viewer.pc

        @pc.on("connectionstatechange")
        def on_state() -> None:
            if pc.connectionState == "connected" and not viewer.connected:
                if self.viewer_count >= self.max_viewers:  # pending viewers raced past the cap
                    self._spawn(self.leave(viewer.id))
                    return
                viewer.connected = True
                self._request_keyframe(viewer.mime_type)
                self._on_viewers()
            elif pc.connectionState in ("failed", "closed"):
                self._spawn(self.leave(viewer.id))

    def send_video(self, mime: str, packets: list[av.Packet[Any]]) -> None:
        """Queue one frame's packets, encoded in ``mime``, for every connected viewer of it."""
        for viewer in self.viewers.values():
            if viewer.connected and viewer.mime_type == mime:
                for packet in packets:
                    viewer.video.put(packet)

    def send_audio(self, packets: list[av.Packet[Any]]) -> None:
        """Queue audio packets for every connected viewer that takes audio."""
        for viewer in self.viewers.values():
            if viewer.connected and viewer.audio:
                for packet in packets:
                    viewer.audio.put(packet)

    async def leave(self, viewer_id: str) -> None:
        """Drop a viewer and release its peer connection (WHEP DELETE or disconnect)."""
        viewer = self.viewers.pop(viewer_id, None)
        if viewer is None:
            return
        if viewer.deadline is not None:
            viewer.deadline.cancel()
        viewer.video.stop()
        if viewer.audio:
            viewer.audio.stop()
        await within(viewer.pc.close(), self.key)
        if viewer.connected:
            self._on_viewers()

    async def close(self) -> None:
        """Every viewer leaves; waits (bounded) for departures already under way."""
        for viewer_id in list(self.viewers):
            await self.leave(viewer_id)
        # Awaited, never cancelled: a cancelled waiter inside RTCPeerConnection.close()
        # breaks the close it waits for.
        await within(asyncio.gather(*self._tasks, return_exceptions=True), self.key)

    def _timed_out(self, viewer_id: str) -> None:
        viewer = self.viewers.get(viewer_id)
        if viewer is not None and not viewer.connected:
            logger.info(
                "stream %s: viewer not connected in %.0f s; dropped", self.key, self.connect_timeout
            )
            self._spawn(self.leave(viewer_id))

    def _spawn(self, coroutine: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(coroutine, name=f"leave-{self.key}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
