"""Gunicorn's worker for the web tier: uvicorn with the limits ``ciasom serve`` has."""

from __future__ import annotations

import os
from typing import Any

from uvicorn_worker import UvicornWorker  # type: ignore[import-untyped]

from ciasom.server import UVICORN_LIMITS


class WebWorker(UvicornWorker):
    # Gunicorn's own settings carry keep-alive and the graceful stop (ciasom.cluster.web).
    CONFIG_KWARGS: dict[str, Any] = {
        "loop": "auto",
        "http": "auto",
        "lifespan": "on",
        "proxy_headers": True,
        "forwarded_allow_ips": os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1"),
        "limit_concurrency": UVICORN_LIMITS["limit_concurrency"],
        "h11_max_incomplete_event_size": UVICORN_LIMITS["h11_max_incomplete_event_size"],
    }
