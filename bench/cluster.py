"""`make bench-cluster`: the web tier and media nodes (DESIGN §6) measured with real processes.

Writes JSON (``--json bench/cluster.json``):

* ``placement_ms`` — one placement (the registry's atomic Lua choice of the node with the
  fewest streams, and its release) against the local Redis, 8 nodes registered;
* ``control_event_ms`` — a settings change committed through the web tier until the node
  holding the broadcast has applied it (sender's clock after the commit → node's, same
  machine), p50/p95 over many PATCHes;
* ``publish_to_first_frame_ms`` — WHIP POST sent until a WHEP viewer decodes its first
  frame, through nginx → `ciasom web` → node, beside `ciasom serve` (same footage and
  broadcast settings);
* ``streams_per_node`` — broadcasts one node carries at 720p and 480p (engine on, mode
  `all`, one viewer each) while every one still sends ≥ 29 fps.

The publishers send pre-encoded VP8 (``bench.live.footage``), so the client costs little of
the two cores the node is measured on. Run it alone: `flock /tmp/ciasom-bench.lock`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Any

import redis
from aiortc import RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from bench.clip_track import ClipTrack, send_vp8
from bench.cluster_processes import REDIS_DB, Cluster
from bench.live import footage
from ciasom.cluster.nodes import NodeRegistry
from ciasom.media.aiortc_patches import offer_host_candidates
from ciasom.media.ice import rtc_configuration
from tests.media.server import Api, running_server

SDP = "application/sdp"
MIN_FPS = 29.0
WARM_UP = 8.0  # seconds before a stream's fps is read (ICE, DTLS, the engine's start)


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "p50": round(statistics.median(ordered), 2),
        "p95": round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 2),
        "n": len(ordered),
    }


class Broadcast:
    """One host, their broadcast, its publisher and one viewer."""

    def __init__(self, base: str, name: str, clip: dict[str, Any]) -> None:
        self.base = base
        self.api = Api(base)
        credentials = {"username": name, "password": "correct horse battery staple"}
        self.api.json("POST", "/api/accounts", credentials)
        self.api.token = self.api.json("POST", "/api/token", credentials)["token"]
        self.key = self.api.json("GET", "/api/me")["stream_key"]
        self.id = self.api.json(
            "POST", "/api/broadcasts", {"title": name, "category": "talk", "mode": "all"}
        )["id"]
        self.clip = clip
        self.publisher: RTCPeerConnection | None = None
        self.viewer: RTCPeerConnection | None = None
        self.first_frame = asyncio.Event()
        self.session = ""

    async def publish(self) -> float:
        """Go live; returns when the WHIP POST was sent (monotonic)."""
        self.publisher = RTCPeerConnection(rtc_configuration([]))
        send_vp8(self.publisher, ClipTrack(self.clip))
        await self.publisher.setLocalDescription(await self.publisher.createOffer())
        sent = time.monotonic()
        status, headers, answer = await asyncio.to_thread(
            self.api.call,
            "POST",
            f"/whip/{self.id}",
            self.publisher.localDescription.sdp,
            content_type=SDP,
            headers={"Authorization": f"Bearer {self.key}"},
        )
        if status != 201:
            raise RuntimeError(f"WHIP answered {status}: {answer[:200]!r}")
        self.session = headers["Location"]
        await self.publisher.setRemoteDescription(RTCSessionDescription(answer.decode(), "answer"))
        return sent

    async def watch(self) -> None:
        self.viewer = RTCPeerConnection(rtc_configuration([]))
        self.viewer.addTransceiver("video", direction="recvonly")

        @self.viewer.on("track")
        def on_track(track: MediaStreamTrack) -> None:
            asyncio.ensure_future(self._consume(track))

        await self.viewer.setLocalDescription(await self.viewer.createOffer())
        status, _, answer = await asyncio.to_thread(
            Api(self.base).call,
            "POST",
            f"/whep/{self.id}",
            self.viewer.localDescription.sdp,
            content_type=SDP,
        )
        if status != 201:
            raise RuntimeError(f"WHEP answered {status}: {answer[:200]!r}")
        await self.viewer.setRemoteDescription(RTCSessionDescription(answer.decode(), "answer"))

    async def _consume(self, track: MediaStreamTrack) -> None:
        try:
            while True:
                await track.recv()
                self.first_frame.set()
        except MediaStreamError:
            return

    async def end(self) -> None:
        if self.session:
            await asyncio.to_thread(self.api.call, "DELETE", self.session)
        for pc in (self.viewer, self.publisher):
            if pc is not None:
                await pc.close()


# -- the measurements ---------------------------------------------------------------------------


def placement(rounds: int = 500) -> dict[str, float]:
    client = redis.Redis.from_url(f"redis://127.0.0.1:6379/{REDIS_DB}")
    prefix = f"ciasom-bench-{uuid.uuid4().hex[:8]}:"
    registry = NodeRegistry(client, prefix)
    for n in range(8):
        registry.register(f"node-{n}", f"http://10.0.0.{n}:8100", 100)
    samples = []
    for broadcast_id in range(rounds):
        start = time.perf_counter()
        placed = registry.place(broadcast_id)
        assert placed is not None
        samples.append((time.perf_counter() - start) * 1000)
        registry.release(broadcast_id, placed.node)
    for n in range(8):
        registry.leave(f"node-{n}")
    return percentiles(samples)


async def publish_to_first_frame(base: str, clip: dict[str, Any], runs: int) -> list[float]:
    """The first run only warms the media process up (the engine's models load once per
    process) and is not counted, for either server."""
    samples = []
    for run in range(runs + 1):
        broadcast = await asyncio.to_thread(
            Broadcast, base, f"first-{run}-{uuid.uuid4().hex[:6]}", clip
        )
        sent = await broadcast.publish()
        await broadcast.watch()
        await asyncio.wait_for(broadcast.first_frame.wait(), 30)
        if run:
            samples.append((time.monotonic() - sent) * 1000)
        await broadcast.end()
        await asyncio.sleep(1)
    return samples


def node_about(cluster: Cluster, path: str) -> dict[str, Any]:
    node = next(iter(cluster.nodes.values()))
    request = urllib.request.Request(
        node.address + path, headers={"X-Ciasom-Node-Secret": cluster.secret}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


async def control_events(cluster: Cluster, clip: dict[str, Any], changes: int) -> dict[str, Any]:
    broadcast = await asyncio.to_thread(Broadcast, cluster.base, "control", clip)
    await broadcast.publish()
    await broadcast.watch()
    await asyncio.wait_for(broadcast.first_frame.wait(), 30)
    before = node_about(cluster, "/internal/node")["control_events"]["count"]
    for n in range(changes):
        await asyncio.to_thread(
            broadcast.api.json, "PATCH", f"/api/broadcasts/{broadcast.id}", {"strength": 2 + n % 2}
        )
        await asyncio.sleep(0.2)
    await asyncio.sleep(1)
    events = node_about(cluster, "/internal/node")["control_events"]
    await broadcast.end()
    return {
        "changes": changes,
        "applied": events["count"] - before,
        "p50": events.get("p50_ms"),
        "p95": events.get("p95_ms"),
    }


async def streams_per_node(
    cluster: Cluster, clip: dict[str, Any], most: int, seconds: float
) -> dict[str, Any]:
    """Add broadcasts one at a time until one of them sends < 29 fps."""
    live: list[Broadcast] = []
    steps = []
    try:
        for count in range(1, most + 1):
            broadcast = await asyncio.to_thread(
                Broadcast, cluster.base, f"load-{uuid.uuid4().hex[:8]}", clip
            )
            await broadcast.publish()
            await broadcast.watch()
            live.append(broadcast)
            await asyncio.sleep(WARM_UP)
            samples: dict[int, list[float]] = {b.id: [] for b in live}
            deadline = time.monotonic() + seconds
            while time.monotonic() < deadline:
                await asyncio.sleep(1)
                for b in live:
                    health = await asyncio.to_thread(
                        node_about, cluster, f"/internal/broadcasts/{b.id}"
                    )
                    samples[b.id].append(float(health["health"]["fps_out"]))
            fps = [round(statistics.median(s), 1) for s in samples.values()]
            steps.append({"streams": count, "fps_out_median_per_stream": fps})
            if min(fps) < MIN_FPS:
                break
    finally:
        for b in live:
            await b.end()
    held = [s["streams"] for s in steps if min(s["fps_out_median_per_stream"]) >= MIN_FPS]
    return {"streams": max(held, default=0), "steps": steps}


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    offer_host_candidates(["127.0.0.1"])
    clips = {height: footage(height * 16 // 9, height) for height in (480, 720)}
    result: dict[str, Any] = {
        "machine": f"{os.cpu_count()} cores, shared with other work while measured",
        "load_average_1m_at_start": round(os.getloadavg()[0], 2),
        "placement_ms": placement(),
    }
    with tempfile.TemporaryDirectory() as directory:
        cluster = Cluster(Path(directory))
        try:
            cluster.start({"node-a": "127.0.0.1"}, capacity=args.most)
            result["control_event_ms"] = await control_events(cluster, clips[480], args.changes)
            web = await publish_to_first_frame(cluster.base, clips[480], args.runs)
            result["streams_per_node"] = {
                f"{h}p": await streams_per_node(cluster, clips[h], args.most, args.seconds)
                for h in (720, 480)
            }
        finally:
            cluster.stop()
            cluster.remove()
    with tempfile.TemporaryDirectory() as directory, running_server(Path(directory)) as base:
        embedded = await publish_to_first_frame(base, clips[480], args.runs)
    result["load_average_1m_at_end"] = round(os.getloadavg()[0], 2)
    result["publish_to_first_frame_ms"] = {
        "web_tier_and_node": percentiles(web),
        "ciasom_serve": percentiles(embedded),
        "footage": "854x480 VP8, mode all, default privacy delay; after one warm-up run",
    }
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, help="write the result here too")
    parser.add_argument("--runs", type=int, default=5, help="publish-to-first-frame runs")
    parser.add_argument("--changes", type=int, default=40, help="settings changes timed")
    parser.add_argument("--most", type=int, default=4, help="most streams tried per node")
    parser.add_argument("--seconds", type=float, default=6.0, help="fps read for this long")
    args = parser.parse_args()
    result = asyncio.run(main_async(args))
    text = json.dumps(result, indent=1)
    print(text)
    if args.json:
        args.json.write_text(text + "\n")


if __name__ == "__main__":
    main()
