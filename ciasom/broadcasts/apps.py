from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BroadcastsConfig(AppConfig):
    name = "ciasom.broadcasts"
    label = "broadcasts"
    verbose_name = _("Broadcasts")

    def ready(self) -> None:
        from ciasom.broadcasts import receivers  # noqa: F401
