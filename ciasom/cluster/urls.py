"""A media node's URLs: its internal API only (ROOT_URLCONF in the node role)."""

from django.urls import path

from . import internal

urlpatterns = [
    path("internal/node", internal.about),
    path("internal/broadcasts/<int:pk>/publisher", internal.publish),
    path("internal/broadcasts/<int:pk>/publisher/<str:session>", internal.publisher),
    path("internal/broadcasts/<int:pk>/viewers", internal.watch),
    path("internal/broadcasts/<int:pk>/viewers/<str:session>", internal.viewer),
    path("internal/broadcasts/<int:pk>", internal.status),
]
