"""Fixtures' helpers for WHIP/WHEP tests: users, broadcasts and the live service."""

from __future__ import annotations

from asgiref.sync import sync_to_async
from django.apps import apps
from django.contrib.auth import get_user_model

from ciasom.accounts.models import profile_of
from ciasom.broadcasts.models import Broadcast


@sync_to_async
def host(name: str = "host") -> tuple[object, str]:
    """A user and their stream key."""
    user = get_user_model().objects.create_user(name, password="pw-" + name * 3)
    return user, profile_of(user).stream_key


@sync_to_async
def broadcast_of(user, **fields) -> Broadcast:
    return Broadcast.objects.create(owner=user, title=fields.pop("title", "street walk"), **fields)


@sync_to_async
def fresh(broadcast: Broadcast) -> Broadcast:
    broadcast.refresh_from_db()
    return broadcast


def live_service():
    return apps.get_app_config("live").service


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}
