"""A real server (``ciasom.server.serve``: migrate + uvicorn) in a subprocess, and its API."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from contextlib import contextmanager
from email.message import Message
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .clients import Publisher, Watcher

ROOT = Path(__file__).resolve().parents[2]
SDP = "application/sdp"
# loopback up; 127.0.1.1/32 on one end of a veth pair, both ends up
NAMESPACE = (
    "set -e; ip link set lo up; ip link add v0 type veth peer name w0; "
    'ip addr add 127.0.1.1/32 dev v0; ip link set v0 up; ip link set w0 up; exec "$@"'
)


def in_namespace(scenario: Path, timeout: float) -> subprocess.CompletedProcess[str]:
    """Run a scenario's tests (pytest) in a network namespace of their own with 127.0.1.1 on
    a veth link: libnice never gathers on loopback interfaces, and no packet leaves it."""
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(scenario)]
    return subprocess.run(
        ["unshare", "-n", "sh", "-c", NAMESPACE, "netns", *command],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def running_server(data_dir: Path, ice_host: str = "127.0.0.1", **settings: str):
    """Yield the base URL of a fresh server on loopback with its own SQLite database;
    its media offers ``ice_host``; ``settings`` are more environment settings."""
    port = free_port()
    env = dict(
        os.environ,
        CIASOM_DATA_DIR=str(data_dir),
        CIASOM_ICE_HOSTS=ice_host,
        CIASOM_LANGUAGE="en",
        **settings,
    )
    env.pop("DATABASE_URL", None)
    log = open(data_dir / "server.log", "wb")  # noqa: SIM115 — closed below
    process = subprocess.Popen(
        [sys.executable, "-c", f"from ciasom.server import serve; serve('127.0.0.1', {port})"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError((data_dir / "server.log").read_text()[-3000:])
            try:
                urllib.request.urlopen(base + "/", timeout=2).close()
                break
            except (urllib.error.URLError, ConnectionError):
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


class Api:
    """The JSON API of DESIGN §3, driven like a script would."""

    def __init__(self, base: str, token: str | None = None) -> None:
        self.base = base
        self.token = token

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        content_type: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, Message, bytes]:
        data = body
        if isinstance(body, (dict, list)):
            data, content_type = json.dumps(body).encode(), "application/json"
        elif isinstance(body, str):
            data = body.encode()
        request = urllib.request.Request(self.base + path, data=data, method=method)
        if content_type:
            request.add_header("Content-Type", content_type)
        if self.token:
            request.add_header("Authorization", f"Token {self.token}")
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read()

    def json(self, method: str, path: str, body: Any = None) -> Any:
        status, _, content = self.call(method, path, body)
        assert status < 300, (status, content[:500])
        return json.loads(content) if content else None

    def upload(self, path: str, field: str, files: list[Path]) -> Any:
        boundary = uuid.uuid4().hex
        parts = []
        for file in files:
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; '
                f'filename="{file.name}"\r\nContent-Type: application/octet-stream\r\n\r\n'.encode()
                + file.read_bytes()
                + b"\r\n"
            )
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        status, _, content = self.call(
            "POST", path, body, content_type=f"multipart/form-data; boundary={boundary}"
        )
        assert status < 300, (status, content[:500])
        return json.loads(content)


def host_with_broadcast(
    base: str, username: str, photos: list[Path], **broadcast: Any
) -> tuple[Api, dict[str, Any], dict[str, Any]]:
    """Sign up, enrol one person from ``photos`` (waits until ready), create a broadcast
    leaving that person visible. Returns (api, me, broadcast)."""
    password = "correct horse battery staple"
    api = Api(base)
    api.json("POST", "/api/accounts", {"username": username, "password": password})
    credentials = {"username": username, "password": password}
    api.token = api.json("POST", "/api/token", credentials)["token"]
    person = api.json("POST", "/api/people", {"name": "obama"})
    api.upload(f"/api/people/{person['id']}/photos", "photos", photos)
    deadline = time.monotonic() + 120
    while (state := api.json("GET", f"/api/people/{person['id']}"))["status"] != "ready":
        assert state["status"] != "failed" and time.monotonic() < deadline, state
        time.sleep(0.5)
    created = api.json(
        "POST",
        "/api/broadcasts",
        {
            "title": "walk in the park",
            "category": "outdoor",
            "mode": "except",
            "style": "pixelate",
            "visible_people": [person["id"]],
            **broadcast,
        },
    )
    return api, api.json("GET", "/api/me"), created


async def whip(
    api: Api, broadcast: dict[str, Any], key: str, publisher: Publisher
) -> tuple[int, Message, str]:
    """The publisher's offer posted to the broadcast's WHIP endpoint with the stream key;
    an answer (201) reaches the publisher. Returns (status, headers, body)."""
    status, headers, answer = await asyncio.to_thread(
        api.call,
        "POST",
        f"/whip/{broadcast['id']}",
        await publisher.offer(),
        content_type=SDP,
        headers={"Authorization": f"Bearer {key}"},
    )
    if status == 201:
        await publisher.answer(answer.decode())
    return status, headers, answer.decode()


async def whep(api: Api, broadcast: dict[str, Any], watcher: Watcher) -> None:
    """The watcher plays the broadcast over WHEP (201, or the test fails)."""
    status, _, answer = await asyncio.to_thread(
        api.call, "POST", f"/whep/{broadcast['id']}", await watcher.offer(), content_type=SDP
    )
    assert status == 201, answer
    await watcher.answer(answer.decode())
