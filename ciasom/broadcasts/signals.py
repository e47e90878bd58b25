"""What the broadcasts app tells the live media path (ciasom.live connects receivers).

Both are sent only after the change has committed, with the broadcast's id, never an
instance: a receiver reads the broadcast fresh, so it sees exactly what was committed.

* `settings_changed(broadcast_id=...)`: a broadcast's settings or visible people changed
  (the page, the API, a moderator in the admin); a live engine rebuilds its settings and
  gallery from the database.
* `ended(broadcast_id=...)`: the broadcast was ended or deleted from outside the media path
  (the host's page, a moderator, a disabled or deleted account); tear the session down.
  The row may already be gone.
"""

from __future__ import annotations

from django.db import transaction
from django.dispatch import Signal

settings_changed = Signal()
ended = Signal()


def after_commit(signal: Signal, sender: type, broadcast_id: int) -> None:
    """Send ``signal`` once the current transaction commits (at once outside one)."""
    transaction.on_commit(lambda: signal.send(sender=sender, broadcast_id=broadcast_id))
