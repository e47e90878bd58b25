"""Background work goes through Django's tasks API, queued in the database: worker threads of
the serving process run it (never the request), a failing task does not stop them, and work
queued while no worker runs (a stopped server) is done once one starts."""

from __future__ import annotations

import threading

import pytest
from django_tasks import task
from django_tasks_db.models import DBTaskResult
from web_helpers import wait_until

from ciasom import tasks

pytestmark = pytest.mark.django_db(transaction=True)

RAN: list[tuple[str, str]] = []  # (thread name, argument), appended by `record`
GATE = threading.Event()


@task()
def record(argument: str) -> None:
    RAN.append((threading.current_thread().name, argument))


@task()
def explode() -> None:
    raise RuntimeError("a task that fails")


@pytest.fixture(autouse=True)
def fresh_workers():
    RAN.clear()
    tasks.stop()
    yield
    tasks.stop()


def test_a_task_runs_in_a_worker_thread_not_the_caller():
    tasks.start()
    record.enqueue("hello")
    wait_until(lambda: RAN, timeout=10)
    ((thread, argument),) = RAN
    assert argument == "hello"
    assert thread.startswith("ciasom-task") and thread != threading.current_thread().name


def test_a_failing_task_is_recorded_and_the_worker_goes_on(caplog):
    tasks.start()
    failed = explode.enqueue()
    record.enqueue("after")
    wait_until(lambda: RAN, timeout=10)
    assert DBTaskResult.objects.get(pk=failed.id).status == "FAILED"
    assert "a task that fails" in caplog.text


def test_work_queued_while_no_worker_runs_is_done_when_one_starts(settings):
    queued = record.enqueue("kept")  # a server that stopped before its worker got to it
    assert DBTaskResult.objects.get(pk=queued.id).status == "READY"
    tasks.start()
    wait_until(lambda: RAN, timeout=10)
    assert RAN[0][1] == "kept"


def test_no_worker_threads_when_the_work_is_left_to_db_worker(settings):
    settings.CIASOM_TASK_WORKERS = 0
    tasks.start()
    record.enqueue("for db_worker")
    assert not any(t.name.startswith("ciasom-task") for t in threading.enumerate())
    assert DBTaskResult.objects.filter(status="READY").count() == 1
