"""A broadcast's video path: convert → privacy delay → render (or cover) → encode, per frame.

Per frame (the newest one, :class:`~ciasom.media.latest.LatestFrame`):

1. **convert**, on arrival, in the *pipeline* thread: decoded frame → BGR, its short side at
   most :data:`MAX_SHORT_SIDE`, stamped on the stream clock
   (:class:`~ciasom.media.clock.TrackClock`), offered to the engine (``processor.submit``:
   analysis starts at once);
2. **delay**: the frame waits in the :class:`~ciasom.media.delay.DelayLine` for the broadcast's
   privacy delay while the frames after it are analysed (DESIGN §1, "no frame leaves
   unexamined");
3. **render**, when due, in the *render* thread: ``processor.render``, awaited for at most
   ``render_budget`` seconds. If it raises, overruns, returns something that is not a frame of
   the same shape, or is still busy with an earlier frame, the frame is **covered whole**
   (:func:`~ciasom.engine.mosaic.cover_whole_frame`, in step 4) — raw video never leaves;
4. **encode**, in the pipeline thread: the rendered (or covered) frame → yuv420p → one encode
   per codec the viewers negotiated, keyframes on request; a thumbnail every few seconds;
5. the packets go to ``on_packets`` (the :class:`~ciasom.media.relay.Relay` fans them out).

Two threads, so a slow engine never holds back conversion or encoding, and one of each, so
the encoders (not thread-safe) and the engine see one frame at a time.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Collection
from concurrent.futures import ThreadPoolExecutor
from typing import Any, cast

import av
import cv2
import numpy as np
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from ciasom.engine.mosaic import cover_whole_frame

from .clock import TrackClock
from .delay import DelayLine
from .encoder import VIDEO_CLOCK, VideoEncoder
from .latest import LatestFrame
from .meter import Meter
from .processor import FrameProcessor

logger = logging.getLogger(__name__)

RENDER_BUDGET = 0.1  # seconds a due frame waits for the engine before it is covered whole
# Bigger publishers (OBS sends 1080p) are scaled to fit the CPU budget; by the short side, so
# a phone held upright keeps 720x1280 as a landscape camera keeps 1280x720.
MAX_SHORT_SIDE = 720
THUMBNAIL_INTERVAL = 4.0  # seconds between thumbnails of the processed picture
THUMBNAIL_WIDTH = 480
STAGES = ("convert", "render", "encode", "total")  # timed per frame, shown on the host page
ERROR_LOG_EVERY = 100  # failed frames: the first of every this many is logged with its trace

Frame = np.ndarray[Any, np.dtype[np.uint8]]


class VideoPipeline:
    """One broadcast's video from the publisher's track to encoded packets.

    ``codecs`` names the codecs (mime types) someone is watching in, read for every frame;
    ``on_packets(mime, packets)`` and ``on_thumbnail(jpeg)`` are called on the event loop.
    """

    def __init__(
        self,
        key: str,
        processor: FrameProcessor,
        *,
        origin: float,
        render_budget: float,
        privacy_delay: float,
        codecs: Callable[[], Collection[str]],
        on_packets: Callable[[str, list[av.Packet[Any]]], None],
        on_thumbnail: Callable[[bytes], None],
    ) -> None:
        self.key = key
        self.processor = processor
        self.render_budget = render_budget
        self.frames_out = 0  # frames processed and handed to the viewers
        self.covered = 0  # frames that went out covered whole (fail-closed)
        self.errors = 0  # engine exceptions and failed frames
        self.size: tuple[int, int] | None = None  # as received
        self.sent_size: tuple[int, int] | None = None  # as processed and sent
        self._meter = Meter()
        self._codecs = codecs
        self._on_packets = on_packets
        self._on_thumbnail = on_thumbnail
        self._clock = TrackClock(origin, VIDEO_CLOCK.denominator)
        self._delay: DelayLine[tuple[Frame, int, float]] = DelayLine(privacy_delay, drop_late=True)
        self._latest: LatestFrame | None = None
        self._pipeline = ThreadPoolExecutor(1, thread_name_prefix=f"pipeline-{key}")
        self._render_thread = ThreadPoolExecutor(1, thread_name_prefix=f"render-{key}")
        self._render_future: asyncio.Future[Frame] | None = None
        self._encoders: dict[str, VideoEncoder] = {}
        self._keyframe_requests: set[str] = set()
        self._last_thumbnail = 0.0
        self._stopping = False

    @property
    def delay(self) -> float:
        """Seconds every frame waits before it is rendered (applies live)."""
        return self._delay.delay

    @delay.setter
    def delay(self, seconds: float) -> None:
        self._delay.delay = seconds
        self.processor.set_delay(seconds)

    @property
    def received(self) -> int:
        return self._latest.received if self._latest else 0

    @property
    def dropped(self) -> int:
        """Frames never processed: newer ones arrived first, or they were due too late."""
        return (self._latest.dropped if self._latest else 0) + self._delay.dropped

    @property
    def started(self) -> bool:
        return self._latest is not None

    def status(self) -> dict[str, Any]:
        """Sizes, rates, counts and stage timings, for the host page's health panel."""
        size, sent = self.size, self.sent_size
        return {
            "width": size[0] if size else None,
            "height": size[1] if size else None,
            "sent_width": sent[0] if sent else None,
            "sent_height": sent[1] if sent else None,
            "fps_in": self._meter.rate("in"),
            "fps_out": self._meter.rate("out"),
            "frames_received": self.received,
            "frames_dropped": self.dropped,
            "frames_out": self.frames_out,
            "frames_covered": self.covered,
            "engine_errors": self.errors,
            "ms": {stage: self._meter.median_ms(stage) for stage in STAGES},
        }

    def request_keyframe(self, mime: str) -> None:
        """The next frame encoded in ``mime`` is a keyframe (a viewer joined or lost one)."""
        self._keyframe_requests.add(mime)

    async def run(self, track: MediaStreamTrack) -> None:
        """Carry ``track``'s frames through until it ends (or this task is cancelled)."""
        self._latest = LatestFrame(track)
        sending = asyncio.create_task(self._send(), name=f"video-out-{self.key}")
        try:
            while True:
                frame = await self._latest.get()
                try:
                    await self._receive(frame)
                except Exception:
                    if self._stopping:
                        break  # the executors were shut down mid-frame
                    self._frame_failed()
        except MediaStreamError:
            pass
        finally:
            sending.cancel()
            await asyncio.gather(sending, return_exceptions=True)

    def stop(self) -> None:
        """No more frames: the broadcast is ending (a frame failing now is not an error)."""
        self._stopping = True

    async def close(self) -> None:
        """Stop reading the track (the media tasks are cancelled by their owner)."""
        self.stop()
        if self._latest is not None:
            await self._latest.stop()

    def shutdown(self) -> None:
        """Release the threads, without waiting for a frame the engine may be stuck on."""
        self._pipeline.shutdown(wait=False, cancel_futures=True)
        self._render_thread.shutdown(wait=False, cancel_futures=True)

    async def _receive(self, frame: av.VideoFrame) -> None:
        """An arriving frame: to BGR, offered to the engine, into the delay line."""
        arrived = time.monotonic()
        self._meter.tick("in")
        pts = self._clock.stamp(frame)
        timestamp = pts / VIDEO_CLOCK.denominator  # seconds, increasing: what the engine tracks on
        loop = asyncio.get_running_loop()
        bgr = await loop.run_in_executor(self._pipeline, self._convert, frame, timestamp)
        self._delay.put((bgr, pts, timestamp), arrived)

    async def _send(self) -> None:
        while True:
            bgr, pts, timestamp = await self._delay.get()
            try:
                await self._forward(bgr, pts, timestamp)
            except Exception:
                if self._stopping:
                    break
                self._frame_failed()

    def _frame_failed(self) -> None:
        """One bad frame is skipped (nothing goes out for it); the broadcast goes on."""
        self.errors += 1
        if self.errors % ERROR_LOG_EVERY == 1:
            logger.exception("stream %s: frame failed (%d so far)", self.key, self.errors)

    async def _forward(self, bgr: Frame, pts: int, timestamp: float) -> None:
        """One due frame through render (or cover) → encode → ``on_packets``."""
        with self._meter.timed("total"):
            processed = await self._render(bgr, timestamp)
            requests, self._keyframe_requests = self._keyframe_requests, set()
            encoders = self._current_encoders()
            loop = asyncio.get_running_loop()
            packets, thumbnail = await loop.run_in_executor(
                self._pipeline, self._encode, bgr, processed, pts, encoders, requests
            )
            for mime, encoded in packets.items():
                self._on_packets(mime, encoded)
            self.frames_out += 1
            self._meter.tick("out")
        if thumbnail is not None:
            self._on_thumbnail(thumbnail)

    def _current_encoders(self) -> list[VideoEncoder]:
        """One shared encoder per codec being watched; a codec nobody watches is dropped."""
        wanted = set(self._codecs())
        for mime in list(self._encoders):
            if mime not in wanted:
                del self._encoders[mime]
        for mime in wanted:
            if mime not in self._encoders:
                self._encoders[mime] = VideoEncoder(mime)
        return list(self._encoders.values())

    async def _render(self, bgr: Frame, timestamp: float) -> Frame | None:
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

    def _process(self, bgr: Frame, timestamp: float) -> Frame:
        with self._meter.timed("render"):
            return self.processor.render(bgr, timestamp)

    def _convert(self, frame: av.VideoFrame, timestamp: float) -> Frame:
        """The frame as BGR, its short side at most ``MAX_SHORT_SIDE``, offered to the engine."""
        with self._meter.timed("convert"):
            self.size = (frame.width, frame.height)
            shrink = MAX_SHORT_SIDE / min(frame.width, frame.height)
            if shrink < 1:
                width, height = (round(side * shrink / 2) * 2 for side in self.size)
                bgr = cast(Frame, frame.to_ndarray(format="bgr24", width=width, height=height))
            else:
                bgr = cast(Frame, frame.to_ndarray(format="bgr24"))
            self.sent_size = (bgr.shape[1], bgr.shape[0])
        self.processor.submit(bgr, timestamp)
        return bgr

    def _encode(
        self,
        bgr: Frame,
        processed: Frame | None,
        pts: int,
        encoders: list[VideoEncoder],
        keyframe_requests: set[str],
    ) -> tuple[dict[str, list[av.Packet[Any]]], bytes | None]:
        """Encode the rendered frame — or, when there is none, ``bgr`` covered whole."""
        with self._meter.timed("encode"):
            out = processed if processed is not None else cover_whole_frame(bgr)
            height, width = out.shape[:2]
            packets: dict[str, list[av.Packet[Any]]] = {}
            if encoders:
                even = out[: height - height % 2, : width - width % 2]
                yuv = cast(Frame, cv2.cvtColor(even, cv2.COLOR_BGR2YUV_I420))
                for encoder in encoders:
                    # A fresh frame per encoder: one frame object shared by encoders crashed
                    # the process (pitfall 4).
                    frame = av.VideoFrame.from_ndarray(yuv, format="yuv420p")
                    frame.pts = pts
                    frame.time_base = VIDEO_CLOCK
                    packets[encoder.mime_type] = encoder.encode(
                        frame, keyframe=encoder.mime_type in keyframe_requests
                    )
            return packets, self._thumbnail(out)

    def _thumbnail(self, out: Frame) -> bytes | None:
        """A small JPEG of the frame as sent, every :data:`THUMBNAIL_INTERVAL` seconds."""
        now = time.monotonic()
        if now - self._last_thumbnail < THUMBNAIL_INTERVAL:
            return None
        self._last_thumbnail = now
        height, width = out.shape[:2]
        size = (THUMBNAIL_WIDTH, round(height * THUMBNAIL_WIDTH / width))
        small = cv2.resize(out, size, interpolation=cv2.INTER_AREA)
        ok, jpeg = cv2.imencode(".jpg", small, [cv2.IMWRITE_JPEG_QUALITY, 80])
        return jpeg.tobytes() if ok else None


def _consume_exception(future: asyncio.Future[Any]) -> None:
    if not future.cancelled() and future.exception() is not None:
        logger.warning("engine failed after its frame was already covered")
