"""Background work that must never run in a request thread (face enrolment costs 0.1-0.5 s
of CPU per photo).

Two runners, chosen by settings.REDIS_URL:

* in-process (default): a small thread pool inside the server process. Work queued when
  the process stops is not lost for enrolment: pending photos are re-queued at start-up
  (`ciasom.faces.enrol.requeue_pending`).
* Redis: jobs are JSON pushed onto a Redis list; every server process runs worker threads
  that pop from it, so several processes (gunicorn workers) share one queue.

Tasks are plain functions registered by name with `@task("name")`; arguments must be
JSON-serialisable (ids, not model instances), because the Redis runner sends them over
the wire. Callers inside a transaction should submit with `transaction.on_commit`.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from django.conf import settings
from django.db import close_old_connections, connections

log = logging.getLogger(__name__)

REGISTRY: dict[str, Callable[..., Any]] = {}


def task(name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a function as a background task under a stable name."""

    def register(fn: Callable[..., Any]) -> Callable[..., Any]:
        REGISTRY[name] = fn
        return fn

    return register


def run_task(name: str, args: list[Any]) -> None:
    """Run one task in the current (worker) thread with fresh database connections."""
    fn = REGISTRY.get(name)  # task modules register when their app is ready (django.setup)
    if fn is None:
        log.error("unknown task %r dropped", name)
        return
    close_old_connections()
    try:
        fn(*args)
    except Exception:
        log.exception("task %s%r failed", name, tuple(args))
    finally:
        connections.close_all()


class ThreadRunner:
    """In-process runner: a thread pool, work lost only if the process dies."""

    def __init__(self, workers: int = 1) -> None:
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="ciasom-task")

    def submit(self, name: str, *args: Any) -> None:
        self.pool.submit(run_task, name, list(args))

    def start(self) -> None:
        """Nothing to do: pool threads start on first use."""

    def stop(self, wait: bool = False) -> None:
        self.pool.shutdown(wait=wait, cancel_futures=not wait)


class RedisRunner:
    """Redis list as the queue, consumed by worker threads in each server process."""

    def __init__(self, url: str, queue: str = "ciasom:tasks", workers: int = 1) -> None:
        import redis

        self.url = url
        self.queue = queue
        self.workers = workers
        self.redis = redis.Redis.from_url(url)
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._local: ThreadRunner | None = None

    def submit(self, name: str, *args: Any) -> None:
        import redis

        self.start()
        try:
            self.redis.lpush(self.queue, json.dumps({"task": name, "args": list(args)}))
        except redis.RedisError:
            # Redis is down: do the work here rather than fail the upload or lose it.
            log.exception("task queue %s unreachable; running %s in-process", self.queue, name)
            self._fallback().submit(name, *args)

    def _fallback(self) -> ThreadRunner:
        with self._lock:
            if self._local is None:
                self._local = ThreadRunner(self.workers)
            return self._local

    def start(self) -> None:
        with self._lock:
            if self._threads:
                return
            for i in range(self.workers):
                thread = threading.Thread(
                    target=self._consume, name=f"ciasom-redis-task-{i}", daemon=True
                )
                thread.start()
                self._threads.append(thread)

    def stop(self, wait: bool = False) -> None:
        self._stop.set()
        if self._local is not None:
            self._local.stop(wait=wait)
        if wait:
            for thread in self._threads:
                thread.join(timeout=5)

    def _consume(self) -> None:
        import redis

        client = redis.Redis.from_url(self.url)
        while not self._stop.is_set():
            try:
                item = client.brpop([self.queue], timeout=1)
            except redis.RedisError:
                log.exception("task queue %s unreachable; retrying", self.queue)
                self._stop.wait(2)
                continue
            if item is None:
                continue
            try:
                job = json.loads(item[1])
                name, args = job["task"], list(job.get("args", []))
            except (ValueError, KeyError, TypeError):
                log.error("malformed job dropped: %r", item[1][:200])
                continue
            run_task(name, args)


_runner: ThreadRunner | RedisRunner | None = None
_runner_key: tuple[Any, ...] | None = None
_runner_lock = threading.Lock()


def runner() -> ThreadRunner | RedisRunner:
    """The process-wide runner for the current settings (rebuilt if they change)."""
    global _runner, _runner_key
    key = (settings.REDIS_URL, settings.CIASOM_TASK_QUEUE, settings.CIASOM_TASK_WORKERS)
    with _runner_lock:
        if _runner is None or key != _runner_key:
            if _runner is not None:
                _runner.stop()
            if settings.REDIS_URL:
                _runner = RedisRunner(
                    settings.REDIS_URL, settings.CIASOM_TASK_QUEUE, settings.CIASOM_TASK_WORKERS
                )
            else:
                _runner = ThreadRunner(settings.CIASOM_TASK_WORKERS)
            _runner_key = key
        return _runner


def submit(name: str, *args: Any) -> None:
    """Queue `name(*args)` to run in the background."""
    runner().submit(name, *args)


def start() -> None:
    """Start consuming (called by the server at start-up)."""
    runner().start()
