"""WHIP (RFC 9725) publish and WHEP watch endpoints, plus the live status the pages poll.

Contract in DESIGN §3. Every failure is an HTTP answer with a plain-text reason; nothing
escapes as a 500. CSRF: these views are exempt because a cross-site page cannot send
``Content-Type: application/sdp`` without a CORS preflight, which we never grant with
credentials — anything else is refused with 415 before the session is even looked at.
"""

from __future__ import annotations

import logging

from asgiref.sync import sync_to_async
from django.apps import apps
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from ciasom.accounts.models import user_for_stream_key
from ciasom.broadcasts.models import AlreadyLive, Blocked, Broadcast
from ciasom.media.ice import ice_server_links
from ciasom.media.registry import AlreadyLive as StreamAlreadyLive
from ciasom.media.registry import ServerBusy, TooManySessions
from ciasom.media.relay import ViewerLimitReached
from ciasom.media.sdp import MAX_OFFER_BYTES, OfferError, check_offer
from ciasom.media.stream import StreamEnded

from .media import LiveMedia

logger = logging.getLogger(__name__)

SDP = "application/sdp"
RETRY_AFTER = "10"  # seconds, when the viewer cap is reached or the server is busy


def service() -> LiveMedia:
    """The process's media: in this process, or on the cluster's nodes (ciasom.live.media)."""
    media: LiveMedia = apps.get_app_config("live").service  # type: ignore[attr-defined]
    return media


def text(status: int, message: str, **headers: str) -> HttpResponse:
    response = HttpResponse(message + "\n", status=status, content_type="text/plain")
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def sdp_answer(answer: str, location: str, tag: str, **headers: str) -> HttpResponse:
    """The 201 answer; ``Link`` names the STUN/TURN servers with credentials minted for
    this session (RFC 9725 §4.4), which WHIP/WHEP clients like OBS use."""
    response = HttpResponse(answer, status=201, content_type=SDP)
    response["Location"] = location
    links = ice_server_links(service().ice_servers(tag))
    if links:
        response["Link"] = links
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def read_offer(request: HttpRequest, *, publish: bool) -> str | HttpResponse:
    """The offer's text, or the 415/400 answer explaining what is wrong with it."""
    if request.content_type != SDP:
        return text(415, f"Content-Type must be {SDP}", Accept_Post=SDP)
    if len(request.body) > MAX_OFFER_BYTES:
        return text(400, f"SDP offer larger than {MAX_OFFER_BYTES} bytes")
    try:
        offer = request.body.decode("utf-8")
    except UnicodeDecodeError:
        return text(400, "SDP offer is not UTF-8 text")
    try:
        check_offer(offer, publish=publish)
    except OfferError as error:
        return text(400, str(error))
    return offer


def with_cors(response: HttpResponse) -> HttpResponse:
    """WHEP is public: any origin's player may watch (no credentials involved)."""
    response["Access-Control-Allow-Origin"] = "*"
    response["Access-Control-Allow-Methods"] = "POST, DELETE, OPTIONS"
    response["Access-Control-Allow-Headers"] = "Content-Type, Authorization"
    response["Access-Control-Expose-Headers"] = "Location, Link"
    return response


def not_allowed(allow: str) -> HttpResponse:
    return text(405, "method not allowed", Allow=allow)


# -- WHIP -----------------------------------------------------------------------------------


@csrf_exempt
async def whip(request: HttpRequest, pk: int) -> HttpResponse:
    if request.method != "POST":
        return not_allowed("POST")
    offer = read_offer(request, publish=True)
    if isinstance(offer, HttpResponse):
        return offer
    user = await publisher(request)
    if user is None:
        return text(401, "stream key or login required", WWW_Authenticate="Bearer")
    broadcast = await Broadcast.objects.select_related("owner").filter(pk=pk).afirst()
    if broadcast is None:
        return text(404, "no such broadcast")
    if broadcast.owner_id != user.pk:
        return text(403, "this broadcast belongs to someone else")
    live = service()
    if live.holds(pk):
        return text(409, "this broadcast is already live")
    try:
        await sync_to_async(start_broadcast)(broadcast, live)
    except AlreadyLive as error:
        return text(409, f"already live: {error}")
    except Blocked as error:
        return text(403, str(error))
    try:
        session = await live.whip(broadcast, offer)
    except StreamAlreadyLive:
        return text(409, "this broadcast is already live")
    except ServerBusy:
        await sync_to_async(broadcast.end)()
        return text(503, "the media server is full; try again later", Retry_After=RETRY_AFTER)
    except OfferError as error:
        await sync_to_async(broadcast.end)()
        return text(400, str(error))
    except Exception:
        logger.exception("cannot start broadcast %s", pk)
        await sync_to_async(broadcast.end)()
        return text(503, "the media server cannot start this broadcast now", Retry_After="5")
    return sdp_answer(session.sdp, f"/whip/{pk}/{session.session}", f"whip{pk}")


@csrf_exempt
async def whip_session(request: HttpRequest, pk: int, session: str) -> HttpResponse:
    if request.method != "DELETE":
        # Non-trickle: the answer already carried every candidate (RFC 9725 §4.3.1).
        return not_allowed("DELETE")
    try:
        ended = await service().end_whip(pk, session)
    except ServerBusy:
        return text(503, "the media server cannot be reached; try again", Retry_After="5")
    if not ended:
        return text(404, "no such WHIP session")
    return text(200, "broadcast ended")


async def publisher(request: HttpRequest):
    """The user publishing: by ``Authorization: Bearer <stream key>`` or the session."""
    scheme, _, key = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer":
        return await sync_to_async(user_for_stream_key)(key.strip())
    user = await request.auser()
    return user if user.is_authenticated else None


def start_broadcast(broadcast: Broadcast, live: LiveMedia) -> None:
    """Mark live; a live flag no media is held for is stale (a restart, a lost node) and goes."""
    stale = Broadcast.objects.live().filter(owner_id=broadcast.owner_id)
    for other in stale:
        if not live.holds(other.pk):
            other.end()
    broadcast.start()


# -- WHEP -----------------------------------------------------------------------------------


@csrf_exempt
async def whep(request: HttpRequest, pk: int) -> HttpResponse:
    if request.method == "OPTIONS":
        return with_cors(HttpResponse(status=204))
    if request.method != "POST":
        return with_cors(not_allowed("POST, OPTIONS"))
    return with_cors(await watch(request, pk))


async def watch(request: HttpRequest, pk: int) -> HttpResponse:
    offer = read_offer(request, publish=False)
    if isinstance(offer, HttpResponse):
        return offer
    if not service().holds(pk):
        return text(404, "this broadcast is not live")
    client = request.META.get("REMOTE_ADDR") or ""
    try:
        viewer = await service().whep(pk, offer, client)
    except ViewerLimitReached:
        return text(503, "this broadcast is full", Retry_After=RETRY_AFTER)
    except ServerBusy:
        return text(503, "the media server is full; try again later", Retry_After=RETRY_AFTER)
    except TooManySessions:
        return text(429, "too many viewer sessions from your address", Retry_After=RETRY_AFTER)
    except StreamEnded:
        return text(404, "this broadcast has ended")
    except OfferError as error:
        return text(400, str(error))
    return sdp_answer(viewer.sdp, f"/whep/{pk}/{viewer.session}", f"whep{pk}")


@csrf_exempt
async def whep_session(request: HttpRequest, pk: int, session: str) -> HttpResponse:
    if request.method == "OPTIONS":
        return with_cors(HttpResponse(status=204))
    if request.method != "DELETE":
        return with_cors(not_allowed("DELETE, OPTIONS"))
    try:
        left = await service().end_whep(pk, session)
    except ServerBusy:
        return with_cors(
            text(503, "the media server cannot be reached; try again", Retry_After="5")
        )
    if not left:
        return with_cors(text(404, "no such WHEP session"))
    return with_cors(text(200, "left"))


# -- status -----------------------------------------------------------------------------------


# What the status tells others about a broadcast that is not live, or not there at all.
NOT_LIVE = {"live": False, "viewers": 0, "ended": True}


async def status(request: HttpRequest, pk: int) -> HttpResponse:
    """``{"live", "viewers", "ended"}`` for anyone, plus ``janus`` (where to watch) when the
    broadcast is on Janus; the owner also gets the pipeline's health.

    To anyone but the owner a broadcast that is not live answers exactly like a missing
    one, so nobody can probe which ids exist or find a host's not-yet-live broadcasts.
    """
    broadcast = await Broadcast.objects.filter(pk=pk).afirst()
    user = await request.auser()
    is_owner = broadcast is not None and user.pk == broadcast.owner_id
    report = None if broadcast is None else await service().report(pk, health=is_owner)
    if broadcast is None or (not is_owner and report is None):
        return JsonResponse(NOT_LIVE, headers={"Cache-Control": "no-store"})
    body: dict[str, object] = {
        "live": report is not None,
        "viewers": report["viewers"] if report else 0,
        "ended": report is None and broadcast.ended_at is not None,
    }
    if report is not None and "janus" in report:
        body["janus"] = report["janus"]  # the player watches there (large audiences)
    if report is not None and "health" in report:
        body["health"] = report["health"]
    return JsonResponse(body, headers={"Cache-Control": "no-store"})
