"""Account operations shared by the pages and the API."""

from __future__ import annotations

from django.db import transaction


def delete_account(user) -> None:
    """Delete a user and everything they own: people, photos, embeddings, face crops,
    broadcasts, avatar, API token. Files go, and a live broadcast leaves the air, once the
    transaction commits (the models' delete receivers see to both)."""
    with transaction.atomic():
        user.delete()
