"""The web tier's ASGI application (``ciasom web``, one per gunicorn worker): the site,
and the reaper that ends the broadcasts of dead media nodes."""

from __future__ import annotations

import asyncio

from django.apps import apps

from ciasom.asgi import application as site

from .lifespan import Lifespan


async def _start() -> None:
    apps.get_app_config("cluster").reaper.start()


async def _stop() -> None:
    await asyncio.to_thread(apps.get_app_config("cluster").reaper.stop)


application = Lifespan(site, _start, _stop)
