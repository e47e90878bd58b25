"""GStreamer's webrtcbin publishes over WHIP and plays over WHEP through the real server.

Not collected on its own: ``test_gstreamer_clients.py`` runs this module inside a network
namespace of its own, where 127.0.1.1 sits on a veth link (libnice ignores loopback
interfaces) and the server offers that address as its only host candidate (DESIGN §5).
The server runs on SQLite; nothing outside the namespace is reachable or needed.
"""

from __future__ import annotations

import json
import queue
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from .server import Api, running_server

ICE_HOST = "127.0.1.1"
GST_CLIENT = Path(__file__).with_name("gst_client.py")
SYSTEM_PYTHON = "/usr/bin/python3"  # Debian's, which has PyGObject and GStreamer
COLOUR = (0x30, 0x70, 0xC0)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A fresh ``ciasom serve`` whose media answers offer only the veth address; no Redis
    (outside the namespace, unreachable)."""
    data_dir = tmp_path_factory.mktemp("server")
    try:
        with running_server(data_dir, ICE_HOST, REDIS_URL="") as base:
            yield base
    finally:
        print((data_dir / "server.log").read_text()[-4000:])  # shown when a test fails


class GstClient:
    """``gst_client.py`` under the system python3; its JSON-line events, read as they come."""

    def __init__(self, *args: str) -> None:
        self.process = subprocess.Popen(
            [SYSTEM_PYTHON, str(GST_CLIENT), *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.events: queue.Queue[dict[str, Any]] = queue.Queue()
        self.seen: list[dict[str, Any]] = []
        self.log: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=self.log.extend, args=(self.process.stderr,), daemon=True).start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.events.put(json.loads(line))

    def wait_for(self, event: str, timeout: float = 20, **fields: Any) -> dict[str, Any]:
        """The first ``event`` whose fields match; fails on an error event or the timeout."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                got = self.events.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"no {event} {fields} in {timeout} s: {self.seen}") from None
            self.seen.append(got)
            assert got["event"] != "error", (got, self.seen)
            if got["event"] == event and all(got.get(k) == v for k, v in fields.items()):
                return got

    def finish(self, timeout: float = 15) -> int:
        try:
            return self.process.wait(timeout)
        finally:
            if self.process.poll() is None:
                self.process.kill()
            print("".join(self.log)[-3000:])  # shown when a test fails


@contextmanager
def gst_client(*args: str) -> Iterator[GstClient]:
    client = GstClient(*args)
    try:
        yield client
    finally:
        if client.process.poll() is None:
            client.process.terminate()
        client.finish()


def host(base: str) -> tuple[Api, str, dict[str, Any]]:
    """Sign up, then create a broadcast in mode ``off`` so the viewer sees the publisher's
    own pixels. Returns (api, stream key, broadcast)."""
    api = Api(base)
    credentials = {"username": "gst-host", "password": "correct horse battery staple"}
    api.json("POST", "/api/accounts", credentials)
    api.token = api.json("POST", "/api/token", credentials)["token"]
    broadcast = api.json(
        "POST",
        "/api/broadcasts",
        {
            "title": "webrtcbin",
            "category": "outdoor",
            "mode": "off",
            "style": "pixelate",
            "visible_people": [],
        },
    )
    return api, api.json("GET", "/api/me")["stream_key"], broadcast


def test_webrtcbin_publishes_over_whip_and_plays_over_whep(server: str) -> None:
    api, key, broadcast = host(server)
    colour = "".join(f"{c:02x}" for c in COLOUR)
    with gst_client(
        "whip", f"{server}/whip/{broadcast['id']}", "--bearer", key, "--colour", colour
    ) as publisher:
        assert publisher.wait_for("answered")["status"] == 201
        publisher.wait_for("state", peer="connected")

        with gst_client("whep", f"{server}/whep/{broadcast['id']}", "--frames", "30") as player:
            assert player.wait_for("answered")["status"] == 201
            player.wait_for("state", peer="connected")
            frames = player.wait_for("frames")
            assert player.finish() == 0
        # The publisher's frames crossed the server: the player decodes its size and colour.
        assert (frames["width"], frames["height"]) == (320, 240), frames
        assert all(abs(got - sent) < 16 for got, sent in zip(frames["rgb"], COLOUR, strict=True)), (
            frames
        )
        live = api.json("GET", "/api/broadcasts?live=1")["results"]
        assert [b["id"] for b in live] == [broadcast["id"]]

        publisher.process.terminate()  # the publisher stops: it DELETEs its WHIP session
        assert publisher.wait_for("deleted")["status"] == 200
        assert publisher.finish() == 0
    assert api.json("GET", "/api/broadcasts?live=1")["results"] == []
