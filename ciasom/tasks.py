"""Background work through Django's tasks API (``django-tasks``, the backport of Django 6's
``django.tasks``), stored by ``django-tasks-db``: face enrolment costs 0.1-0.5 s of CPU per
photo and must never run in a request thread.

Tasks are ``@task()`` functions (``ciasom.faces.enrol.enrol``), queued with ``.enqueue()``
after the commit that stored their input. The queue is a database table, so the embedded
default (``ciasom serve``: one process, SQLite) and production (PostgreSQL, several
processes) run the same code, and nothing queued is lost when a process stops.

Who runs them: every process that serves or queues runs ``CIASOM_TASK_WORKERS`` worker
threads (django-tasks-db's own worker loop), started at most once; several processes share
the table, each task claimed by one (row locks on PostgreSQL, an exclusive transaction on
SQLite). ``CIASOM_TASK_WORKERS=0`` leaves the work to ``django-admin db_worker`` processes.
"""

from __future__ import annotations

import logging
import secrets
import threading

from django.conf import settings
from django.db import close_old_connections, connections
from django_tasks_db.management.commands.db_worker import Worker

logger = logging.getLogger(__name__)

POLL_INTERVAL = 0.5  # seconds an idle worker waits before looking for queued work again
RESTART_DELAY = 2.0  # seconds before a worker whose loop failed (database away) starts again

_workers: list[tuple[Worker, threading.Thread]] = []
_lock = threading.Lock()


def start() -> None:
    """Start this process's worker threads (idempotent: at start-up, and by whoever queues)."""
    with _lock:
        if _workers:
            return
        for number in range(settings.CIASOM_TASK_WORKERS):
            worker = Worker(
                queue_names=["default"],
                interval=POLL_INTERVAL,
                batch=False,
                backend_name="default",
                startup_delay=False,
                max_tasks=None,
                worker_id=f"ciasom-{secrets.token_hex(4)}-{number}",
                excluded_queue_names=[],
            )
            thread = threading.Thread(
                target=_work, args=(worker,), name=f"ciasom-task-{number}", daemon=True
            )
            thread.start()
            _workers.append((worker, thread))


def stop(timeout: float = 10.0) -> None:
    """Let the worker threads finish their current task and end; wait up to ``timeout`` s."""
    with _lock:
        for worker, _ in _workers:
            worker.running = False
        for _, thread in _workers:
            thread.join(timeout)
        _workers.clear()


def _work(worker: Worker) -> None:
    """django-tasks-db's worker loop, in a thread, kept alive: a database that goes away for
    a moment (or is locked by a test) must not end background work for the process."""
    try:
        while worker.running:
            try:
                worker.run()
            except Exception:
                logger.exception("task worker %s failed; restarting", worker.worker_id)
                threading.Event().wait(RESTART_DELAY)
    finally:
        close_old_connections()
        connections.close_all()
