from __future__ import annotations

from django.apps import AppConfig, apps
from django.conf import settings


class ClusterConfig(AppConfig):
    """Holds the process's cluster part: the :class:`~.node.MediaNode` (``.node``) in a
    media node, the :class:`~.reaper.Reaper` (``.reaper``) in a web worker, neither in the
    embedded server."""

    name = "ciasom.cluster"
    label = "cluster"

    def ready(self) -> None:
        from .connection import node_registry
        from .node import MediaNode
        from .reaper import Reaper

        self.node: MediaNode | None = None
        self.reaper: Reaper | None = None
        if settings.CIASOM_ROLE == "node":
            self.node = MediaNode.from_settings(apps.get_app_config("live").service)
        elif settings.CIASOM_ROLE == "web":
            self.reaper = Reaper(node_registry())
