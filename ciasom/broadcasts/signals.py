"""Hooks for the live media path (ciasom.live), which connects receivers to these.

* `settings_changed(broadcast=...)`: a live broadcast's settings or its visible
  people's photos changed; rebuild the engine settings / gallery (`broadcast.gallery()`).
* `ended(broadcast=..., broadcast_id=...)`: the broadcast was ended from outside the
  media path (the host's page, a moderator in the admin, account deletion); tear the
  session down. Use `broadcast_id`: the row may already be deleted.
"""

from __future__ import annotations

from django.db import transaction
from django.dispatch import Signal

settings_changed = Signal()
ended = Signal()


def people_changed(person_ids: list[int]) -> None:
    """Tell every live broadcast showing one of these people that its gallery changed."""
    from ciasom.broadcasts.models import Broadcast

    # Looked up now: after a person is deleted the link to their broadcasts is gone.
    live = list(Broadcast.objects.filter(is_live=True, visible_people__in=person_ids).distinct())

    def send() -> None:
        for broadcast in live:
            settings_changed.send(sender=Broadcast, broadcast=broadcast)

    transaction.on_commit(send)
