from __future__ import annotations

from typing import TYPE_CHECKING, cast

from django.apps import AppConfig, apps
from django.conf import settings

if TYPE_CHECKING:
    from ciasom.live.service import LiveService

    from .node import MediaNode
    from .reaper import Reaper


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
            service = cast("LiveService", vars(apps.get_app_config("live"))["service"])
            self.node = MediaNode.from_settings(service)
        elif settings.CIASOM_ROLE == "web":
            self.reaper = Reaper(node_registry())


def cluster() -> ClusterConfig:
    """This process's cluster part (typed)."""
    return cast(ClusterConfig, apps.get_app_config("cluster"))


def media_node() -> MediaNode:
    node = cluster().node
    if node is None:
        raise RuntimeError("not a media node (CIASOM_ROLE=node)")
    return node


def reaper() -> Reaper:
    found = cluster().reaper
    if found is None:
        raise RuntimeError("not the web tier (CIASOM_ROLE=web)")
    return found
