"""Account operations shared by the pages and the API."""

from __future__ import annotations

from django.db import transaction


def delete_account(user) -> None:
    """Delete a user and everything they own: people, photos, embeddings, face crops,
    broadcasts, avatar, API token. Files go once the transaction commits."""
    from ciasom.broadcasts.models import Broadcast

    with transaction.atomic():
        for broadcast in Broadcast.objects.filter(owner=user, is_live=True):
            broadcast.end()
        user.delete()
