"""Oversized and slow request bodies are refused before Django reads them (issue 8).

Against a real ``ciasom serve`` process (uvicorn + the ASGI app), over raw sockets, so
nothing between the test and the server buffers or fixes the request.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
from web_helpers import image_bytes

from ciasom.server import UVICORN_LIMITS

PHOTO_LIMIT = 100_000  # CIASOM_MAX_PHOTO_BYTES for this server: 20 photos → ~3 MB a request


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    data = tmp_path_factory.mktemp("server")
    port = free_port()
    env = dict(
        os.environ,
        CIASOM_DATA_DIR=str(data),
        CIASOM_MAX_PHOTO_BYTES=str(PHOTO_LIMIT),
        CIASOM_BODY_TIMEOUT="1.5",
    )
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    with open(data / "server.log", "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-c", f"from ciasom.server import serve; serve('127.0.0.1', {port})"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                assert process.poll() is None, (data / "server.log").read_text()[-3000:]
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2).close()
                    break
                except (urllib.error.URLError, ConnectionError):
                    assert time.monotonic() < deadline
                    time.sleep(0.3)
            yield port, data
        finally:
            process.terminate()
            process.wait(15)


def api(port: int, path: str, body: dict, token: str | None = None) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        json.dumps(body).encode(),
        {"Content-Type": "application/json"},
    )
    if token:
        request.add_header("Authorization", f"Token {token}")
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def exchange(port: int, head: str, chunks=(), every: float = 0.0) -> tuple[int, bytes, float]:
    """Send ``head`` then ``chunks``, ``every`` seconds apart (stopping if the server hangs
    up); the answer's status, body and the seconds it took."""
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(head.encode())
        try:
            for chunk in chunks:
                time.sleep(every)
                sock.sendall(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass  # refused mid-body: the answer is already waiting
        answer = b""
        try:
            while not complete(answer) and (data := sock.recv(65536)):
                answer += data
        except (ConnectionResetError, TimeoutError):
            pass
    status = int(answer.split(b" ", 2)[1])
    return status, answer.partition(b"\r\n\r\n")[2], time.monotonic() - started


def complete(answer: bytes) -> bool:
    head, found, body = answer.partition(b"\r\n\r\n")
    for line in head.lower().split(b"\r\n"):
        if found and line.startswith(b"content-length:"):
            return len(body) >= int(line.split(b":")[1])
    return False


def post_head(path: str, headers: dict[str, str]) -> str:
    lines = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return "\r\n".join(lines) + "\r\n\r\n"


def chunked(data: bytes, size: int = 64 * 1024):
    for start in range(0, len(data), size):
        piece = data[start : start + size]
        yield f"{len(piece):x}\r\n".encode() + piece + b"\r\n"
    yield b"0\r\n\r\n"


def multipart(files: list[bytes]) -> tuple[str, bytes]:
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="photos"; '
        f'filename="{i}.jpg"\r\nContent-Type: image/jpeg\r\n\r\n'.encode()
        + f
        + b"\r\n"
        for i, f in enumerate(files)
    ]
    return f"multipart/form-data; boundary={boundary}", b"".join(
        parts
    ) + f"--{boundary}--\r\n".encode()


def stored_files(data: Path) -> list[Path]:
    return [p for p in (data / "private").rglob("*") if p.is_file()]


def test_a_huge_declared_sdp_body_is_refused_before_it_is_sent(server):
    port, _ = server
    head = post_head("/whep/1", {"Content-Type": "application/sdp", "Content-Length": str(10**9)})
    status, body, took = exchange(port, head)  # no body byte sent at all
    assert status == 413 and b"larger than 65536 bytes" in body
    assert took < 3


def test_a_streamed_body_is_cut_off_at_the_route_limit(server):
    port, _ = server
    head = post_head(
        "/api/token", {"Content-Type": "application/json", "Transfer-Encoding": "chunked"}
    )
    status, body, _ = exchange(port, head, chunked(b"x" * 3 * 1024 * 1024))
    assert status == 413 and b"larger than" in body


def test_an_oversized_photo_upload_is_refused_before_auth_and_never_stored(server):
    port, data = server
    name = "uploader"
    api(port, "/api/accounts", {"username": name, "password": "correct horse battery"})
    token = api(port, "/api/token", {"username": name, "password": "correct horse battery"})[
        "token"
    ]
    person = api(port, "/api/people", {"name": "me"}, token)
    path = f"/api/people/{person['id']}/photos"

    content_type, body = multipart([os.urandom(4 * 1024 * 1024)])
    for headers, chunks in [
        ({"Content-Length": str(len(body))}, ()),  # declared: refused before reading
        ({"Transfer-Encoding": "chunked"}, chunked(body)),  # streamed: cut off
    ]:
        head = post_head(
            path, {"Content-Type": content_type, "Authorization": f"Token {token}", **headers}
        )
        status, answer, _ = exchange(port, head, chunks)
        assert status == 413, answer
    assert stored_files(data) == []

    content_type, body = multipart([image_bytes(size=(320, 240))])
    head = post_head(
        path,
        {
            "Content-Type": content_type,
            "Authorization": f"Token {token}",
            "Content-Length": str(len(body)),
        },
    )
    status, answer, _ = exchange(port, head, [body])
    assert status == 202, answer  # a normal upload still works
    assert stored_files(data)


def test_an_anonymous_huge_body_gets_413_not_401(server):
    port, _ = server
    head = post_head(
        "/api/people/1/photos",
        {"Content-Type": "multipart/form-data; boundary=x", "Content-Length": str(10**10)},
    )
    status, _, _ = exchange(port, head)
    assert status == 413


def test_a_stalled_body_is_answered_408_a_slow_one_is_not(server):
    port, _ = server
    head = post_head("/api/token", {"Content-Type": "application/json", "Content-Length": "100"})
    status, body, took = exchange(port, head, [b'{"user'])
    assert status == 408 and b"stalled" in body
    assert 1.4 < took < 5

    data = b'{"username": "nobody", "password": "wrong"}'
    head = post_head(
        "/api/token", {"Content-Type": "application/json", "Content-Length": str(len(data))}
    )
    pieces = [data[i : i + 10] for i in range(0, len(data), 10)]
    status, _, took = exchange(port, head, pieces, every=1.0)  # 5 s in all, never stalled
    assert took > 4 and status in (400, 401)


def test_a_normal_sdp_body_reaches_the_view(server):
    port, _ = server
    offer = b"v=0\r\n" + b"a=x\r\n" * 100
    head = post_head(
        "/whep/999", {"Content-Type": "application/sdp", "Content-Length": str(len(offer))}
    )
    status, body, _ = exchange(port, head, [offer])
    assert status == 400, body  # checked by the view, not refused for its size


def test_an_idle_keep_alive_connection_is_closed_by_the_server(server):
    port, _ = server
    with socket.create_connection(("127.0.0.1", port), timeout=15) as sock:
        sock.sendall(b"GET /api/schema HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        answer = b""
        while not complete(answer):
            answer += sock.recv(65536)
        idle = time.monotonic()
        assert sock.recv(1) == b""  # uvicorn hung up: the connection holds nothing
        assert time.monotonic() - idle < UVICORN_LIMITS["timeout_keep_alive"] + 2
