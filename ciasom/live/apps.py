from __future__ import annotations

from django.apps import AppConfig


class LiveConfig(AppConfig):
    """Owns this process's media (``.service``): a :class:`~ciasom.live.service.LiveService`,
    or in the web tier a :class:`~ciasom.cluster.media.ClusterMedia`."""

    name = "ciasom.live"
    label = "live"

    def ready(self) -> None:
        # The broadcasts app sends both after the commit, for every path (pages, API, admin,
        # enrolled people changing: it relays the faces app's `people_changed`).
        from django.conf import settings

        from ciasom.broadcasts import signals

        from .media import LiveMedia
        from .service import LiveService

        self.service: LiveMedia
        if settings.CIASOM_ROLE == "web":  # the media runs on the nodes (DESIGN §6)
            from ciasom.cluster.media import ClusterMedia

            self.service = ClusterMedia.from_settings()
        else:
            self.service = LiveService.from_settings()
        signals.settings_changed.connect(self._settings_changed, dispatch_uid="live-settings")
        signals.ended.connect(self._ended, dispatch_uid="live-ended")

    def _settings_changed(self, sender, broadcast_id, **kwargs) -> None:
        self.service.apply_settings(broadcast_id)

    def _ended(self, sender, broadcast_id, **kwargs) -> None:
        self.service.end(broadcast_id)
