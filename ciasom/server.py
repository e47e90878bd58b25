"""`ciasom serve`: the embedded default — migrate, then one uvicorn process in-process.

One process on purpose: WebRTC sessions, the engine and the per-broadcast state live in
this process's memory. Scaling out is the production recipe in deploy/.
"""

from __future__ import annotations

import ipaddress
import os
from typing import Any

# Slow or idle clients must not hold the one worker: idle keep-alive connections close
# after 5 s, beyond CIASOM_MAX_CONNECTIONS connections uvicorn answers 503 at once, and a
# stop waits at most 10 s for requests in flight. Slow request bodies are cut off by
# ciasom/bodylimit.py (CIASOM_BODY_TIMEOUT); slow headers by nginx in production (deploy/).
UVICORN_LIMITS: dict[str, Any] = {
    "timeout_keep_alive": 5,
    "timeout_graceful_shutdown": 10,
    "limit_concurrency": int(os.environ.get("CIASOM_MAX_CONNECTIONS", 1000)),
    "h11_max_incomplete_event_size": 64 * 1024,  # request line + headers
}


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def default_ice_hosts(host: str) -> str | None:
    """On a loopback address, offer only that address as the host candidate: a browser on
    the same machine then connects without a packet leaving it (DESIGN.md §4)."""
    if not is_loopback(host):
        return None
    return "127.0.0.1" if host == "localhost" else host.strip("[]")


def end_orphaned_broadcasts() -> int:
    """Broadcasts marked live by a server that stopped (crash, restart): nobody holds their
    media sessions any more, so they are ended before the new process serves anything."""
    from ciasom.broadcasts.models import Broadcast

    return Broadcast.objects.end_all()


def serve(host: str = "127.0.0.1", port: int = 8000) -> None:
    ice_hosts = default_ice_hosts(host)
    if ice_hosts:
        os.environ.setdefault("CIASOM_ICE_HOSTS", ice_hosts)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ciasom.settings")

    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", interactive=False, verbosity=1)
    end_orphaned_broadcasts()

    import uvicorn

    uvicorn.run(
        "ciasom.asgi:application",
        host=host,
        port=port,
        workers=1,
        proxy_headers=True,
        forwarded_allow_ips=os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1"),
        log_level=os.environ.get("LOG_LEVEL", "info").lower(),
        **UVICORN_LIMITS,
    )
