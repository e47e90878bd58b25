"""The web tier's ASGI application (``ciasom web``, one per gunicorn worker): the site,
and the reaper that ends the broadcasts of dead media nodes."""

from __future__ import annotations

import asyncio

from ciasom.asgi import application as site

from .apps import reaper
from .lifespan import Lifespan


async def _start() -> None:
    reaper().start()


async def _stop() -> None:
    await asyncio.to_thread(reaper().stop)


application = Lifespan(site, _start, _stop)
