"""What the live pages need from settings: ICE servers (TURN credentials minted per page),
whether the player may watch through Janus."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from .apps import live_media


def ice_servers(request: HttpRequest) -> dict[str, object]:
    """``ice_servers`` for the publisher and player pages (DESIGN §3).

    Every page view gets its own time-limited TURN username/password (coturn REST,
    ``CIASOM_TURN_SECRET``), so no long-lived relay password is ever handed out.
    """
    user = getattr(request, "user", None)
    tag = f"user{user.pk}" if user is not None and user.is_authenticated else "anonymous"
    return {"ice_servers": live_media().ice_servers(tag)}


def janus(request: HttpRequest) -> dict[str, object]:
    """``janus``: the player loads Janus's JavaScript API (vendored by ``make janus``)."""
    return {"janus": bool(settings.CIASOM_JANUS_URL)}
