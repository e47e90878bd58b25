"""Pages, the JSON API under /api/, the live media path (WHIP/WHEP), public media."""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.static import serve


def public_media(request, path: str):
    return serve(request, path, document_root=str(settings.MEDIA_ROOT))


urlpatterns = [
    path("", include("ciasom.broadcasts.urls")),
    path("", include("ciasom.accounts.urls")),
    path("", include("ciasom.faces.urls")),
    path("api/", include("ciasom.api")),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    # WHIP/WHEP and the live status endpoint (ciasom.live).
    path("", include("ciasom.live.urls")),
    # Public media only: avatars (nginx may serve them itself). Thumbnails are checked
    # (live only: ciasom.broadcasts.thumbnails); enrolment photos live outside MEDIA_ROOT
    # and are served by owner-checked views.
    re_path(r"^media/(?P<path>avatars/[\w.-]+\.jpg)$", public_media),
]
