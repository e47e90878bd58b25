"""The one place where a change that affects a live broadcast becomes a call on the media.

Each app sends its own signals, after the change has committed (so the media reads exactly
what is stored), and knows nothing of the live layer:

* ``broadcasts.signals.settings_changed(broadcast_id)`` — a broadcast's settings or visible
  people changed → :meth:`LiveMedia.apply_settings`;
* ``broadcasts.signals.ended(broadcast_id)`` — ended or deleted outside the media path →
  :meth:`LiveMedia.end`;
* ``faces.signals.people_changed(owner_id)`` — a host's enrolled people changed → every live
  broadcast of theirs rebuilds its gallery (:meth:`LiveMedia.apply_settings`).

The media is this process's :class:`~ciasom.live.media.LiveMedia`: the media itself
(``LiveService``), or in the web tier the cluster's (``ClusterMedia``), which carries the
call to the node that holds the broadcast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ciasom.broadcasts import signals as broadcast_signals
from ciasom.broadcasts.models import Broadcast
from ciasom.faces import signals as face_signals

if TYPE_CHECKING:
    from .apps import LiveConfig


def connect(config: LiveConfig) -> None:
    """Subscribe the live layer to the apps' signals (once per process, from ``LiveConfig``).

    Each receiver asks ``config.service`` when it runs, so it reaches the media of the moment.
    """

    def settings_changed(sender: Any, broadcast_id: int, **kwargs: Any) -> None:
        config.service.apply_settings(broadcast_id)

    def ended(sender: Any, broadcast_id: int, **kwargs: Any) -> None:
        config.service.end(broadcast_id)

    def people_changed(sender: Any, owner_id: int, **kwargs: Any) -> None:
        # Found by owner, since a deleted person's links to broadcasts are gone by now.
        for broadcast_id in Broadcast.objects.live_ids(owner_id):
            config.service.apply_settings(broadcast_id)

    # weak=False: the receivers are closures, kept alive by the signals themselves.
    broadcast_signals.settings_changed.connect(
        settings_changed, weak=False, dispatch_uid="live-settings"
    )
    broadcast_signals.ended.connect(ended, weak=False, dispatch_uid="live-ended")
    face_signals.people_changed.connect(people_changed, weak=False, dispatch_uid="live-people")
