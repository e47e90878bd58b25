from __future__ import annotations

from django.apps import AppConfig


class LiveConfig(AppConfig):
    """Owns this process's media (``.service``): a :class:`~ciasom.live.service.LiveService`,
    or in the web tier a :class:`~ciasom.cluster.media.ClusterMedia`."""

    name = "ciasom.live"
    label = "live"

    def ready(self) -> None:
        from django.conf import settings

        from . import receivers
        from .media import LiveMedia
        from .service import LiveService

        self.service: LiveMedia
        if settings.CIASOM_ROLE == "web":  # the media runs on the nodes (DESIGN §6)
            from ciasom.cluster.media import ClusterMedia

            self.service = ClusterMedia.from_settings()
        else:
            self.service = LiveService.from_settings()
        # The apps' after-commit signals, turned into calls on the media (one place).
        receivers.connect()
