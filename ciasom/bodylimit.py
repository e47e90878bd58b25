"""Refuse oversized and slow request bodies before Django reads them (ASGI middleware).

Django under ASGI reads a whole body into a spooled file (disk beyond 2.5 MB) before any
view, authentication or size check runs, so one anonymous POST could fill the disk or
hold a worker for as long as the client cares to trickle bytes. This layer sits in front:
a declared ``Content-Length`` over the route's limit is answered 413 without reading a
byte; a body streamed without one is counted and cut off at the limit; a body that stalls
(nothing for ``timeout`` seconds) is answered 408. A stall, not a total: a phone sending
twenty 20 MB photos over a slow uplink needs minutes, and is welcome to them.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

logger = logging.getLogger(__name__)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]

FORM_OVERHEAD = 1024 * 1024  # multipart boundaries, headers and the form's other fields


def route_limits() -> list[tuple[re.Pattern[str], int]]:
    """Body limits by path, first match wins; from the settings that bound each upload."""
    from django.conf import settings

    from ciasom.media.sdp import MAX_OFFER_BYTES

    photos = settings.CIASOM_MAX_PHOTO_BYTES * settings.CIASOM_MAX_PHOTOS_PER_PERSON
    return [
        (re.compile(r"^/(whip|whep)/"), MAX_OFFER_BYTES),  # SDP offers, session PATCH
        (re.compile(r"^/(api/people/\d+/photos|people/\d+/upload/)$"), photos + FORM_OVERHEAD),
        (re.compile(r"^/me/$"), settings.CIASOM_MAX_AVATAR_BYTES + FORM_OVERHEAD),
        (re.compile(r"^/admin/"), settings.CIASOM_MAX_PHOTO_BYTES + FORM_OVERHEAD),
        (re.compile(r""), settings.CIASOM_MAX_BODY_BYTES),
    ]


class BodyLimit:
    """Wraps an ASGI app; see the module docstring."""

    def __init__(
        self,
        app: Callable[..., Awaitable[None]],  # Django's ASGIHandler types its scope narrower
        limits: list[tuple[re.Pattern[str], int]],
        timeout: float,
    ):
        self.app = app
        self.limits = limits
        self.timeout = timeout

    def limit(self, path: str) -> int:
        return next(limit for pattern, limit in self.limits if pattern.match(path))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit(scope["path"])
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None:
            if not declared.isdigit():
                await _refuse(send, 400, "Content-Length is not a number")
                return
            if int(declared) > limit:
                await _refuse(send, 413, _too_large(limit))
                return
        refusal: tuple[int, str] | None = None
        received = 0
        complete = False
        started = False

        async def limited_receive() -> Message:
            nonlocal received, complete, refusal
            if complete:
                return await receive()
            try:
                message = await asyncio.wait_for(receive(), self.timeout)
            except TimeoutError:
                refusal = (408, f"the request body stalled for {self.timeout:g} s")
                return {"type": "http.disconnect"}
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    refusal = (413, _too_large(limit))
                    return {"type": "http.disconnect"}  # the app stops reading here
                complete = not message.get("more_body", False)
            return message

        async def tracked_send(message: Message) -> None:
            nonlocal started
            started = True
            await send(message)

        await self.app(scope, limited_receive, tracked_send)
        if refusal is not None and not started:
            logger.info("refused %s %s: %s", scope["method"], scope["path"], refusal[1])
            await _refuse(send, *refusal)


def _too_large(limit: int) -> str:
    return f"request body larger than {limit} bytes for this address"


async def _refuse(send: Send, status: int, message: str) -> None:
    body = (message + "\n").encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
