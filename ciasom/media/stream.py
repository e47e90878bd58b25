"""One live broadcast: the publisher's peer connection, the covering pipeline, the viewers.

Video path, per frame (the newest one, :class:`~ciasom.media.latest.LatestFrame`):

1. on arrival: decode (aiortc's receiver) → BGR, scaled down to at most ``MAX_HEIGHT``
   lines, in the stream's *pipeline* thread; ``processor.submit`` (analysis starts at once);
   then the frame waits in the video :class:`~ciasom.media.delay.DelayLine` for the
   broadcast's ``privacy_delay``, while the frames after it are analysed;
2. when due: ``processor.render`` in the *render* thread, awaited for at most
   ``render_budget`` seconds. If it raises, overruns, returns something that is not a frame,
   or is still busy with an earlier frame, the frame goes out **whole-frame pixelated**
   (:func:`~ciasom.engine.mosaic.cover_whole_frame`) — raw video never leaves (DESIGN §1);
3. BGR → yuv420p and one encode per negotiated codec, in the pipeline thread;
4. the packets are fanned out to every viewer's :class:`~ciasom.media.packettrack.PacketTrack`.

Audio is decoded by aiortc, waits the same delay, is re-encoded once to Opus on the
stream's clock and fanned out the same way. Both media are stamped from one wall clock
anchored at their first arrival, so viewers' players keep them in sync.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import statistics
import time
from collections import deque
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import av
import cv2
import numpy as np
from aiortc import RTCConfiguration, RTCPeerConnection, RTCRtpSender, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack
from aiortc.sdp import SessionDescription

from ciasom.engine.mosaic import cover_whole_frame
from ciasom.engine.settings import DEFAULT_PRIVACY_DELAY_MS

from .clock import TrackClock
from .delay import DelayLine
from .encoder import AUDIO_CLOCK, VIDEO_CLOCK, AudioEncoder, VideoEncoder
from .latest import LatestFrame
from .packettrack import PacketTrack
from .processor import FrameProcessor
from .sdp import VIDEO_MIME_TYPES, OfferError, check_offer

logger = logging.getLogger(__name__)

RENDER_BUDGET = 0.1  # seconds the frame loop waits for the engine before covering the frame
THUMBNAIL_INTERVAL = 4.0
THUMBNAIL_WIDTH = 480
RATE_WINDOW = 2.0  # seconds over which fps are measured
CLOSE_TIMEOUT = 10.0  # seconds a peer connection or media task may take to close
MAX_HEIGHT = 720  # lines: bigger publishers (OBS sends 1080p) are scaled to fit the CPU budget
CONNECT_TIMEOUT = 10.0  # seconds a session may take from its answer to ICE+DTLS connected
MAX_PENDING = 20  # viewers still connecting, per broadcast (a burst of arrivals fits)


class ViewerLimitReached(Exception):
    """The broadcast already has ``max_viewers`` viewers, or ``max_pending`` still connecting."""


class StreamEnded(Exception):
    """The broadcast is over (or over before it began)."""


@dataclass
class Viewer:
    id: str
    pc: RTCPeerConnection
    answer: str
    mime_type: str
    video: PacketTrack
    audio: PacketTrack | None
    client: str = ""  # the client's address, for the per-client session cap
    connected: bool = False
    deadline: asyncio.TimerHandle | None = None  # leaves unless connected by then


@dataclass
class _Meter:
    """Rates and stage timings for the live health panel."""

    events: dict[str, deque[float]] = field(default_factory=dict)
    timings: dict[str, deque[float]] = field(default_factory=dict)

    def tick(self, name: str) -> None:
        now = time.monotonic()
        times = self.events.setdefault(name, deque())
        times.append(now)
        while times and times[0] < now - RATE_WINDOW:
            times.popleft()

    def rate(self, name: str) -> float:
        now = time.monotonic()
        times = [t for t in self.events.get(name, ()) if t >= now - RATE_WINDOW]
        return round(len(times) / RATE_WINDOW, 1)

    def time(self, name: str, seconds: float) -> None:
        self.timings.setdefault(name, deque(maxlen=90)).append(seconds * 1000)

    def median_ms(self, name: str) -> float | None:
        values = self.timings.get(name)
        return round(statistics.median(values), 2) if values else None


class LiveStream:
    """A broadcast from :meth:`publish` until :meth:`close`; see the module docstring.

    Callbacks run on the event loop: ``on_ended`` once when the broadcast ends (publisher
    gone, DELETE, or shutdown), ``on_viewers`` when the viewer count changes,
    ``on_thumbnail`` with a JPEG of a *processed* frame every ``THUMBNAIL_INTERVAL`` s.
    """

    def __init__(
        self,
        key: str,
        processor: FrameProcessor,
        configuration: RTCConfiguration,
        *,
        max_viewers: int = 50,
        max_pending: int = MAX_PENDING,
        connect_timeout: float = CONNECT_TIMEOUT,
        render_budget: float = RENDER_BUDGET,
        privacy_delay: float = DEFAULT_PRIVACY_DELAY_MS / 1000,
        on_ended: Callable[[LiveStream], object] | None = None,
        on_viewers: Callable[[LiveStream], object] | None = None,
        on_thumbnail: Callable[[LiveStream, bytes], object] | None = None,
    ) -> None:
        self.key = key
        self.session_id = secrets.token_urlsafe(16)
        self.processor = processor
        self.max_viewers = max_viewers
        self.max_pending = max_pending
        self.connect_timeout = connect_timeout
        self.render_budget = render_budget
        self.viewers: dict[str, Viewer] = {}
        self.ended = asyncio.Event()  # set once everything is released and on_ended ran
        self.frames_out = 0  # frames processed and handed to the viewers
        self.covered = 0  # frames that went out whole-frame pixelated (fail-closed)
        self.errors = 0  # engine exceptions
        self.started = time.time()
        self._configuration = configuration
        self._on_ended = on_ended
        self._on_viewers = on_viewers
        self._on_thumbnail = on_thumbnail
        self._pc: RTCPeerConnection | None = None
        self._answering = 0  # viewer offers being answered (not in ``viewers`` yet)
        self._tasks: set[asyncio.Task[None]] = set()
        self._closing: asyncio.Task[None] | None = None
        self._latest: LatestFrame | None = None
        self._pipeline = ThreadPoolExecutor(1, thread_name_prefix=f"pipeline-{key}")
        self._render_thread = ThreadPoolExecutor(1, thread_name_prefix=f"render-{key}")
        self._render_future: asyncio.Future[np.ndarray] | None = None
        self._encoders: dict[str, VideoEncoder] = {}
        self._keyframe_requests: set[str] = set()
        self._audio_encoder: AudioEncoder | None = None
        origin = time.monotonic()
        self._video_clock = TrackClock(origin, VIDEO_CLOCK.denominator)
        self._audio_clock = TrackClock(origin, AUDIO_CLOCK.denominator)
        self._last_thumbnail = 0.0
        self._size: tuple[int, int] | None = None  # as received
        self._sent_size: tuple[int, int] | None = None  # as processed and sent
        self._video_delay: DelayLine[tuple[np.ndarray, int, float]] = DelayLine(
            privacy_delay, drop_late=True
        )
        self._audio_delay: DelayLine[tuple[av.AudioFrame, int]] = DelayLine(
            privacy_delay, drop_late=False
        )
        self.privacy_delay = privacy_delay
        self._meter = _Meter()

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
            if track.kind == "video" and self._latest is None:
                self._spawn(self._run_video(track), "video")
            elif track.kind == "audio" and self._audio_encoder is None:
                _pass_audio_on_at_once(pc, track)
                self._audio_encoder = AudioEncoder()
                self._spawn(self._run_audio(track), "audio")

        @pc.on("connectionstatechange")
        def on_state() -> None:
            if pc.connectionState == "connected":
                deadline.cancel()
            elif pc.connectionState in ("failed", "closed"):
                self.end()

        try:
            await pc.setRemoteDescription(RTCSessionDescription(offer_sdp, "offer"))
            await pc.setLocalDescription(await pc.createAnswer())
        except Exception as error:
            deadline.cancel()
            await self.close()
            raise OfferError(f"cannot answer the offer: {error}") from error
        return pc.localDescription.sdp

    def _publisher_timed_out(self) -> None:
        if not self.closing:
            logger.info(
                "stream %s: publisher not connected in %.0f s; ending",
                self.key,
                self.connect_timeout,
            )
            self.end()

    # -- watching -----------------------------------------------------------------------

    async def watch(self, offer_sdp: str, *, client: str = "") -> Viewer:
        """Answer a viewer's WHEP offer with our shared encoders' output.

        Only connected viewers count against ``max_viewers``. Viewers still connecting (and
        offers being answered) are bounded by ``max_pending``, and each one leaves when it
        has not connected ``connect_timeout`` seconds after its answer: offers whose ICE
        never completes cannot hold the broadcast's slots.
        """
        if self.closing:
            raise StreamEnded
        if self.viewer_count >= self.max_viewers or self.pending >= self.max_pending:
            raise ViewerLimitReached
        check_offer(offer_sdp, publish=False)
        pc = RTCPeerConnection(self._configuration)
        viewer_id = secrets.token_urlsafe(12)
        self._answering += 1
        try:
            await pc.setRemoteDescription(RTCSessionDescription(offer_sdp, "offer"))
            video = PacketTrack("video")
            audio = None
            for transceiver in pc.getTransceivers():
                if transceiver.kind == "video" and transceiver.sender.track is None:
                    transceiver.setCodecPreferences(_video_codec_preferences())
            sender = pc.addTrack(video)
            if any(t.kind == "audio" for t in pc.getTransceivers()):
                audio = PacketTrack("audio")
                pc.addTrack(audio)
            await pc.setLocalDescription(await pc.createAnswer())
            mime = _negotiated_video(pc.localDescription.sdp)
        except Exception as error:
            await pc.close()
            if isinstance(error, OfferError):
                raise
            raise OfferError(f"cannot answer the offer: {error}") from error
        finally:
            self._answering -= 1
        if self.closing:  # ended while the offer was being answered
            await pc.close()
            raise StreamEnded
        # A viewer that fell behind, and PLI/FIR from its decoder, must reach the shared
        # encoder, not the sender's own (unused) one: RTCRtpSender handles PLI/FIR by
        # calling its _send_keyframe().
        video.on_keyframe_needed = lambda: self._request_keyframe(mime)
        sender._send_keyframe = video.on_keyframe_needed  # type: ignore[method-assign]
        viewer = Viewer(viewer_id, pc, pc.localDescription.sdp, mime, video, audio, client)
        viewer.deadline = asyncio.get_running_loop().call_later(
            self.connect_timeout, self._viewer_timed_out, viewer_id
        )
        self.viewers[viewer_id] = viewer
        if mime not in self._encoders:
            self._encoders[mime] = VideoEncoder(mime)

        @pc.on("connectionstatechange")
        def on_state() -> None:
            if pc.connectionState == "connected" and not viewer.connected:
                if self.viewer_count >= self.max_viewers:  # pending viewers raced past the cap
                    self._spawn(self.leave(viewer_id), "leave")
                    return
                viewer.connected = True
                self._request_keyframe(mime)
                self._notify(self._on_viewers)
            elif pc.connectionState in ("failed", "closed"):
                self._spawn(self.leave(viewer_id), "leave")

        return viewer

    def _viewer_timed_out(self, viewer_id: str) -> None:
        viewer = self.viewers.get(viewer_id)
        if viewer is not None and not viewer.connected:
            logger.info(
                "stream %s: viewer not connected in %.0f s; dropped", self.key, self.connect_timeout
            )
            self._spawn(self.leave(viewer_id), "leave")

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
        await _within(viewer.pc.close(), self.key)
        if not any(v.mime_type == viewer.mime_type for v in self.viewers.values()):
            self._encoders.pop(viewer.mime_type, None)
        if viewer.connected:
            self._notify(self._on_viewers)

    @property
    def viewer_count(self) -> int:
        """Viewers whose media is flowing (connecting ones are not counted yet)."""
        return sum(1 for v in self.viewers.values() if v.connected)

    @property
    def pending(self) -> int:
        """Viewers still connecting, and viewer offers being answered."""
        return len(self.viewers) - self.viewer_count + self._answering

    # -- lifecycle ----------------------------------------------------------------------

    def end(self) -> None:
        """End the broadcast without waiting (safe from callbacks)."""
        if self._closing is None:
            self._closing = asyncio.ensure_future(self._close())

    async def close(self) -> None:
        """End the broadcast and wait until every peer, task and thread of it is released."""
        self.end()
        assert self._closing is not None
        await asyncio.shield(self._closing)

    @property
    def privacy_delay(self) -> float:
        """Seconds every frame waits before it leaves (a broadcast setting; applies live)."""
        return self._video_delay.delay

    @privacy_delay.setter
    def privacy_delay(self, seconds: float) -> None:
        self._video_delay.delay = self._audio_delay.delay = seconds
        self.processor.set_delay(seconds)

    @property
    def closing(self) -> bool:
        """True from the moment the broadcast starts ending: no new viewer may join."""
        return self._closing is not None

    async def _close(self) -> None:
        try:
            for viewer_id in list(self.viewers):
                await self.leave(viewer_id)
            if self._latest is not None:
                await self._latest.stop()
            # Media loops are cancelled; "leave" tasks are awaited, never cancelled: a
            # cancelled waiter inside RTCPeerConnection.close() breaks the close it waits for.
            for task in self._tasks:
                if task.get_name().startswith(("video-", "audio-")):
                    task.cancel()
            # Bounded: a peer connection whose close never returns (aiortc) must not keep
            # the broadcast, its slot and its engine forever.
            await _within(asyncio.gather(*self._tasks, return_exceptions=True), self.key)
            if self._pc is not None:
                await _within(self._pc.close(), self.key)
            self._pipeline.shutdown(wait=False, cancel_futures=True)
            self._render_thread.shutdown(wait=False, cancel_futures=True)
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
            "width": self._size[0] if self._size else None,
            "height": self._size[1] if self._size else None,
            "sent_width": self._sent_size[0] if self._sent_size else None,
            "sent_height": self._sent_size[1] if self._sent_size else None,
            "privacy_delay_ms": round(self.privacy_delay * 1000),
            "fps_in": self._meter.rate("in"),
            "fps_out": self._meter.rate("out"),
            "frames_received": self._latest.received if self._latest else 0,
            "frames_dropped": (self._latest.dropped if self._latest else 0)
            + self._video_delay.dropped,
            "frames_out": self.frames_out,
            "frames_covered": self.covered,
            "engine_errors": self.errors,
            "ms": {
                stage: self._meter.median_ms(stage)
                for stage in ("convert", "render", "encode", "total")
            },
            "codecs": sorted(self._encoders),
            "engine": engine,
        }

    # -- the pipeline -------------------------------------------------------------------

    async def _run_video(self, track: MediaStreamTrack) -> None:
        self._latest = LatestFrame(track)
        self._spawn(self._send_video(), "video-out")
        try:
            while True:
                frame = await self._latest.get()
                try:
                    await self._receive(frame)
                except Exception:
                    if self.closing:
                        break  # close() shut the executors down mid-frame
                    self._frame_failed()
        except MediaStreamError:
            pass
        finally:
            self.end()

    async def _receive(self, frame: av.VideoFrame) -> None:
        """An arriving frame: to BGR, offered to the engine, into the delay line."""
        arrived = time.monotonic()
        self._meter.tick("in")
        pts = self._video_clock.stamp(frame)
        timestamp = pts / VIDEO_CLOCK.denominator  # seconds, increasing: what the engine tracks on
        loop = asyncio.get_running_loop()
        bgr = await loop.run_in_executor(self._pipeline, self._to_bgr, frame, timestamp)
        self._video_delay.put((bgr, pts, timestamp), arrived)

    async def _send_video(self) -> None:
        while True:
            bgr, pts, timestamp = await self._video_delay.get()
            try:
                await self._forward(bgr, pts, timestamp)
            except Exception:
                if self.closing:
                    break
                self._frame_failed()

    def _frame_failed(self) -> None:
        """One bad frame is skipped (nothing goes out for it); the broadcast goes on."""
        self.errors += 1
        if self.errors % 100 == 1:
            logger.exception("stream %s: frame failed (%d so far)", self.key, self.errors)

    async def _forward(self, bgr: np.ndarray, pts: int, timestamp: float) -> None:
        """One due frame through render (or cover) → encode → fan-out."""
        loop = asyncio.get_running_loop()
        started = time.perf_counter()
        processed = await self._render(bgr, timestamp)
        requests, self._keyframe_requests = self._keyframe_requests, set()
        encoders = list(self._encoders.values())
        packets, thumbnail = await loop.run_in_executor(
            self._pipeline, self._encode, bgr, processed, pts, encoders, requests
        )
        for mime, encoded in packets.items():
            for viewer in self.viewers.values():
                if viewer.connected and viewer.mime_type == mime:
                    for packet in encoded:
                        viewer.video.put(packet)
        self.frames_out += 1
        self._meter.tick("out")
        self._meter.time("total", time.perf_counter() - started)
        if thumbnail is not None and self._on_thumbnail is not None:
            self._notify(self._on_thumbnail, thumbnail)

    async def _render(self, bgr: np.ndarray, timestamp: float) -> np.ndarray | None:
        """The engine's frame, or None when the frame must be covered whole."""
        if self._render_future is not None and not self._render_future.done():
            self.covered += 1  # the engine is still stuck on an earlier frame
            return None
        loop = asyncio.get_running_loop()
        future = loop.run_in_executor(self._render_thread, self._process, bgr, timestamp)
        self._render_future = future
        try:
            processed = await asyncio.wait_for(asyncio.shield(future), self.render_budget)
        except TimeoutError:
            future.add_done_callback(_consume_exception)
            self.covered += 1
            return None
        except Exception:
            logger.exception("engine failed on a frame of %s; covering it", self.key)
            self.errors += 1
            self.covered += 1
            return None
        if (
            not isinstance(processed, np.ndarray)
            or processed.shape != bgr.shape
            or processed.dtype != np.uint8
        ):
            self.errors += 1
            self.covered += 1
            return None
        return processed

    def _process(self, bgr: np.ndarray, timestamp: float) -> np.ndarray:
        started = time.perf_counter()
        processed = self.processor.render(bgr, timestamp)
        self._meter.time("render", time.perf_counter() - started)
        return processed

    def _to_bgr(self, frame: av.VideoFrame, timestamp: float) -> np.ndarray:
        """The frame as BGR at most ``MAX_HEIGHT`` lines high, offered to the engine."""
        started = time.perf_counter()
        self._size = (frame.width, frame.height)
        if frame.height > MAX_HEIGHT:
            width = round(frame.width * MAX_HEIGHT / frame.height / 2) * 2
            bgr = frame.to_ndarray(format="bgr24", width=width, height=MAX_HEIGHT)
        else:
            bgr = frame.to_ndarray(format="bgr24")
        self._sent_size = (bgr.shape[1], bgr.shape[0])
        self._meter.time("convert", time.perf_counter() - started)
        self.processor.submit(bgr, timestamp)
        return bgr

    def _encode(
        self,
        bgr: np.ndarray,
        processed: np.ndarray | None,
        pts: int,
        encoders: list[VideoEncoder],
        keyframe_requests: set[str],
    ) -> tuple[dict[str, list[av.Packet]], bytes | None]:
        started = time.perf_counter()
        out = processed if processed is not None else cover_whole_frame(bgr)
        height, width = out.shape[:2]
        packets: dict[str, list[av.Packet]] = {}
        if encoders:
            even = out[: height - height % 2, : width - width % 2]
            yuv = cv2.cvtColor(even, cv2.COLOR_BGR2YUV_I420)
            for encoder in encoders:
                # A fresh frame per encoder: one frame object shared by encoders crashed
                # the process (pitfall 4).
                frame = av.VideoFrame.from_ndarray(yuv, format="yuv420p")
                frame.pts = pts
                frame.time_base = VIDEO_CLOCK
                packets[encoder.mime_type] = encoder.encode(
                    frame, keyframe=encoder.mime_type in keyframe_requests
                )
        thumbnail = None
        now = time.monotonic()
        if now - self._last_thumbnail >= THUMBNAIL_INTERVAL:
            self._last_thumbnail = now
            scale = THUMBNAIL_WIDTH / width
            size = (THUMBNAIL_WIDTH, round(height * scale))
            small = cv2.resize(out, size, interpolation=cv2.INTER_AREA)
            ok, jpeg = cv2.imencode(".jpg", small, [cv2.IMWRITE_JPEG_QUALITY, 80])
            thumbnail = jpeg.tobytes() if ok else None
        self._meter.time("encode", time.perf_counter() - started)
        return packets, thumbnail

    async def _run_audio(self, track: MediaStreamTrack) -> None:
        self._spawn(self._send_audio(), "audio-out")
        with contextlib.suppress(MediaStreamError):
            while True:
                frame = await track.recv()
                self._audio_delay.put((frame, self._audio_clock.stamp(frame)), time.monotonic())

    async def _send_audio(self) -> None:
        assert self._audio_encoder is not None
        while True:
            frame, pts = await self._audio_delay.get()
            listeners = [v.audio for v in self.viewers.values() if v.connected and v.audio]
            if not listeners:
                continue
            for packet in self._audio_encoder.encode(frame, pts):
                for audio in listeners:
                    audio.put(packet)

    # -- helpers --------------------------------------------------------------------------

    def _request_keyframe(self, mime: str) -> None:
        self._keyframe_requests.add(mime)

    def _spawn(self, coroutine: Any, name: str) -> None:
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


def _pass_audio_on_at_once(pc: RTCPeerConnection, track: MediaStreamTrack) -> None:
    """Stop aiortc holding the publisher's audio back ~60 ms longer than its video.

    aiortc's audio receiver releases a packet only once 4 more have arrived (~80 ms); its
    video receiver waits one frame (~33 ms). Viewers' players line the tracks up by when
    we *send* them (RTCP sender reports map RTP time to our send time), so that wait made
    viewers hear audio ~60 ms after the picture (tests/media/test_av_sync.py). Releasing
    each packet when the next one arrives (prefetch 1) loses nothing: the buffer waits at
    a gap whatever the prefetch.
    """
    for receiver in pc.getReceivers():
        if receiver.track is track:
            jitter_buffer = getattr(receiver, "_RTCRtpReceiver__jitter_buffer", None)
            if jitter_buffer is not None:
                jitter_buffer._prefetch = 1


def _video_codec_preferences() -> list[Any]:
    codecs = RTCRtpSender.getCapabilities("video").codecs
    order = {mime: i for i, mime in enumerate(VIDEO_MIME_TYPES)}
    wanted = [c for c in codecs if c.mimeType in order or c.mimeType == "video/rtx"]
    return sorted(wanted, key=lambda c: order.get(c.mimeType, len(order)))


def _negotiated_video(answer_sdp: str) -> str:
    for media in SessionDescription.parse(answer_sdp).media:
        if media.kind == "video" and media.direction in ("sendonly", "sendrecv"):
            for codec in media.rtp.codecs:
                if codec.mimeType in VIDEO_MIME_TYPES:
                    return codec.mimeType
    raise OfferError("no video codec in common (need VP8 or H264)")


async def _within(awaitable: Awaitable[Any], key: str) -> None:
    try:
        await asyncio.wait_for(awaitable, CLOSE_TIMEOUT)
    except TimeoutError:
        logger.warning("stream %s: a close took over %.0f s; going on", key, CLOSE_TIMEOUT)


def _consume_exception(future: asyncio.Future[Any]) -> None:
    if not future.cancelled() and future.exception() is not None:
        logger.warning("engine failed after its frame was already covered")
