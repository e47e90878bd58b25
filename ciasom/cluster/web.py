"""`ciasom web`: pages, the JSON API and WHIP/WHEP signalling under gunicorn with uvicorn
workers; no media (DESIGN §6). Migrates once in the master, before the workers fork."""

from __future__ import annotations

import os
from typing import Any

from gunicorn.app.base import BaseApplication

from ciasom.server import UVICORN_LIMITS


class WebTier(BaseApplication):
    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for name, value in self.options.items():
            self.cfg.set(name, value)

    def load(self) -> Any:
        from .webapp import application

        return application


def serve_web(host: str = "127.0.0.1", port: int = 8000, workers: int = 2) -> None:
    os.environ["CIASOM_ROLE"] = "web"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ciasom.settings")

    import django
    from django.core.management import call_command
    from django.db import connections

    django.setup()
    from .auth import node_secret
    from .connection import cluster_redis

    node_secret()
    cluster_redis().ping()
    call_command("migrate", interactive=False, verbosity=1)
    connections.close_all()  # never share a connection with the forked workers

    WebTier(
        {
            "bind": f"{host}:{port}",
            "workers": workers,
            "worker_class": "ciasom.cluster.worker.WebWorker",
            "keepalive": UVICORN_LIMITS["timeout_keep_alive"],
            "graceful_timeout": UVICORN_LIMITS["timeout_graceful_shutdown"],
            "timeout": 60,
            "loglevel": os.environ.get("LOG_LEVEL", "info").lower(),
            "accesslog": "-" if os.environ.get("CIASOM_ACCESS_LOG") else None,
        }
    ).run()
