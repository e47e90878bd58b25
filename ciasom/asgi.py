"""ASGI entry point: `uvicorn ciasom.asgi:application` (one process holds the media path).

Importing this module is "the server starts": the background task runner begins
consuming, and enrolment left pending by a previous run is queued again.
"""

from __future__ import annotations

import logging
import os

from django.conf import settings
from django.core.asgi import get_asgi_application

from ciasom.bodylimit import BodyLimit, route_limits

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ciasom.settings")

django_application = get_asgi_application()

# Oversized and slow bodies are refused before Django reads them (ciasom/bodylimit.py).
application = BodyLimit(django_application, route_limits(), settings.CIASOM_BODY_TIMEOUT)


def _start_background_work() -> None:
    from ciasom import tasks
    from ciasom.faces.enrol import requeue_pending

    tasks.start()
    try:
        queued = requeue_pending()
    except Exception:  # e.g. not migrated yet; serving must not depend on this
        logging.getLogger(__name__).warning("pending photos not re-queued", exc_info=True)
        return
    if queued:
        logging.getLogger(__name__).info("re-queued %d pending photos", queued)


_start_background_work()
