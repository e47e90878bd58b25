from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FacesConfig(AppConfig):
    name = "ciasom.faces"
    label = "faces"
    verbose_name = _("Enrolled people")

    def ready(self) -> None:
        from ciasom.faces import enrol, signals  # noqa: F401  (registers the task and receivers)
