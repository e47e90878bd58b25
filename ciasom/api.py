"""The JSON API under /api/ (DESIGN.md §3), documented at /api/schema."""

from __future__ import annotations

from django.urls import path
from drf_spectacular.renderers import OpenApiJsonRenderer, OpenApiYamlRenderer
from drf_spectacular.views import SpectacularAPIView
from rest_framework.views import exception_handler as drf_exception_handler

from ciasom.accounts import api as accounts
from ciasom.broadcasts import api as broadcasts
from ciasom.faces import api as faces


def exception_handler(exc, context):
    """DRF's handler, with every error body carrying a readable `detail`."""
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(response.data, dict) and "detail" not in response.data:
        first = next(iter(response.data.values()), None)
        if isinstance(first, list) and first:
            first = first[0]
        response.data = {"detail": str(first) if first else "Invalid request.", **response.data}
    elif response is not None and isinstance(response.data, list):
        response.data = {"detail": " ".join(str(x) for x in response.data)}
    return response


urlpatterns = [
    path("accounts", accounts.AccountsView.as_view(), name="api-accounts"),
    path("token", accounts.TokenView.as_view(), name="api-token"),
    path("me", accounts.MeView.as_view(), name="api-me"),
    path("me/stream-key", accounts.StreamKeyView.as_view(), name="api-stream-key"),
    path("people", faces.PeopleView.as_view(), name="api-people"),
    path("people/<int:pk>", faces.PersonView.as_view(), name="api-person"),
    path("people/<int:pk>/photos", faces.PhotosView.as_view(), name="api-photos"),
    path("people/<int:pk>/photos/<int:photo_pk>", faces.PhotoView.as_view(), name="api-photo"),
    path(
        "people/<int:pk>/photos/<int:photo_pk>/face.jpg",
        faces.PhotoFaceView.as_view(),
        name="api-photo-face",
    ),
    path(
        "people/<int:pk>/photos/<int:photo_pk>/face",
        faces.PhotoChoiceView.as_view(),
        name="api-photo-choice",
    ),
    path(
        "people/<int:pk>/photos/<int:photo_pk>/faces/<int:index>.jpg",
        faces.PhotoCandidateView.as_view(),
        name="api-photo-candidate",
    ),
    path("broadcasts", broadcasts.BroadcastsView.as_view(), name="api-broadcasts"),
    path("broadcasts/<int:pk>", broadcasts.BroadcastView.as_view(), name="api-broadcast"),
    path(
        "broadcasts/<int:pk>/end", broadcasts.EndBroadcastView.as_view(), name="api-broadcast-end"
    ),
    # JSON unless YAML is asked for (?format=yaml or Accept): JSON is also valid YAML, so
    # every OpenAPI tool reads it, and scripts can json-decode it.
    path(
        "schema",
        SpectacularAPIView.as_view(renderer_classes=[OpenApiJsonRenderer, OpenApiYamlRenderer]),
        name="api-schema",
    ),
]
