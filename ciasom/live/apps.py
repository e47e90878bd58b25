from __future__ import annotations

from typing import TYPE_CHECKING

from django.apps import AppConfig, apps

if TYPE_CHECKING:
    from .media import LiveMedia


def live_media() -> LiveMedia:
    """This process's media (the ``live`` app's), typed."""
    config = apps.get_app_config("live")
    assert isinstance(config, LiveConfig)
    return config.service


class LiveConfig(AppConfig):
    """Owns this process's media (``.service``): a :class:`~ciasom.live.service.LiveService`,
    or in the web tier a :class:`~ciasom.cluster.media.ClusterMedia`."""

    name = "ciasom.live"
    label = "live"

    def ready(self) -> None:
        from django.conf import settings

        from . import receivers
        from .service import LiveService

        self.service: LiveMedia
        if settings.CIASOM_ROLE == "web":  # the media runs on the nodes (DESIGN §6)
            from ciasom.cluster.media import ClusterMedia

            self.service = ClusterMedia.from_settings()
        else:
            self.service = LiveService.from_settings()
        # The apps' after-commit signals, turned into calls on the media (one place).
        receivers.connect(self)
