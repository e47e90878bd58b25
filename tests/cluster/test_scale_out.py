"""Scaling out (DESIGN §6) with real processes: nginx → `ciasom web` (2 gunicorn workers,
PostgreSQL, Redis) → two `ciasom media-node`s of capacity 1, on their own loopback
addresses (127.0.0.1 and 127.0.0.2, which are also their ICE host candidates).

Broadcasts are placed on different nodes and a third publisher gets 503; a settings change
and a deleted enrolled person reach the node holding the broadcast within 1 s, judged from
the pixels its viewer receives; a node killed with SIGKILL has its broadcast ended within
10 s while the other keeps streaming, and its host goes live again on the other node; their
account deleted, that node ends the broadcast. At the end no process, peer connection or
Redis key of the cluster is left."""

from __future__ import annotations

import asyncio
import json
import time
from email.message import Message

import numpy as np
import pytest
from aiortc.mediastreams import MediaStreamError

from bench import footage
from bench.cluster_processes import Cluster
from bench.photos import photo
from bench.stamp import read_stamp
from tests.media.clients import Publisher, Watcher, peer_connections
from tests.media.server import Api, host_with_broadcast, whep, whip
from tests.media.test_server_end_to_end import FootageTrack

NODES = {"node-a": "127.0.0.1", "node-b": "127.0.0.2"}
CONTROL_WITHIN = 1.0  # seconds from a committed change to the node's output (DESIGN §6)
DEAD_WITHIN = 10.0  # seconds from a node's stop to its broadcasts' end


class TimedWatcher(Watcher):
    """A WHEP viewer that notes when each video frame arrived."""

    def __init__(self) -> None:
        super().__init__()
        self.arrivals: list[float] = []

    async def _collect(self, track) -> None:
        try:
            while True:
                frame = await track.recv()
                if track.kind == "video":
                    self.arrivals.append(time.monotonic())
                    self.frames.append(frame.to_ndarray(format="bgr24"))
        except MediaStreamError:
            self.ended.set()


@pytest.fixture
def cluster(tmp_path):
    running = Cluster(tmp_path)
    try:
        running.start(NODES, capacity=1)
        yield running
    finally:
        running.stop()
        running.remove()


def obama_shown(frame: np.ndarray) -> bool:
    return footage.judge(frame)["obama"]


async def until_obama(watcher: TimedWatcher, shown: bool, timeout: float) -> float:
    """When (monotonic) frames began to show obama as ``shown`` for 10 frames in a row."""
    deadline = time.monotonic() + timeout
    start = len(watcher.frames)
    run = 0
    index = start
    while True:
        while index >= len(watcher.frames):
            assert time.monotonic() < deadline, f"obama never {'shown' if shown else 'covered'}"
            await asyncio.sleep(0.02)
        run = run + 1 if obama_shown(watcher.frames[index]) == shown else 0
        if run == 10:
            return watcher.arrivals[index - 9]
        index += 1


async def stays_covered(watcher: TimedWatcher, frames: int = 60) -> None:
    """Obama is covered in each of the next ``frames`` frames (2 s) whose bar code reads.

    (``footage.judge`` counts a frame with an unreadable code as showing a face if it would
    under any frame of the loop — right for finding leaks, too strict to prove coverage.)
    """
    received = await watcher.frames_after(frames, timeout=15)
    judged = [obama_shown_at(frame, index) for frame, index in stamped(received)]
    assert len(judged) >= frames // 2, f"only {len(judged)} of {frames} frames readable"
    assert not any(judged), judged


STAMP_STEP = 5  # frames: consecutive received frames' numbers differ by less (drops included)


def stamped(frames: list[np.ndarray]) -> list[tuple[np.ndarray, int]]:
    """The frames whose bar code reads, with their number. A number that breaks the run of
    its neighbours' is a misread — six check bits let one garbled code in 64 through, and a
    frame judged against another frame's truth compares the wrong place — so it is dropped
    like an unreadable one."""
    read = [(frame, read_stamp(frame, source_height=footage.HEIGHT)) for frame in frames]
    known = [(frame, index) for frame, index in read if index is not None]
    return [
        (frame, index)
        for k, (frame, index) in enumerate(known)
        if any(
            0 <= j < len(known) and abs(known[j][1] - index) <= STAMP_STEP for j in (k - 1, k + 1)
        )
    ]


def obama_shown_at(frame: np.ndarray, index: int) -> bool:
    """Whether obama is shown in a frame that is the footage's frame ``index``."""
    reference, truth = footage.frame(index)
    return footage.verdicts(frame, reference, {"obama": truth["obama"]})["obama"]


async def go_live(api: Api, broadcast: dict, key: str) -> tuple[int, Message, str, Publisher]:
    publisher = Publisher(FootageTrack())
    return (*await whip(api, broadcast, key, publisher), publisher)


async def watch(base: str, broadcast: dict) -> TimedWatcher:
    watcher = TimedWatcher()
    await whep(Api(base), broadcast, watcher)
    return watcher


def plain_host(base: str, username: str, **fields: str) -> tuple[Api, dict, dict]:
    """A host with an account and a broadcast, nobody enrolled."""
    api = Api(base)
    credentials = {"username": username, "password": "correct horse battery staple"}
    api.json("POST", "/api/accounts", credentials)
    api.token = api.json("POST", "/api/token", credentials)["token"]
    broadcast = api.json(
        "POST", "/api/broadcasts", {"title": "talk", "category": "talk", "mode": "all", **fields}
    )
    return api, api.json("GET", "/api/me"), broadcast


def candidates(answer: str) -> set[str]:
    return {line.split()[4] for line in answer.splitlines() if line.startswith("a=candidate:")}


def status_of(base: str, broadcast: dict) -> dict:
    return json.loads(Api(base).call("GET", f"/live/{broadcast['id']}/status")[2])


async def test_two_nodes_behind_nginx(cluster: Cluster):
    base = cluster.base
    photos = [photo(name) for name in footage.ENROL_PHOTOS]
    # Host A shows every face (mode off: the engine spends nothing); host B leaves their
    # enrolled person visible, so the engine must recognise them.
    api_a, me_a, broadcast_a = await asyncio.to_thread(plain_host, base, "host-a", mode="off")
    api_b, me_b, broadcast_b = await asyncio.to_thread(
        host_with_broadcast, base, "host-b", photos, privacy_delay_ms=2000
    )

    # Placement: fewest streams first, so the two broadcasts land on different nodes, each
    # answering with its own address as ICE candidate; a third publisher finds both full.
    status, _, answer_a, publisher_a = await go_live(api_a, broadcast_a, me_a["stream_key"])
    assert status == 201, answer_a
    status, session_b, answer_b, publisher_b = await go_live(api_b, broadcast_b, me_b["stream_key"])
    assert status == 201, answer_b
    nodes = {n["name"]: n for n in await asyncio.to_thread(cluster.list_nodes)}
    assert nodes["node-a"]["streams"] == [broadcast_a["id"]]
    assert nodes["node-b"]["streams"] == [broadcast_b["id"]]
    assert candidates(answer_a) == {"127.0.0.1"} and candidates(answer_b) == {"127.0.0.2"}

    api_c, me_c, broadcast_c = await asyncio.to_thread(plain_host, base, "host-c")
    status, headers, _, publisher_c = await go_live(api_c, broadcast_c, me_c["stream_key"])
    assert status == 503 and int(headers["Retry-After"]) > 0
    await publisher_c.close()
    assert not api_c.json("GET", f"/api/broadcasts/{broadcast_c['id']}").get("is_live", False)

    # The internal API is not reachable through nginx, nor without the secret.
    assert Api(base).call("GET", "/internal/node")[0] == 404
    assert Api(cluster.nodes["node-a"].address).call("GET", "/internal/node")[0] == 403

    watcher_a = await watch(base, broadcast_a)
    watcher_b = await watch(base, broadcast_b)
    await until_obama(watcher_a, shown=True, timeout=30)
    await until_obama(watcher_b, shown=True, timeout=90)

    # A settings change through whichever web worker answers reaches node-a: the host, shown
    # a moment ago, is covered within 1 s and stays covered.
    await until_obama(watcher_a, shown=True, timeout=30)
    changed = time.monotonic()
    api_a.json("PATCH", f"/api/broadcasts/{broadcast_a['id']}", {"mode": "all"})
    covered = await until_obama(watcher_a, shown=False, timeout=10)
    assert covered - changed < CONTROL_WITHIN, covered - changed
    await stays_covered(watcher_a)

    # Deleting host B's enrolled person reaches node-b, the same way.
    person = broadcast_b["visible_people"][0]
    await until_obama(watcher_b, shown=True, timeout=60)
    deleted = time.monotonic()
    assert api_b.call("DELETE", f"/api/people/{person}")[0] == 204
    covered = await until_obama(watcher_b, shown=False, timeout=10)
    assert covered - deleted < CONTROL_WITHIN, covered - deleted
    await stays_covered(watcher_b)

    # node-a dies: its broadcast ends within 10 s; node-b's viewer keeps receiving.
    killed = time.monotonic()
    await asyncio.to_thread(cluster.kill, "node-a")
    while not (await asyncio.to_thread(status_of, base, broadcast_a))["ended"]:
        assert time.monotonic() - killed < DEAD_WITHIN, "node-a's broadcast still live"
        await asyncio.sleep(0.2)
    await watcher_b.frames_after(30, timeout=5)
    assert [n["name"] for n in await asyncio.to_thread(cluster.list_nodes)] == ["node-b"]
    await publisher_a.close()
    await watcher_a.close()

    # Host B ends through the web tier (WHIP DELETE); host A goes live again, on node-b.
    assert (await asyncio.to_thread(api_b.call, "DELETE", session_b["Location"]))[0] == 200
    await asyncio.wait_for(watcher_b.ended.wait(), 10)
    await publisher_b.close()
    await watcher_b.close()
    status, session_a, answer, publisher_a = await go_live(api_a, broadcast_a, me_a["stream_key"])
    assert status == 201, answer
    assert candidates(answer) == {"127.0.0.2"}

    # Host A deletes their account through the web tier: node-b ends the broadcast and frees
    # its slot.
    password = {"password": "correct horse battery staple"}
    assert (await asyncio.to_thread(api_a.call, "DELETE", "/api/me", password))[0] == 204
    slot = f"{cluster.prefix}cluster:broadcast:{broadcast_a['id']}"
    deleted = time.monotonic()
    while cluster.redis().exists(slot):
        assert time.monotonic() - deleted < 5, "node-b still holds the deleted account's broadcast"
        await asyncio.sleep(0.05)
    await publisher_a.close()

    # Nothing is left: processes, peer connections, the cluster's Redis keys.
    await asyncio.to_thread(cluster.stop)
    assert all(process.poll() is not None for process in cluster.processes)
    assert peer_connections(open_only=True) == 0
    left = [k for k in cluster.redis().scan_iter(f"{cluster.prefix}*") if b":cache:" not in k]
    assert left == []
