"""A media node's ASGI application (``ciasom media-node``): the internal API only
(``ROOT_URLCONF`` is :mod:`ciasom.cluster.urls` in the node role), registered in Redis for
the process's life. No task runner: enrolment is the web tier's work."""

from __future__ import annotations

import os

from django.core.asgi import get_asgi_application

from .lifespan import Lifespan

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ciasom.settings")

django_application = get_asgi_application()


async def _start() -> None:
    from .apps import media_node

    await media_node().start()


async def _stop() -> None:
    from .apps import media_node

    await media_node().stop()


application = Lifespan(django_application, _start, _stop)
