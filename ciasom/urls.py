"""Pages, the JSON API under /api/, public media, and the live media path when present."""

from __future__ import annotations

import importlib.util

from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.static import serve


def public_media(request, path: str):
    return serve(request, path, document_root=settings.MEDIA_ROOT)


urlpatterns = [
    path("", include("ciasom.broadcasts.urls")),
    path("", include("ciasom.accounts.urls")),
    path("", include("ciasom.faces.urls")),
    path("api/", include("ciasom.api")),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    # Public media only (avatars, processed broadcast thumbnails). Enrolment photos live
    # outside MEDIA_ROOT and are served by owner-checked views. nginx may serve this itself.
    re_path(r"^media/(?P<path>(?:avatars|thumbnails)/[\w.-]+\.jpg)$", public_media),
]

# WHIP/WHEP and the player/publisher pages (ciasom.live, another team's app).
if (importlib.util.find_spec("ciasom.live") is not None
        and importlib.util.find_spec("ciasom.live.urls") is not None):
    urlpatterns.append(path("", include("ciasom.live.urls")))
