"""The live list, shared by the home page and GET /api/broadcasts?live=1."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from ciasom.broadcasts.models import Broadcast

SORTS = {"viewers": ["-viewers", "-started_at", "-id"], "newest": ["-started_at", "-id"]}


def clean_text(value: str | None, limit: int = 100) -> str:
    # NUL cannot be stored or compared in PostgreSQL text; nobody types it on purpose.
    return (value or "").replace("\x00", "").strip()[:limit]


def live_broadcasts(q: str = "", category: str = "", sort: str = "viewers") -> QuerySet:
    qs = Broadcast.objects.filter(is_live=True).select_related("owner", "owner__profile")
    q = clean_text(q)
    if q:
        qs = qs.filter(
            Q(title__icontains=q)
            | Q(owner__username__icontains=q)
            | Q(owner__profile__nickname__icontains=q)
        )
    if category in Broadcast.Category.values:
        qs = qs.filter(category=category)
    return qs.order_by(*SORTS.get(sort, SORTS["viewers"]))
