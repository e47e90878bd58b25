"""A media node's internal HTTP API: the web tier hands it WHIP/WHEP sessions.

Reached only from the web tier with the cluster secret (:mod:`.auth`), never through nginx.
Answers are JSON: ``{"session", "answer"}`` for a new session, ``{"error", "message"}``
naming the media error (:mod:`.errors`) so the web tier answers the client as the embedded
server would. The broadcast is read from the database, where the web tier has already
marked it live.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from ciasom.broadcasts.models import Broadcast

from .apps import media_node
from .auth import CLIENT_HEADER, HEADER, authentic
from .errors import ERRORS, name_of

logger = logging.getLogger(__name__)


View = Callable[..., Any]  # an async view (Django's stubs know only sync ones)


def error(name: str, message: str) -> JsonResponse:
    status = ERRORS[name][0] if name in ERRORS else 404
    return JsonResponse({"error": name, "message": message}, status=status)


def not_found(message: str) -> JsonResponse:
    return JsonResponse({"error": "not_found", "message": message}, status=404)


def internal(*methods: str) -> Callable[[View], View]:
    """Secret checked first; then only ``methods``; media errors become their answers."""

    def decorate(view: View) -> View:
        @csrf_exempt
        @functools.wraps(view)
        async def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not authentic(request.headers.get(HEADER)):
                return JsonResponse({"error": "forbidden", "message": "bad secret"}, status=403)
            if request.method not in methods:
                return JsonResponse(
                    {"error": "method", "message": "method not allowed"}, status=405
                )
            try:
                return await view(request, *args, **kwargs)
            except Exception as failure:
                name = name_of(failure)
                if name is None:
                    raise
                return error(name, str(failure))

        return checked

    return decorate


def offer_of(request: HttpRequest) -> str:
    try:
        return request.body.decode("utf-8")
    except UnicodeDecodeError:
        return ""  # the media layer refuses it with OfferError


@internal("POST")
async def publish(request: HttpRequest, pk: int) -> HttpResponse:
    broadcast = await Broadcast.objects.select_related("owner").filter(pk=pk, is_live=True).afirst()
    if broadcast is None:
        return not_found("this broadcast is not live")
    session, answer = await media_node().publish(broadcast, offer_of(request))
    return JsonResponse({"session": session, "answer": answer}, status=201)


@internal("DELETE")
async def publisher(request: HttpRequest, pk: int, session: str) -> HttpResponse:
    if not await media_node().service.end_whip(pk, session):
        return not_found("no such WHIP session")
    return JsonResponse({})


@internal("POST")
async def watch(request: HttpRequest, pk: int) -> HttpResponse:
    client = request.headers.get(CLIENT_HEADER, "")
    viewer = await media_node().service.whep(pk, offer_of(request), client)
    return JsonResponse({"session": viewer.session, "answer": viewer.sdp}, status=201)


@internal("DELETE")
async def viewer(request: HttpRequest, pk: int, session: str) -> HttpResponse:
    if not await media_node().service.end_whep(pk, session):
        return not_found("no such WHEP session")
    return JsonResponse({})


@internal("GET")
async def status(request: HttpRequest, pk: int) -> HttpResponse:
    report = await media_node().service.report(pk, health=True)
    if report is None:
        return not_found("this broadcast is not live here")
    return JsonResponse(report)


@internal("GET")
async def about(request: HttpRequest) -> HttpResponse:
    """The node itself: what it holds and how fast control events reached it."""
    return JsonResponse(media_node().about())
