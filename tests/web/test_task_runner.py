"""The background runner: a thread pool in the server process by default, a Redis list
consumed by worker threads when REDIS_URL is set (tested against the local Redis)."""

from __future__ import annotations

import json
import threading
import uuid

import pytest
import redis
from django.core.files.uploadedfile import SimpleUploadedFile
from web_helpers import real_photo, wait_until

from ciasom import tasks

REDIS_TEST_URL = "redis://127.0.0.1:6379/15"


@pytest.fixture
def recorder():
    """A registered task that records where and with what it ran."""
    calls: list[tuple[str, tuple]] = []
    done = threading.Event()

    def record(*args):
        calls.append((threading.current_thread().name, args))
        done.set()

    name = f"test.record.{uuid.uuid4().hex}"
    tasks.REGISTRY[name] = record
    yield name, calls, done
    tasks.REGISTRY.pop(name, None)


@pytest.fixture
def redis_runner():
    queue = f"ciasom:test:{uuid.uuid4().hex}"
    runner = tasks.RedisRunner(REDIS_TEST_URL, queue=queue, workers=2)
    yield runner
    runner.stop(wait=True)
    redis.Redis.from_url(REDIS_TEST_URL).delete(queue)


def test_thread_runner_runs_tasks_off_the_calling_thread(recorder):
    name, calls, done = recorder
    runner = tasks.ThreadRunner(workers=1)
    try:
        runner.submit(name, 1, "two")
        assert done.wait(5)
        assert calls == [(calls[0][0], (1, "two"))]
        worker = calls[0][0]
        assert worker.startswith("ciasom-task") and worker != threading.current_thread().name
    finally:
        runner.stop(wait=True)


def test_a_failing_task_does_not_stop_the_runner(recorder, caplog):
    name, calls, done = recorder
    tasks.REGISTRY["test.explode"] = lambda: 1 / 0
    runner = tasks.ThreadRunner(workers=1)
    try:
        runner.submit("test.explode")
        runner.submit(name, "after")
        assert done.wait(5) and calls[0][1] == ("after",)
        assert "test.explode" in caplog.text
    finally:
        runner.stop(wait=True)
        tasks.REGISTRY.pop("test.explode", None)


def test_redis_runner_carries_jobs_through_redis(recorder, redis_runner):
    name, calls, done = recorder
    redis_runner.submit(name, 7, ["a", 1])
    assert done.wait(10)
    assert calls[0][0].startswith("ciasom-redis-task") and calls[0][1] == (7, ["a", 1])
    assert redis.Redis.from_url(REDIS_TEST_URL).llen(redis_runner.queue) == 0


def test_redis_runner_takes_jobs_queued_by_another_process(recorder, redis_runner):
    """What a second server process (or one that restarted) finds in the shared queue."""
    name, calls, done = recorder
    client = redis.Redis.from_url(REDIS_TEST_URL)
    client.lpush(redis_runner.queue, b"{not json")  # dropped, worker lives on
    client.lpush(redis_runner.queue, json.dumps({"task": name, "args": [42]}))
    redis_runner.start()
    assert done.wait(10) and calls[0][1] == (42,)


def test_redis_runner_splits_work_between_its_workers(redis_runner):
    names = set()
    lock, all_done = threading.Lock(), threading.Event()
    barrier = threading.Barrier(2, timeout=10)

    def meet():
        barrier.wait()  # returns only when two jobs run at the same time
        with lock:
            names.add(threading.current_thread().name)
            if len(names) == 2:
                all_done.set()

    tasks.REGISTRY["test.meet"] = meet
    try:
        redis_runner.submit("test.meet")
        redis_runner.submit("test.meet")
        assert all_done.wait(15) and len(names) == 2
    finally:
        tasks.REGISTRY.pop("test.meet", None)


def test_runner_follows_settings(settings):
    settings.REDIS_URL = None
    assert isinstance(tasks.runner(), tasks.ThreadRunner)
    settings.REDIS_URL = REDIS_TEST_URL
    settings.CIASOM_TASK_QUEUE = f"ciasom:test:{uuid.uuid4().hex}"
    try:
        assert isinstance(tasks.runner(), tasks.RedisRunner)
    finally:
        tasks.runner().stop(wait=True)
        settings.REDIS_URL = None
    assert isinstance(tasks.runner(), tasks.ThreadRunner)


@pytest.mark.django_db(transaction=True)
def test_enrolment_through_the_redis_queue(alice_api, settings):
    """The whole enrolment path with REDIS_URL set: upload -> Redis -> worker -> ready."""
    settings.REDIS_URL = REDIS_TEST_URL
    settings.CIASOM_TASK_QUEUE = queue = f"ciasom:test:{uuid.uuid4().hex}"
    try:
        assert isinstance(tasks.runner(), tasks.RedisRunner)
        person = alice_api.post("/api/people", {"name": "Barack"}, format="json").json()
        photo = SimpleUploadedFile("o.jpg", real_photo("obama.jpg"), content_type="image/jpeg")
        assert (
            alice_api.post(
                f"/api/people/{person['id']}/photos", {"photos": [photo]}, format="multipart"
            ).status_code
            == 202
        )
        data = wait_until(
            lambda: (
                (d := alice_api.get(f"/api/people/{person['id']}").json())["status"] != "processing"
                and d
            ),
            timeout=60,
        )
        assert data["status"] == "ready"
    finally:
        tasks.runner().stop(wait=True)
        settings.REDIS_URL = None
        tasks.runner()
        redis.Redis.from_url(REDIS_TEST_URL).delete(queue)


def test_with_redis_down_the_work_is_still_done_in_process(recorder, caplog):
    name, calls, done = recorder
    runner = tasks.RedisRunner("redis://127.0.0.1:1/0", queue="ciasom:test:down", workers=1)
    try:
        runner.submit(name, "still done")
        assert done.wait(10) and calls[0][1] == ("still done",)
        assert calls[0][0].startswith("ciasom-task")
        assert "unreachable" in caplog.text
    finally:
        runner.stop(wait=True)
