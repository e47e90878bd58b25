"""One live broadcast: the publisher's peer connection (WHIP), its media paths, its viewers.

A :class:`LiveStream` wires three objects together and owns their lifecycle:

* :class:`~ciasom.media.pipeline.VideoPipeline` — convert → privacy delay → render (or cover
  whole: raw video never leaves, DESIGN §1) → encode once per codec;
* :class:`~ciasom.media.audio.AudioPipeline` — the same delay, one Opus encode;
* :class:`~ciasom.media.relay.Relay` — the viewers (WHEP) and the fan-out of the packets;
* :class:`~ciasom.media.audience.JanusAudience` — when Janus hosts are configured, the same
  packets forwarded to a Janus mountpoint per host, for audiences beyond the relay's cap.

Both media are stamped from one wall clock anchored at the stream's start, so viewers'
players keep them in sync. ``docs/frame-path.md`` follows one frame through these modules.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamTrack

from ciasom.engine.settings import DEFAULT_PRIVACY_DELAY_MS

from .aiortc_patches import pass_audio_on_at_once
from .audience import JanusAudience, JanusHost
from .audio import AudioPipeline
from .fanout import FanOut
from .limits import CONNECT_TIMEOUT, MAX_PENDING, MAX_VIEWERS
from .pipeline import RENDER_BUDGET, VideoPipeline
from .processor import FrameProcessor
from .relay import Relay, Viewer
from .sdp import OfferError, check_offer
from .shutdown import within

logger = logging.getLogger(__name__)


class StreamEnded(Exception):
    """The broadcast is over (or over before it began)."""


class LiveStream:
    """A broadcast from :meth:`publish` until :meth:`close`; see the module docstring.

    Callbacks run on the event loop: ``on_ended`` once when the broadcast ends (publisher
    gone, DELETE, or shutdown), ``on_viewers`` when the viewer count changes,
    ``on_thumbnail`` with a JPEG of a *processed* frame every few seconds.
    """

    def __init__(
        self,
        key: str,
        processor: FrameProcessor,
        configuration: RTCConfiguration,
        *,
        max_viewers: int = MAX_VIEWERS,
        max_pending: int = MAX_PENDING,
        connect_timeout: float = CONNECT_TIMEOUT,
        render_budget: float = RENDER_BUDGET,
        privacy_delay: float = DEFAULT_PRIVACY_DELAY_MS / 1000,
        on_ended: Callable[[LiveStream], object] | None = None,
        on_viewers: Callable[[LiveStream], object] | None = None,
        on_thumbnail: Callable[[LiveStream, bytes], object] | None = None,
        janus: Sequence[JanusHost] = (),
        janus_codec: str = "video/VP8",
    ) -> None:
        self.key = key
        self.session_id = secrets.token_urlsafe(16)
        self.processor = processor
        self.connect_timeout = connect_timeout
        self.ended = asyncio.Event()  # set once everything is released and on_ended ran
        self.started = time.time()
        self._configuration = configuration
        self._on_ended = on_ended
        self._pc: RTCPeerConnection | None = None
        self._tracks: set[str] = set()  # kinds of the publisher's tracks being carried
        self._tasks: set[asyncio.Task[None]] = set()
        self._closing: asyncio.Task[None] | None = None
        self._janus: asyncio.Future[None] | None = None  # the audience's mountpoints being made
        self.relay = Relay(
            key,
            configuration,
            max_viewers=max_viewers,
            max_pending=max_pending,
            connect_timeout=connect_timeout,
            request_keyframe=lambda mime: self.video.request_keyframe(mime),
            on_viewers=lambda: self._notify(on_viewers),
        )
        self.audience = JanusAudience(
            key,
            list(janus),
            janus_codec,
            request_keyframe=lambda mime: self.video.request_keyframe(mime),
            on_viewers=lambda: self._notify(on_viewers),
        )
        self.fanout = FanOut([self.relay, self.audience])
        origin = time.monotonic()
        self.video = VideoPipeline(
            key,
            processor,
            origin=origin,
            render_budget=render_budget,
            privacy_delay=privacy_delay,
            codecs=self.fanout.codecs,
            on_packets=self.fanout.send_video,
            on_thumbnail=lambda jpeg: self._notify(on_thumbnail, jpeg),
        )
        self.audio = AudioPipeline(
            key,
            origin=origin,
            privacy_delay=privacy_delay,
            listening=self.fanout.listening,
            on_packets=self.fanout.send_audio,
        )
        self.privacy_delay = privacy_delay

    # -- publishing ---------------------------------------------------------------------

    async def publish(self, offer_sdp: str) -> str:
        """Answer the publisher's WHIP offer; media starts flowing once ICE connects.

        A publisher that has not connected ``connect_timeout`` seconds after its answer
        never will (no candidates reached us): the broadcast ends, so it is not left "live"
        and the publisher's retry is not refused with 409.
        """
        check_offer(offer_sdp, publish=True)
        pc = RTCPeerConnection(self._configuration)
        self._pc = pc
        deadline = asyncio.get_running_loop().call_later(
            self.connect_timeout, self._publisher_timed_out
        )

        @pc.on("track")
        def on_track(track: MediaStreamTrack) -> None:
            if track.kind in self._tracks or track.kind not in ("video", "audio"):
                return
            self._tracks.add(track.kind)
            if track.kind == "video":
                self._spawn(self._carry(self.video.run(track)), "video")
            else:
                pass_audio_on_at_once(pc, track)
                self._spawn(self.audio.run(track), "audio")

        @pc.on("connectionstatechange")
        def on_state() -> None:
            if pc.connectionState == "connected":
                deadline.cancel()
            elif pc.connectionState in ("failed", "closed"):
                if pc.connectionState == "failed" and pc.iceConnectionState == "completed":
                    logger.warning(
                        "stream %s: the publisher reached us but its DTLS handshake failed: "
                        "a certificate or cipher suite we refuse (FFmpeg built with GnuTLS: "
                        "give it a P-256 -cert_file, README)",
                        self.key,
                    )
                self.end()

        try:
            await pc.setRemoteDescription(RTCSessionDescription(offer_sdp, "offer"))
            await pc.setLocalDescription(await pc.createAnswer())
        except Exception as error:
            deadline.cancel()
            await self.close()
            raise OfferError(f"cannot answer the offer: {error}") from error
        # Beside the answer, not before it (a Janus host that does not answer must not hold
        # the publisher up); the mountpoints exist long before the privacy delay has passed.
        self._janus = asyncio.ensure_future(self.audience.start())
        return pc.localDescription.sdp

    async def _carry(self, video: Coroutine[Any, Any, None]) -> None:
        """The publisher's video ends the broadcast when it ends."""
        try:
            await video
        finally:
            self.end()

    def _publisher_timed_out(self) -> None:
        if not self.closing:
            logger.info("stream %s: no publisher in %.0f s; ending", self.key, self.connect_timeout)
            self.end()

    # -- watching -----------------------------------------------------------------------

    async def watch(self, offer_sdp: str, *, client: str = "") -> Viewer:
        """Answer a viewer's WHEP offer with our shared encoders' output (see ``relay``).

        Raises :class:`StreamEnded`, :class:`~ciasom.media.relay.ViewerLimitReached` or
        :class:`~ciasom.media.sdp.OfferError`.
        """
        if self.closing:
            raise StreamEnded
        viewer = await self.relay.answer(offer_sdp, client=client)
        if self.closing:  # ended while the offer was being answered
            await viewer.pc.close()
            raise StreamEnded
        self.relay.add(viewer)
        return viewer

    async def leave(self, viewer_id: str) -> None:
        """Drop a viewer and release its peer connection (WHEP DELETE or disconnect)."""
        await self.relay.leave(viewer_id)

    @property
    def viewers(self) -> dict[str, Viewer]:
        return self.relay.viewers

    @property
    def viewer_count(self) -> int:
        """Viewers whose media is flowing: the relay's connected ones and Janus's."""
        return self.fanout.viewer_count

    @property
    def pending(self) -> int:
        """Viewers still connecting, and viewer offers being answered."""
        return self.relay.pending

    # -- lifecycle ----------------------------------------------------------------------

    def end(self) -> None:
        """End the broadcast without waiting (safe from callbacks)."""
        if self._closing is None:
            self.video.stop()
            self._closing = asyncio.ensure_future(self._close())

    async def close(self) -> None:
        """End the broadcast and wait until every peer, task and thread of it is released."""
        self.end()
        assert self._closing is not None
        await asyncio.shield(self._closing)

    @property
    def privacy_delay(self) -> float:
        """Seconds every frame waits before it leaves (a broadcast setting; applies live)."""
        return self.video.delay

    @privacy_delay.setter
    def privacy_delay(self, seconds: float) -> None:
        self.video.delay = self.audio.delay = seconds

    @property
    def closing(self) -> bool:
        """True from the moment the broadcast starts ending: no new viewer may join."""
        return self._closing is not None

    async def _close(self) -> None:
        try:
            await self.relay.close()
            if self._janus is not None:  # awaited, not cancelled: no mountpoint is left behind
                await within(self._janus, self.key)
            await self.audience.close()  # Janus hangs up on its viewers: "ended"
            await self.video.close()
            for task in self._tasks:
                task.cancel()
            # Bounded: a peer connection whose close never returns (aiortc) must not keep
            # the broadcast, its slot and its engine forever.
            await within(asyncio.gather(*self._tasks, return_exceptions=True), self.key)
            if self._pc is not None:
                await within(self._pc.close(), self.key)
            self.video.shutdown()
            await asyncio.to_thread(self.processor.close)
        except Exception:
            logger.exception("stream %s did not close cleanly", self.key)
        finally:
            self._notify(self._on_ended)
            self.ended.set()

    def status(self) -> dict[str, Any]:
        """Live health for the host page: rates, stage timings, engine stats."""
        try:
            engine = self.processor.stats()
        except Exception:
            engine = {"error": True}
        return {
            "live": not self.closing,
            "viewers": self.viewer_count,
            "privacy_delay_ms": round(self.privacy_delay * 1000),
            **self.video.status(),
            "codecs": sorted(self.fanout.codecs()),
            "janus": self.audience.places(),
            "engine": engine,
        }

    # -- helpers --------------------------------------------------------------------------

    def _spawn(self, coroutine: Coroutine[Any, Any, None], name: str) -> None:
        task = asyncio.create_task(coroutine, name=f"{name}-{self.key}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _notify(self, callback: Callable[..., object] | None, *args: Any) -> None:
        if callback is None:
            return
        try:
            callback(self, *args)
        except Exception:
            logger.exception("stream %s: callback %r failed", self.key, callback)
