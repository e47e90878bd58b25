"""Audience benchmark: one 720p30 broadcast's viewers through Janus vs the node's own fan-out.

    make bench-audience      # under the bench lock, in a network namespace of its own
    .venv/bin/python -m bench.audience [--seconds 10] [--node 1,25,50,100]
                                       [--janus 25,50,100,150,200,300] [--two 100,200]
                                       [--json bench/audience.json]

Runs inside a network namespace of its own (``unshare -n``, as ``make bench-audience`` does),
where it adds one more namespace per Janus host ("each on its own host"), linked to this one by
a veth pair (10.77.<i>.1 is Janus, 10.77.<i>.2 this side), each running Debian's Janus with
``deploy/janus``'s config. Processes, so that each one's CPU is its own:

* **node** — a :class:`~ciasom.media.stream.LiveStream` exactly as ``ciasom serve`` runs it,
  the real engine (mode ``except``, the scene's allowed person enrolled), 720p30; on Janus it
  forwards its encoded packets to one mountpoint per host (:mod:`ciasom.media.audience`);
* **publisher + probe** (this process) — ``bench/live.py``'s pre-encoded scene with a bar code
  per frame, and one viewer that decodes: latency (sent → decoded, one clock);
* **light viewers** — aiortc viewers with real ICE, DTLS and SRTP sessions that only count
  frames by the RTP marker bit, in aioice's datagram handler: RTP goes no further (no DTLS,
  SRTP or decoding; lighter than ``bench/live.py``'s load viewers), over WHEP from the node or
  through Janus (Janus's own signalling; Debian's Janus 1.1.2 offers, they answer).

Phases, each a fresh broadcast: ``node`` (in-process fan-out, WHEP, cap lifted), ``janus``
(one host, ramped; a step passes with fps min >= 29 and loss < 1 %; the ramp stops below
15 fps), ``two`` (two hosts fed by one node, viewers split evenly). Per step: fps min over
viewers, loss (frames the node sent in the window that viewers did not count), latency
p50/p95 (probe), CPU: the node's (ms per frame, % of a core; per WHEP viewer: the ms per
frame it adds, as % of a core at 30 fps) and Janus's (% of a core, over its viewers).
Output: ``bench/audience.json`` (DESIGN §6), a ``runs`` list plus the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import multiprocessing
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

import numpy as np
from aiortc.mediastreams import MediaStreamError

from bench import live  # the scene, the engine
from bench.janus import ADMIN_KEY, janus_config
from bench.stamp import read_stamp
from ciasom.media.janus import AUDIO_PT

SIZE = 720
FPS = live.FPS
TICKS = os.sysconf("SC_CLK_TCK")
SETTLE = 3.0  # seconds after viewers join before measuring
PASS_FPS, PASS_LOSS = 29.0, 0.01
GIVE_UP_FPS = 15.0
IP_UDP_HEADERS = 28  # bytes on the wire around each RTP packet (IPv4)
# The paper model's audience and Janus host: its cores and NIC, run at 70 %.
MODEL_VIEWERS, HOST_CORES, HOST_NIC_MBIT_S, HOST_LOAD = 10_000, 16, 10_000, 0.7


# -- Janus hosts in namespaces of their own ---------------------------------------------------


class JanusHost:
    """Debian's Janus in namespace ``ciasom-janus-<i>``, reachable at 10.77.<i>.1."""

    def __init__(self, index: int, folder: Path) -> None:
        self.index = index
        self.name = f"ciasom-bench-janus-{index}-{os.getpid()}"
        self.address = f"10.77.{index}.1"
        self.url = f"http://{self.address}:8088/janus"
        try:
            self._start(folder)
        except BaseException:
            subprocess.run(["ip", "netns", "del", self.name], check=False)
            raise

    def _start(self, folder: Path) -> None:
        index = self.index
        ip = ["ip", "netns", "exec", self.name, "ip"]
        for command in (
            ["ip", "netns", "add", self.name],
            [
                "ip",
                "link",
                "add",
                f"jn{index}",
                "type",
                "veth",
                "peer",
                "name",
                "jj0",
                "netns",
                self.name,
            ],
            ["ip", "addr", "add", f"10.77.{index}.2/24", "dev", f"jn{index}"],
            ["ip", "link", "set", f"jn{index}", "up"],
            [*ip, "addr", "add", f"{self.address}/24", "dev", "jj0"],
            [*ip, "link", "set", "jj0", "up"],
            [*ip, "link", "set", "lo", "up"],
        ):
            subprocess.run(command, check=True)
        # Janus skips interfaces without carrier, which a veth gets a moment after both ends
        # are up.
        deadline = time.monotonic() + 10
        while (
            "state UP"
            not in subprocess.run(
                [*ip, "-o", "link", "show", "jj0"], capture_output=True, text=True
            ).stdout
        ):
            assert time.monotonic() < deadline, "the veth link to Janus never came up"
            time.sleep(0.1)
        config = janus_config(folder, 8088, "*", self.address)
        self.log = open(folder / "janus.log", "wb")  # noqa: SIM115 — closed in stop()
        # `ip netns exec` execs Janus: this pid is Janus's own, for its CPU time.
        self.process = subprocess.Popen(
            [
                "ip",
                "netns",
                "exec",
                self.name,
                "janus",
                "-C",
                str(config),
                "-F",
                str(folder),
                "--disable-colors",
                "-d",
                "3",
            ],
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 20
        while True:
            try:
                urllib.request.urlopen(f"{self.url}/info", timeout=2).close()
                break
            except OSError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise RuntimeError((folder / "janus.log").read_text()[-2000:]) from None
                time.sleep(0.2)

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()
        subprocess.run(["ip", "netns", "del", self.name], check=False)


# -- the node (its own process) ---------------------------------------------------------------


def node_main(conn) -> None:
    asyncio.run(_node(conn))


async def _node(conn) -> None:
    from ciasom.media.aiortc_patches import offer_host_candidates
    from ciasom.media.audience import janus_hosts
    from ciasom.media.ice import rtc_configuration
    from ciasom.media.stream import LiveStream

    offer_host_candidates(["127.0.0.1"])  # WHEP viewers and the publisher are on loopback
    loop = asyncio.get_running_loop()
    stream: LiveStream | None = None
    mark = (time.process_time(), time.monotonic(), 0)
    while True:
        message, *args = await loop.run_in_executor(None, conn.recv)
        if message == "publish":
            offer, janus = args
            processor = await asyncio.to_thread(live.make_processor, "engine")
            stream = LiveStream(
                "bench",
                processor,
                rtc_configuration([]),
                max_viewers=1000,
                max_pending=1000,
                janus=janus_hosts(janus, [], ADMIN_KEY),
            )
            conn.send(await stream.publish(offer))
        elif message == "places":  # once the mountpoints exist (made beside the answer)
            deadline = time.monotonic() + 10
            while len(stream.audience.places()) < args[0] and time.monotonic() < deadline:
                await asyncio.sleep(0.1)
            conn.send(stream.audience.places())
        elif message == "watch":
            conn.send((await stream.watch(args[0])).answer)
        elif message == "mark":
            mark = (time.process_time(), time.monotonic(), stream.status()["frames_out"])
            conn.send(None)
        elif message == "status":
            status = stream.status()
            frames = status["frames_out"] - mark[2]
            cpu, elapsed = time.process_time() - mark[0], time.monotonic() - mark[1]
            status["frames_in_window"] = frames
            status["cpu_ms_per_frame"] = round(cpu * 1000 / max(1, frames), 1)
            status["cpu_pct"] = round(cpu * 100 / elapsed, 1)
            conn.send(status)
        elif message == "close":
            await stream.close()
            stream = None
            conn.send(None)
        elif message == "quit":
            return


# -- light viewers (their own process) --------------------------------------------------------


async def janus_post(url: str, message: dict[str, Any]) -> dict[str, Any]:
    def post() -> dict[str, Any]:
        request = urllib.request.Request(
            url,
            json.dumps({**message, "transaction": os.urandom(6).hex()}).encode(),
            {"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=40) as response:
            return json.load(response)

    return await asyncio.to_thread(post)


class JanusWatch:
    """One viewer's Janus session on the Streaming plugin (Janus offers, we answer)."""

    def __init__(self, place: dict[str, Any]) -> None:
        self.url = place["url"]
        self.mountpoint = place["mountpoint"]
        self.session = self.handle = 0

    async def offer(self) -> str:
        self.session = (await janus_post(self.url, {"janus": "create"}))["data"]["id"]
        attached = await janus_post(
            f"{self.url}/{self.session}", {"janus": "attach", "plugin": "janus.plugin.streaming"}
        )
        self.handle = attached["data"]["id"]
        await janus_post(
            f"{self.url}/{self.session}/{self.handle}",
            {"janus": "message", "body": {"request": "watch", "id": self.mountpoint}},
        )
        while True:

            def poll() -> Any:
                with urllib.request.urlopen(
                    f"{self.url}/{self.session}?maxev=10", timeout=40
                ) as response:
                    return json.load(response)

            events = await asyncio.to_thread(poll)
            for event in events if isinstance(events, list) else [events]:
                if event.get("jsep"):
                    return event["jsep"]["sdp"]

    async def start(self, answer: str) -> None:
        await janus_post(
            f"{self.url}/{self.session}/{self.handle}",
            {
                "janus": "message",
                "body": {"request": "start"},
                "jsep": {"type": "answer", "sdp": answer},
            },
        )

    async def keepalive(self) -> None:
        await janus_post(f"{self.url}/{self.session}", {"janus": "keepalive"})


async def keep_alive(sessions: list[JanusWatch]) -> None:
    """Janus's ``session_timeout`` ends a session 60 s after its last request."""
    while True:
        await asyncio.sleep(20)
        for session in list(sessions):
            await session.keepalive()


def load_main(conn, local_addresses: list[str]) -> None:
    asyncio.run(_load(conn, local_addresses))


async def _load(conn, local_addresses: list[str]) -> None:
    from aioice import ice
    from aiortc import RTCPeerConnection, RTCSessionDescription

    from bench.viewers import FrameCounts, leave_inbound_clear, watch_whep
    from ciasom.media import aiortc_patches
    from ciasom.media.ice import rtc_configuration

    aiortc_patches.apply()
    aiortc_patches.offer_host_candidates(local_addresses)
    counts = FrameCounts()
    egress = [0, 0]  # RTP bytes on the wire received by all viewers: now, at the mark
    stun_received = ice.StunProtocol.datagram_received

    def datagram_received(protocol, data, addr):
        """RTP is counted where it arrives and goes no further: hundreds of viewers' packets
        through aiortc's ICE queue, DTLS and SRTP would take the cores being measured.
        STUN (ICE, consent) and DTLS take aiortc's own path."""
        if 128 <= data[0] < 192 and not 192 <= data[1] < 224:  # RTP, not RTCP
            egress[0] += len(data) + IP_UDP_HEADERS
            # The last packet of a video frame: marker bit; 111 is Janus's Opus.
            if data[1] & 0x80 and (data[1] & 0x7F) != AUDIO_PT:
                counts.count(id(protocol.receiver))
            return
        stun_received(protocol, data, addr)

    leave_inbound_clear()
    ice.StunProtocol.datagram_received = datagram_received
    loop = asyncio.get_running_loop()
    peers: list[Any] = []
    sessions: list[JanusWatch] = []

    keeping = asyncio.create_task(keep_alive(sessions))
    while True:
        message, *args = await loop.run_in_executor(None, conn.recv)
        if message == "whep":
            for _ in range(args[0]):
                pc = await watch_whep(conn)
                peers.append(pc)
                transceiver = pc.getTransceivers()[0]
                counts.viewers.append(id(transceiver.receiver.transport.transport._connection))
            conn.send("ready")
        elif message == "janus":
            count, places = args
            for _ in range(count):
                watch = JanusWatch(places[len(peers) % len(places)])  # spread evenly
                offer = await watch.offer()
                pc = RTCPeerConnection(rtc_configuration([]))
                await pc.setRemoteDescription(RTCSessionDescription(offer, "offer"))
                await pc.setLocalDescription(await pc.createAnswer())
                await watch.start(pc.localDescription.sdp)
                sessions.append(watch)
                peers.append(pc)
                video = next(t for t in pc.getTransceivers() if t.kind == "video")
                counts.viewers.append(id(video.receiver.transport.transport._connection))
            conn.send("ready")
        elif message == "mark":
            counts.mark()
            egress[1] = egress[0]
            conn.send(None)
        elif message == "counts":
            conn.send((*counts.since_mark(), egress[0] - egress[1]))
        elif message == "quit":
            keeping.cancel()
            for pc in peers:
                await pc.close()
            conn.send(None)
            return


# -- publisher and probe (this process) -------------------------------------------------------


class Bench:
    def __init__(self, node, seconds: float, clip: dict[str, Any]) -> None:
        self.node = node
        self.seconds = seconds
        self.clip = clip
        self.sent_at: dict[int, float] = {}
        self.latencies: list[float] = []
        self.probe_frames = 0
        self.measuring = False
        self.tasks: list[asyncio.Future[None]] = []

    async def ask(self, *message: Any) -> Any:
        self.node.send(message)
        return await asyncio.get_running_loop().run_in_executor(None, self.node.recv)

    async def publish(self, janus: list[str]) -> Any:
        from aiortc import RTCPeerConnection, RTCSessionDescription

        from bench.clip_track import ClipTrack, send_vp8
        from ciasom.media.ice import rtc_configuration

        publisher = RTCPeerConnection(rtc_configuration([]))
        send_vp8(publisher, ClipTrack(self.clip, self.sent_at))
        await publisher.setLocalDescription(await publisher.createOffer())
        answer = await self.ask("publish", publisher.localDescription.sdp, janus)
        await publisher.setRemoteDescription(RTCSessionDescription(answer, "answer"))
        return publisher

    async def probe(self, place: dict[str, Any] | None) -> Any:
        """The decoding viewer: over WHEP (``place`` None) or through Janus."""
        from aiortc import RTCPeerConnection, RTCSessionDescription

        from ciasom.media.ice import rtc_configuration

        pc = RTCPeerConnection(rtc_configuration([]))
        pc.on("track", lambda track: self.tasks.append(asyncio.ensure_future(self._consume(track))))
        if place is None:
            pc.addTransceiver("video", direction="recvonly")
            await pc.setLocalDescription(await pc.createOffer())
            answer = await self.ask("watch", pc.localDescription.sdp)
            await pc.setRemoteDescription(RTCSessionDescription(answer, "answer"))
        else:
            watch = JanusWatch(place)
            await pc.setRemoteDescription(RTCSessionDescription(await watch.offer(), "offer"))
            await pc.setLocalDescription(await pc.createAnswer())
            await watch.start(pc.localDescription.sdp)
            # Janus ends a session 60 s after its last request (session_timeout); a ramp
            # lasts longer.
            self.tasks.append(asyncio.ensure_future(keep_alive([watch])))
        return pc

    async def _consume(self, track) -> None:
        with contextlib.suppress(MediaStreamError):
            await self._frames(track)

    async def _frames(self, track) -> None:
        if track.kind != "video":
            while True:
                await track.recv()
        while True:
            frame = await track.recv()
            arrived = time.monotonic()
            if not self.measuring:
                # Not timing: keep no backlog (a probe starved by a busy machine would
                # otherwise carry seconds of queued frames into the measurement).
                while not track._queue.empty():
                    track._queue.get_nowait()
                continue
            self.probe_frames += 1
            index = read_stamp(frame.to_ndarray(format="bgr24"))
            if index is not None and index in self.sent_at:
                self.latencies.append((arrived - self.sent_at[index]) * 1000)

    async def step(self, load, fanout: str, viewers: int, hosts: list[JanusHost]) -> dict:
        loop = asyncio.get_running_loop()
        await asyncio.sleep(SETTLE)
        await self.ask("mark")
        load.send(("mark",))
        await loop.run_in_executor(None, load.recv)
        janus_before = [h.cpu_seconds() for h in hosts]
        self.latencies.clear()
        self.probe_frames = 0
        self.measuring, started = True, time.monotonic()
        await asyncio.sleep(self.seconds)
        self.measuring = False
        elapsed = time.monotonic() - started
        load.send(("counts",))
        counts, load_elapsed, egress = await loop.run_in_executor(None, load.recv)
        janus_pct = [
            round((h.cpu_seconds() - b) * 100 / elapsed, 1)
            for h, b in zip(hosts, janus_before, strict=True)
        ]
        status = await self.ask("status")
        sent = status["frames_in_window"]
        fps = [self.probe_frames / elapsed] + [c / load_elapsed for c in counts]
        # Share of the frames the node sent in the window that each viewer counted (the load
        # process's window differs from ours by a pipe round trip: scaled).
        received = [min(1.0, c / max(1, sent * load_elapsed / elapsed)) for c in counts]
        received.append(min(1.0, self.probe_frames / max(1, sent)))
        latencies = sorted(self.latencies)
        run = {
            "fanout": fanout,
            "viewers": viewers,
            "janus_hosts": len(hosts),
            "size": f"{status['sent_width']}x{status['sent_height']}",
            "fps_out_min": round(min(fps), 1),
            "fps_out_median": round(statistics.median(fps), 1),
            "loss": round(1 - statistics.mean(received), 4),
            "loss_max": round(1 - min(received), 4),
            "latency_ms_p50": round(float(np.percentile(latencies, 50)), 1) if latencies else None,
            "latency_ms_p95": round(float(np.percentile(latencies, 95)), 1) if latencies else None,
            "node_cpu_ms_per_frame": status["cpu_ms_per_frame"],
            "node_cpu_pct": status["cpu_pct"],
            "node_fps_out": status["fps_out"],
            "frames_covered": status["frames_covered"],
            "janus_cpu_pct": janus_pct,
            "egress_mbit_s_per_viewer": (
                round(egress * 8 / load_elapsed / 1e6 / len(counts), 2) if counts else None
            ),
            "load_average_1min": round(os.getloadavg()[0], 2),  # other agents' work included
        }
        # Janus does nothing else: its CPU over its viewers. The node's: see main_async.
        run["cpu_per_viewer_pct"] = round(sum(janus_pct) / viewers, 3) if hosts else None
        print(json.dumps(run), file=sys.stderr, flush=True)
        return run


def local_addresses(hosts: list[JanusHost]) -> list[str]:
    """Where viewers here offer candidates: loopback (the node) and the links to Janus."""
    return ["127.0.0.1"] + [f"10.77.{h.index}.2" for h in hosts]


def passes(run: dict[str, Any]) -> bool:
    return run["fps_out_min"] >= PASS_FPS and run["loss"] < PASS_LOSS


def paper_model(runs: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Janus hosts for 10,000 viewers of one broadcast, from what a viewer cost here (the
    median over the Janus steps that held): a host holds as many as its cores or its NIC
    allow, whichever binds first; the node sends each host one stream."""
    held = [r for r in runs if r["fanout"] == "janus" and passes(r)]
    if not held:
        return None
    cores = statistics.median(r["cpu_per_viewer_pct"] for r in held) / 100
    mbit_s = statistics.median(r["egress_mbit_s_per_viewer"] for r in held)
    by_cpu = int(HOST_CORES * HOST_LOAD / cores)
    by_nic = int(HOST_NIC_MBIT_S * HOST_LOAD / mbit_s)
    hosts = math.ceil(MODEL_VIEWERS / min(by_cpu, by_nic))
    return {
        "viewers": MODEL_VIEWERS,
        "janus_host": {"cores": HOST_CORES, "nic_mbit_s": HOST_NIC_MBIT_S, "load": HOST_LOAD},
        "cores_per_viewer": round(cores, 5),
        "egress_mbit_s_per_viewer": mbit_s,
        "viewers_per_host_by_cpu": by_cpu,
        "viewers_per_host_by_nic": by_nic,
        "janus_hosts": hosts,
        "janus_egress_gbit_s": round(MODEL_VIEWERS * mbit_s / 1000, 1),
        "node_egress_mbit_s": round(hosts * mbit_s, 1),
    }


async def phase(
    node, args, clip, fanout: str, counts: list[int], hosts: list[JanusHost]
) -> list[dict[str, Any]]:
    loop = asyncio.get_running_loop()
    bench = Bench(node, args.seconds, clip)
    publisher = await bench.publish([h.url for h in hosts])
    places = await bench.ask("places", len(hosts)) if hosts else None
    assert places is None or len(places) == len(hosts), places
    probe = await bench.probe(places[0] if places else None)
    load, child = multiprocessing.Pipe()
    process = multiprocessing.get_context("spawn").Process(
        target=load_main, args=(child, local_addresses(hosts)), daemon=True
    )
    process.start()
    await asyncio.sleep(live.WARMUP)
    runs: list[dict[str, Any]] = []
    have = 1  # the probe
    for count in counts:
        if places:
            load.send(("janus", count - have, places))
        else:
            load.send(("whep", count - have))
            for _ in range(count - have):
                offer = await loop.run_in_executor(None, load.recv)
                load.send(await bench.ask("watch", offer))
        assert await loop.run_in_executor(None, load.recv) == "ready"
        have = count
        runs.append(await bench.step(load, fanout, count, hosts))
        if fanout == "janus" and runs[-1]["fps_out_min"] < GIVE_UP_FPS:
            break  # far beyond what this machine holds (one failed step may be other load)
    load.send(("quit",))
    await loop.run_in_executor(None, load.recv)
    process.join(10)
    await bench.ask("close")
    for task in bench.tasks:
        task.cancel()
    await probe.close()
    await publisher.close()
    return runs


async def main_async(args) -> dict[str, Any]:
    clip = await asyncio.to_thread(live.footage, SIZE * 16 // 9, SIZE, "walk")
    folder = Path(tempfile.mkdtemp(prefix="ciasom-audience-"))
    hosts: list[JanusHost] = []
    node, child = multiprocessing.Pipe()
    process = multiprocessing.get_context("spawn").Process(target=node_main, args=(child,))
    process.start()
    try:
        for i in (1, 2):
            hosts.append(JanusHost(i, folder / f"janus-{i}"))
        from ciasom.media.aiortc_patches import offer_host_candidates

        offer_host_candidates(local_addresses(hosts))  # the publisher and the probe
        runs = await phase(node, args, clip, "node", args.node, [])
        # What each WHEP viewer adds to the node's CPU per frame sent (robust to the node
        # being starved: the cost per frame, not per second), as % of a core at 30 fps.
        baseline = next((r for r in runs if r["viewers"] == 1), None)
        for run in runs:
            if baseline and run["viewers"] > 1:
                extra = run["node_cpu_ms_per_frame"] - baseline["node_cpu_ms_per_frame"]
                run["cpu_per_viewer_pct"] = round(
                    max(0.0, extra) / (run["viewers"] - 1) * FPS / 10, 3
                )
        runs += await phase(node, args, clip, "janus", args.janus, hosts[:1])
        runs += await phase(node, args, clip, "janus", args.two, hosts)
    finally:
        for host in hosts:
            host.stop()
        shutil.rmtree(folder, ignore_errors=True)
        if process.is_alive():
            node.send(("quit",))
            process.join(15)
    held = [
        r["viewers"] for r in runs if r["fanout"] == "janus" and r["janus_hosts"] == 1 and passes(r)
    ]
    return {
        "machine": {
            "cpus": multiprocessing.cpu_count(),
            "load_average_at_end": os.getloadavg(),
            "note": "node, Janus hosts, publisher, probe and light viewers all on these cores",
        },
        "seconds_measured": args.seconds,
        "pass": {"fps_out_min": PASS_FPS, "loss_below": PASS_LOSS},
        "janus_viewers_held_one_host": max(held) if held else 0,
        "runs": runs,
        "paper_model": paper_model(runs),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    numbers = lambda s: [int(x) for x in s.split(",")]  # noqa: E731
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--node", type=numbers, default=[1, 25, 50, 100])
    parser.add_argument("--janus", type=numbers, default=[25, 50, 100, 150, 200, 300])
    parser.add_argument("--two", type=numbers, default=[100, 200])
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    report = asyncio.run(main_async(args))
    text = json.dumps(report, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n")


if __name__ == "__main__":
    main()
