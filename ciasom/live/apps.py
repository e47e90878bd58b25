from __future__ import annotations

from django.apps import AppConfig


class LiveConfig(AppConfig):
    """Owns this process's :class:`~ciasom.live.service.LiveService` (``.service``)."""

    name = "ciasom.live"
    label = "live"

    def ready(self) -> None:
        # The broadcasts app sends both after the commit, for every path (pages, API, admin,
        # enrolled people changing: it relays the faces app's `people_changed`).
        from ciasom.broadcasts import signals

        from .service import LiveService

        self.service = LiveService.from_settings()
        signals.settings_changed.connect(self._settings_changed, dispatch_uid="live-settings")
        signals.ended.connect(self._ended, dispatch_uid="live-ended")

    def _settings_changed(self, sender, broadcast_id, **kwargs) -> None:
        self.service.apply_settings(broadcast_id)

    def _ended(self, sender, broadcast_id, **kwargs) -> None:
        self.service.end(broadcast_id)
