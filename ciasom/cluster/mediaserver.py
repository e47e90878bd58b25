"""`ciasom media-node`: one media node on its internal port (DESIGN §6)."""

from __future__ import annotations

import os

from ciasom.server import UVICORN_LIMITS, default_ice_hosts


def serve_node(host: str, port: int, name: str, capacity: int | None) -> None:
    os.environ["CIASOM_ROLE"] = "node"
    os.environ["CIASOM_NODE_NAME"] = name
    os.environ.setdefault("CIASOM_NODE_ADDRESS", f"http://{host}:{port}")
    if capacity is not None:
        os.environ["CIASOM_MAX_STREAMS"] = str(capacity)
    ice_hosts = default_ice_hosts(host)
    if ice_hosts:
        os.environ.setdefault("CIASOM_ICE_HOSTS", ice_hosts)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ciasom.settings")

    import django

    django.setup()
    from .auth import node_secret
    from .connection import cluster_redis

    node_secret()
    cluster_redis().ping()

    import uvicorn

    uvicorn.run(
        "ciasom.cluster.nodeapp:application",
        host=host,
        port=port,
        workers=1,
        lifespan="on",
        log_level=os.environ.get("LOG_LEVEL", "info").lower(),
        timeout_keep_alive=UVICORN_LIMITS["timeout_keep_alive"],
        timeout_graceful_shutdown=UVICORN_LIMITS["timeout_graceful_shutdown"],
        limit_concurrency=UVICORN_LIMITS["limit_concurrency"],
        h11_max_incomplete_event_size=UVICORN_LIMITS["h11_max_incomplete_event_size"],
    )
