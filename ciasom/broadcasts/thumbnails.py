"""Broadcast thumbnails, served while the broadcast is live (its owner always sees theirs).

After the end, or once deleted, a thumbnail would keep showing who was on camera to
anyone holding the link, so it answers 404 exactly like a broadcast that never existed.
nginx passes /media/thumbnails/ here instead of serving the folder itself (deploy/).
"""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpRequest

from ciasom.broadcasts.models import Broadcast


def thumbnail(request: HttpRequest, pk: int) -> FileResponse:
    broadcast = Broadcast.objects.filter(pk=pk).first()
    is_owner = broadcast is not None and broadcast.owner_id == request.user.pk
    if broadcast is None or not (broadcast.is_live or is_owner):
        raise Http404("no such thumbnail")
    try:
        handle = broadcast.thumbnail_file().open("rb")
    except FileNotFoundError as error:
        raise Http404("no such thumbnail") from error
    response = FileResponse(handle, content_type="image/jpeg")
    # Short and private to the owner when not live, so no cache outlives the broadcast.
    live = broadcast.is_live and not is_owner
    response["Cache-Control"] = "public, max-age=10" if live else "private, no-store"
    return response
