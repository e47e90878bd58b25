"""Binds the process's media registry to broadcasts in the database.

Everything media runs on the ASGI event loop; the platform's signals arrive from sync
views in other threads, so they are handed to that loop. Database writes triggered by the
media path (ended, viewer counts, thumbnails) run through ``sync_to_async``.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import secrets
from collections.abc import Callable, Coroutine
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings

from ciasom.broadcasts.models import Broadcast
from ciasom.live.media import Answer
from ciasom.media import aiortc_patches
from ciasom.media.audience import janus_hosts
from ciasom.media.ice import ice_servers, rtc_configuration
from ciasom.media.processor import FrameProcessor
from ciasom.media.registry import MediaRegistry, ServerBusy
from ciasom.media.relay import Viewer
from ciasom.media.stream import LiveStream

logger = logging.getLogger(__name__)


def live_engine(broadcast: Broadcast) -> FrameProcessor:
    """The privacy engine for one broadcast, from its settings and visible people (sync: DB)."""
    from ciasom.engine.live import LiveEngine

    return LiveEngine(broadcast.engine_settings(), broadcast.gallery(), threads=1)


def public_ice_servers(servers: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The configured servers that may go to every client: those without a password.

    A static TURN password handed to every anonymous visitor is anyone's free relay until
    someone rotates it; TURN is configured with CIASOM_TURN_URLS/_SECRET instead.
    """
    static = [server for server in servers if server.get("credential")]
    if static:
        logger.warning(
            "CIASOM_ICE_SERVERS: %d server(s) with a static password are not handed to "
            "clients; use CIASOM_TURN_URLS and CIASOM_TURN_SECRET (coturn use-auth-secret)",
            len(static),
        )
    return [server for server in servers if not server.get("credential")]


class LiveService:
    """What the WHIP/WHEP views and the platform's signals talk to (one per process)."""

    def __init__(
        self,
        registry: MediaRegistry,
        make_engine: Callable[[Broadcast], FrameProcessor] = live_engine,
    ) -> None:
        self.registry = registry
        self.make_engine = make_engine
        self.stun_servers: list[dict[str, Any]] = []  # CIASOM_ICE_SERVERS, handed out as is
        self.turn_urls: list[str] = []
        self.turn_secret = ""
        self.turn_ttl = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._counts: dict[int, asyncio.Task[Any]] = {}
        # Broadcasts whose end this process must not record: a media node declared dead
        # drops them, and the web tier may have placed them live on another node already.
        self.disowned: set[int] = set()

    @classmethod
    def from_settings(cls) -> LiveService:
        aiortc_patches.offer_host_candidates(settings.CIASOM_ICE_HOSTS)
        aiortc_patches.apply()
        configuration = rtc_configuration(settings.CIASOM_ICE_SERVERS)
        registry = MediaRegistry(
            configuration,
            max_viewers=settings.CIASOM_MAX_VIEWERS,
            max_pending=settings.CIASOM_MAX_PENDING_VIEWERS,
            connect_timeout=settings.CIASOM_CONNECT_TIMEOUT,
            max_sessions=settings.CIASOM_MAX_SESSIONS,
            max_sessions_per_client=settings.CIASOM_MAX_SESSIONS_PER_CLIENT,
            max_streams=settings.CIASOM_MAX_STREAMS,
            janus=janus_hosts(
                settings.CIASOM_JANUS_URL,
                settings.CIASOM_JANUS_PUBLIC_URL,
                settings.CIASOM_JANUS_ADMIN_KEY,
            ),
            janus_codec=settings.CIASOM_JANUS_CODEC,
        )
        service = cls(registry)
        service.stun_servers = public_ice_servers(settings.CIASOM_ICE_SERVERS)
        service.turn_urls = settings.CIASOM_TURN_URLS
        service.turn_secret = settings.CIASOM_TURN_SECRET
        service.turn_ttl = settings.CIASOM_TURN_TTL
        return service

    def stream(self, broadcast_id: int) -> LiveStream | None:
        return self.registry.get(str(broadcast_id))

    def ice_servers(self, tag: str) -> list[dict[str, Any]]:
        """STUN/TURN servers for one client (a page, a WHIP/WHEP session): TURN credentials
        are minted for it (coturn REST), never the one static password for everybody.

        ``tag`` (what the page or session is, for coturn's log) gets a random suffix, so
        every client's username differs; it carries nothing secret, such as a session id.
        """
        return ice_servers(
            self.stun_servers,
            self.turn_urls,
            self.turn_secret,
            self.turn_ttl,
            f"{tag}-{secrets.token_hex(4)}",
        )

    async def watch(self, broadcast_id: int, offer_sdp: str, client: str) -> Viewer:
        """A viewer's WHEP offer; raises like :meth:`MediaRegistry.watch`."""
        return await self.registry.watch(str(broadcast_id), offer_sdp, client)

    async def publish(self, broadcast: Broadcast, offer_sdp: str) -> tuple[LiveStream, str]:
        """Start the media for a broadcast already marked live in the database.

        Raises ServerBusy at once when this process is full (before building an engine).
        """
        self._loop = asyncio.get_running_loop()
        if self.registry.full():
            raise ServerBusy
        engine = await sync_to_async(self.make_engine)(broadcast)
        pk = broadcast.pk
        stream, answer = await self.registry.publish(
            str(pk),
            offer_sdp,
            engine,
            on_ended=lambda stream: self._ended(pk),
            on_viewers=lambda stream: self._count_viewers(pk, stream),
            on_thumbnail=lambda stream, jpeg: self._spawn(_store_thumbnail(broadcast, jpeg)),
        )
        stream.privacy_delay = broadcast.privacy_delay_seconds
        return stream, answer

    # -- LiveMedia (ciasom.live.media): what the WHIP/WHEP views ask ----------------------

    def holds(self, broadcast_id: int) -> bool:
        return self.stream(broadcast_id) is not None

    async def whip(self, broadcast: Broadcast, offer_sdp: str) -> Answer:
        stream, answer = await self.publish(broadcast, offer_sdp)
        return Answer(stream.session_id, answer)

    async def end_whip(self, broadcast_id: int, session: str) -> bool:
        stream = self.stream(broadcast_id)
        if stream is None or stream.session_id != session:
            return False
        # Recorded first: a viewer told "ended" (its peer hung up) never finds it listed live.
        await _mark_ended(broadcast_id)
        await stream.close()
        return True

    async def whep(self, broadcast_id: int, offer_sdp: str, client: str) -> Answer:
        viewer = await self.watch(broadcast_id, offer_sdp, client)
        return Answer(viewer.id, viewer.answer)

    async def end_whep(self, broadcast_id: int, session: str) -> bool:
        stream = self.stream(broadcast_id)
        if stream is None or session not in stream.viewers:
            return False
        await stream.leave(session)
        return True

    async def report(self, broadcast_id: int, *, health: bool) -> dict[str, Any] | None:
        stream = self.stream(broadcast_id)
        if stream is None or stream.closing:
            return None  # an ending broadcast takes no more viewers: not live to anyone asking
        body: dict[str, Any] = {"viewers": stream.viewer_count}
        if stream.audience.places():
            body["janus"] = stream.audience.places()  # where the player watches (large audiences)
        if health:
            body["health"] = stream.status()
        return body

    # -- from the platform's signals (any thread) ---------------------------------------

    def end(self, broadcast_id: int) -> None:
        """The broadcast was ended elsewhere (host page, admin): tear the media down."""
        self._on_loop(lambda: self._end_now(broadcast_id))

    def apply_settings(self, broadcast_id: int) -> None:
        """Settings or visible people changed: the engine takes them from the next frame.

        Called after the change committed (sync: DB). Everything is read afresh here, never
        from the sender's instance, so the engine gets what is stored: a person deleted a
        moment ago is no longer in the gallery.
        """
        stream = self.stream(broadcast_id)
        if stream is None:
            return
        broadcast = Broadcast.objects.filter(pk=broadcast_id, is_live=True).first()
        if broadcast is None:
            return  # ended meanwhile: the `ended` signal tears the stream down
        update = getattr(stream.processor, "update", None)
        if update is not None:
            update(settings=broadcast.engine_settings(), gallery=broadcast.gallery())
        delay = broadcast.privacy_delay_seconds
        self._on_loop(lambda: setattr(stream, "privacy_delay", delay))

    # -- helpers --------------------------------------------------------------------------

    def _ended(self, pk: int) -> None:
        if pk in self.disowned:
            self.disowned.discard(pk)
        else:
            self._spawn(_mark_ended(pk))

    def _end_now(self, broadcast_id: int) -> None:
        stream = self.stream(broadcast_id)
        if stream is not None:
            stream.end()

    def _on_loop(self, callback: Callable[[], None]) -> None:
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            callback()
        else:
            loop.call_soon_threadsafe(callback)

    def _count_viewers(self, pk: int, stream: LiveStream) -> None:
        """Write the viewer count, coalescing bursts into one write per pending update."""
        pending = self._counts.get(pk)
        if pending is not None and not pending.done():
            return

        async def write() -> None:
            await asyncio.sleep(0.2)
            self._counts.pop(pk, None)
            count = 0 if stream.closing else stream.viewer_count
            await sync_to_async(Broadcast.objects.filter(pk=pk, is_live=True).update)(viewers=count)

        self._counts[pk] = self._spawn(write())

    def _spawn(self, coroutine: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        # A fresh context: the callbacks come from tasks started inside a request, whose
        # thread-sensitive executor (sync_to_async) is gone once that request has answered.
        task = asyncio.get_running_loop().create_task(coroutine, context=contextvars.Context())
        self._tasks.add(task)
        task.add_done_callback(_finished(self._tasks))
        return task

    async def drain(self) -> None:
        """Wait for pending database writes (tests, shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)


def _finished(tasks: set[asyncio.Task[Any]]) -> Callable[[asyncio.Task[Any]], None]:
    def done(task: asyncio.Task[Any]) -> None:
        tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            logger.error("live database update failed", exc_info=task.exception())

    return done


@sync_to_async
def _mark_ended(pk: int) -> None:
    broadcast = Broadcast.objects.filter(pk=pk).first()
    if broadcast is not None:
        broadcast.end()


@sync_to_async
def _store_thumbnail(broadcast: Broadcast, jpeg: bytes) -> None:
    if Broadcast.objects.filter(pk=broadcast.pk, is_live=True).exists():
        broadcast.store_thumbnail(jpeg)
