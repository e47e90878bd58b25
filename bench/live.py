"""Live path benchmark: privacy, fps, end-to-end latency and server CPU.

    .venv/bin/python -m bench.live [--seconds 12] [--sizes 720,480] [--viewers 1,5,20]
                                   [--kinds engine,relay] [--scenes walk,cut-in,busy,switch]
                                   [--json bench/live.json]

Scenes (real face photos, exact ground truth): ``walk`` — the engine scene (the allowed
person walks, strangers cross, leave, come back; 1, 5 and 20 viewers); ``cut-in`` — the
allowed person moves throughout while strangers' faces 24–150 px tall (at 720p) appear
abruptly at random places and times, stay 1–2 s and vanish; ``busy`` — a dozen strangers
and more, several small; ``switch`` — the cut-in scene sent at 720p, 480p, 360p, 720p …
(two seconds each), as phones and OBS change resolution. Faces overlap as people do: a
smaller (further) face passes behind a bigger one.

Three processes on loopback, so the server's CPU is its own:

* **server** — a :class:`~ciasom.media.stream.LiveStream` exactly as ``ciasom serve`` runs
  it, with the real :class:`~ciasom.engine.live.LiveEngine` (kind ``engine``: mode
  ``except``, the scene's allowed person enrolled from photos) or a pass-through
  (kind ``relay``: same decode/convert/encode-once path, no face processing);
* **publisher + probe** — an aiortc publisher sending the engine's ground-truth scene
  (:mod:`bench.scene`, real face photos) pre-encoded in VP8, so publishing costs almost no
  CPU; every frame carries its index in a bar code along the bottom edge. One aiortc
  viewer decodes everything: fps, latency (send → decoded, same clock) and a leak check
  (each stranger's face must have lost its fine detail);
* **load viewers** — the other aiortc viewers: real ICE, DTLS and SRTP sessions, but they
  only count frames by the RTP marker bit (decrypting and decoding 20 streams would eat
  the cores being measured); they report fps.

Results: fps out, latency p50/p95, ``ratio`` = engine / relay of the same size and viewers,
server CPU ms per frame sent (total, and decode / convert / render (mosaic) / encode medians),
the engine's own stats, and privacy judged on every frame the probe decodes **from the
first one** (no warm-up for strangers): stranger face-frames shown, the worst exposure of
any one appearance (frames in a row), the allowed person's visible rate after the first
second, frames covered whole. A face counts as shown when its fine detail still matches
the published stream's (``shows``); the relay runs (nothing covered) show how often the
judge sees a raw face as shown (``judge_sensitivity``).
"""

from __future__ import annotations

import argparse
import asyncio
import ctypes
import fractions
import gc
import json
import multiprocessing
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import av
import cv2
import numpy as np

from bench.passthrough import Passthrough
from bench.stamp import read_stamp, stamp

VIDEO_CLOCK = fractions.Fraction(1, 90000)
FPS = 30
SCENE_SECONDS = 10
WARMUP = 6.0  # seconds before measuring: models load, tracks settle
SHOWN_ABOVE = 0.7  # correlation of fine detail with the published face (see `shows`)
SWITCH_SIZES = (720, 480, 360, 720, 480)  # the switch scene's sizes, SWITCH_EVERY s each
SWITCH_EVERY = 2.0


def fine_detail(image: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray:
    """The face's fine detail (a Laplacian of its middle): what a mosaic takes away."""
    x1, y1, x2, y2 = box
    w, h = x2 - x1, y2 - y1
    inner = cv2.cvtColor(
        image[y1 + h // 5 : y2 - h // 5, x1 + w // 5 : x2 - w // 5], cv2.COLOR_BGR2GRAY
    ).astype(np.float32)
    return cv2.Laplacian(cv2.GaussianBlur(inner, (3, 3), 0), cv2.CV_32F)


def shows(image: np.ndarray, box: tuple[int, int, int, int], source: np.ndarray) -> bool:
    """Does the output show this face? Its fine detail still matches the published one.

    Measured on the cut-in scene through two VP8 passes: raw faces (25–150 px) correlate
    0.85 or more, pixelated ones 0.52 at most; mean detail alone mistook small covered
    faces for shown ones."""
    out = fine_detail(image, box)
    a, b = out - out.mean(), source - source.mean()
    norm = float(np.sqrt((a * a).sum() * (b * b).sum()))
    return norm > 0 and float((a * b).sum()) / norm > SHOWN_ABOVE


# -- footage --------------------------------------------------------------------------------


def scene_actors(kind: str) -> tuple[Any, ...]:
    """The actors of a scene kind (see the module docstring); seeded, so runs compare."""
    from bench.scene import ACTORS, Actor

    if kind == "walk":
        return ACTORS
    rng = np.random.default_rng(11 if kind == "cut-in" else 12)
    people = ("biden", "astronaut")
    strangers = []
    count = 16 if kind == "cut-in" else 13
    for n in range(count):
        size = float(np.exp(rng.uniform(np.log(24), np.log(150)))) / 720
        if kind == "busy":
            size = (24 + 8 * (n % 4)) / 720 if n % 3 == 0 else size / 1.6
        x, y = rng.uniform(0.08, 0.92), rng.uniform(0.12, 0.82)
        start = rng.uniform(0.2, SCENE_SECONDS - 2.2) if kind == "cut-in" else n * 0.3
        stay = rng.uniform(1.0, 2.0) if kind == "cut-in" else SCENE_SECONDS
        sway = rng.uniform(0, 2 * np.pi)

        def path(t, x=x, y=y, size=size, start=start, stay=stay, sway=sway):
            if not start <= t < start + stay:
                return None
            return (x + 0.01 * np.sin(t + sway), y, size, 0.0)

        strangers.append((size, Actor(f"stranger-{n}", people[n % 2], path)))
    # Back to front as real people stand: a smaller face is further away, so it passes
    # behind bigger ones, the allowed person's (0.26 of the height) included — never over
    # his face like a sticker.
    strangers.sort(key=lambda pair: pair[0])
    return (*(actor for _, actor in strangers), ACTORS[1])


def footage(width: int, height: int, kind: str = "walk") -> dict[str, Any]:
    """The scene pre-encoded, each frame stamped with its step in the loop: VP8 payloads,
    keyframe flags, and per step the faces to judge as (label, allowed, box, detail in the
    published stream) — detail measured on the decoded VP8, what the server receives."""
    from bench.scene import Scene
    from ciasom.media.encoder import VideoEncoder

    sizes = SWITCH_SIZES if kind == "switch" else (height,)
    scenes = {
        h: Scene(
            (h * 16 // 9 + 1) // 2 * 2,
            h,
            fps=FPS,
            seconds=SCENE_SECONDS,
            actors=scene_actors("cut-in" if kind == "switch" else kind),
        )
        for h in set(sizes)
    }
    frames = scenes[sizes[0]].frames
    # Forwards then backwards: the loop never makes faces jump, like a real camera.
    order = list(range(frames)) + list(range(frames - 2, 0, -1))
    payloads, keys, faces = [], [], []
    encoder, decoder, current = VideoEncoder("video/VP8"), None, None
    for step, index in enumerate(order):
        h = sizes[int(step / FPS / SWITCH_EVERY) % len(sizes)]
        fresh = h != current
        if fresh:  # a new size starts with a keyframe, from an encoder of its own
            encoder, decoder = VideoEncoder("video/VP8"), av.CodecContext.create("vp8", "r")
            current = h
        image, truth = scenes[h].frame(index)
        stamp(image, step)
        frame = av.VideoFrame.from_ndarray(
            cv2.cvtColor(image, cv2.COLOR_BGR2YUV_I420), format="yuv420p"
        )
        frame.pts, frame.time_base = step * 3000, VIDEO_CLOCK
        packets = encoder.encode(frame, keyframe=fresh)
        payload = b"".join(bytes(p) for p in packets)
        payloads.append(payload)
        keys.append(any(p.is_keyframe for p in packets))
        published = decoder.decode(av.Packet(payload))[0].to_ndarray(format="bgr24")
        faces.append(
            [
                (face.label, face.allowed, face.box, fine_detail(published, face.box))
                for face in truth
                if face.visible_share >= 0.5 and face.box[3] - face.box[1] >= 16
            ]
        )
    return {"payloads": payloads, "keys": keys, "faces": faces, "frames_per_loop": len(order)}


# -- server process -------------------------------------------------------------------------


def make_processor(kind: str):
    if kind == "relay":  # no face processing: what a plain relay through the pipeline costs
        return Passthrough()
    from bench.photos import photo
    from bench.scene import ALLOWED, ENROL_PHOTOS
    from ciasom.engine.enrolment import enrol_photo
    from ciasom.engine.gallery import Gallery
    from ciasom.engine.live import LiveEngine
    from ciasom.engine.settings import EngineSettings

    embeddings = np.stack([enrol_photo(cv2.imread(str(photo(n)))).embedding for n in ENROL_PHOTOS])
    return LiveEngine(EngineSettings(mode="except"), Gallery({ALLOWED: embeddings}), threads=1)


def _rss_mb() -> float:
    """This process's resident memory (Linux), once freed memory is returned to the system."""
    gc.collect()
    ctypes.CDLL("libc.so.6").malloc_trim(0)
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def server_main(conn) -> None:
    asyncio.run(_server(conn))


async def _server(conn) -> None:
    import aiortc.rtcrtpreceiver as receiver

    from ciasom.media.aiortc_patches import offer_host_candidates
    from ciasom.media.ice import rtc_configuration
    from ciasom.media.stream import LiveStream

    offer_host_candidates(["127.0.0.1"])
    decode_ms: list[float] = []
    original = receiver.get_decoder

    def timed_decoder(codec):
        decoder = original(codec)
        decode = decoder.decode

        def timed(encoded_frame):
            started = time.perf_counter()
            frames = decode(encoded_frame)
            decode_ms.append((time.perf_counter() - started) * 1000)
            return frames

        decoder.decode = timed
        return decoder

    receiver.get_decoder = timed_decoder
    loop = asyncio.get_running_loop()
    stream: LiveStream | None = None
    mark = (time.process_time(), 0)
    # A stream's memory: the server's above what it held before its first stream (what
    # an earlier stream left in the allocator counts; measured from the stream's own
    # start, freed pages of the stream before made the figure negative).
    idle_rss = _rss_mb()
    while True:
        message, *args = await loop.run_in_executor(None, conn.recv)
        if message == "publish":
            kind, offer = args
            processor = await asyncio.to_thread(make_processor, kind)
            stream = LiveStream("bench", processor, rtc_configuration([]), max_viewers=100)
            conn.send(await stream.publish(offer))
        elif message == "watch":
            conn.send((await stream.watch(args[0])).answer)
        elif message == "mark":
            decode_ms.clear()
            mark = (time.process_time(), stream.video.frames_out)
            conn.send(None)
        elif message == "status":
            status = stream.status()
            frames = status["frames_out"] - mark[1]
            cpu = time.process_time() - mark[0]
            status["cpu_ms_per_frame"] = round(cpu * 1000 / max(1, frames), 1)
            status["ms"]["decode"] = round(statistics.median(decode_ms), 2) if decode_ms else None
            status["memory_mb_per_stream"] = round(_rss_mb() - idle_rss, 1)
            conn.send(status)
        elif message == "close":
            await stream.close()
            stream = None
            conn.send(None)
        elif message == "quit":
            return


# -- load viewers process -----------------------------------------------------------------


def load_main(conn, count: int) -> None:
    asyncio.run(_load(conn, count))


async def _load(conn, count: int) -> None:
    import aiortc.rtcdtlstransport as dtls

    from bench.viewers import FrameCounts, leave_inbound_clear, watch_whep
    from ciasom.media.aiortc_patches import offer_host_candidates

    offer_host_candidates(["127.0.0.1"])
    counts = FrameCounts()

    async def count_frame(transport, data, arrival_time_ms):
        if data[1] & 0x80:
            counts.count(id(transport))

    # These viewers only count frames: decrypting, depacketizing and decoding 20 streams
    # would take the cores the server is being measured on.
    leave_inbound_clear()
    dtls.RTCDtlsTransport._handle_rtp_data = count_frame
    loop = asyncio.get_running_loop()
    peers = []
    for _ in range(count):
        pc = await watch_whep(conn)
        peers.append(pc)
        counts.viewers.append(id(pc.getTransceivers()[0].receiver.transport))
    conn.send("ready")
    while True:
        message = await loop.run_in_executor(None, conn.recv)
        if message == "mark":
            counts.mark()
            conn.send(None)
        elif message == "fps":
            frames, elapsed = counts.since_mark()
            conn.send([round(n / elapsed, 1) for n in frames])
        elif message == "quit":
            for pc in peers:
                await pc.close()
            return


# -- publisher and probe (this process) -----------------------------------------------------


class Privacy:
    """Judges every decoded frame against the scene's truth, from the first frame on."""

    def __init__(self) -> None:
        self.first_at: float | None = None
        self.strangers = self.shown = 0
        self.allowed = self.visible = 0
        self.worst_run = 0
        self.covered_whole_at_mark = 0
        self._runs: dict[str, int] = {}
        self.shown_heights: list[int] = []

    def judge(self, index: int, image: np.ndarray, faces: list[Any], sent: float) -> None:
        self.first_at = sent if self.first_at is None else self.first_at
        for label, allowed, box, source in faces:
            if box[2] > image.shape[1] or box[3] > image.shape[0]:
                continue  # a frame of another size than the truth (a switch in flight)
            shown = shows(image, box, source)
            if allowed:
                if sent - self.first_at >= 1.0:
                    self.allowed += 1
                    self.visible += shown
                continue
            self.strangers += 1
            self.shown += shown
            if shown:
                self.shown_heights.append(box[3] - box[1])
            self._runs[label] = self._runs.get(label, 0) + 1 if shown else 0
            self.worst_run = max(self.worst_run, self._runs[label])

    def report(self, engine: dict[str, Any]) -> dict[str, Any]:
        rendered = max(1, engine.get("rendered", 0))
        return {
            "stranger_face_frames_judged": self.strangers,
            "stranger_face_frames_shown": self.shown,
            "worst_exposure_frames": self.worst_run,
            "shown_face_heights_px": sorted(set(self.shown_heights)),
            "allowed_visible_rate_after_1s": round(self.visible / self.allowed, 3)
            if self.allowed
            else None,
            "frames_covered_whole": engine.get("covered_whole", 0),
            "frames_covered_whole_rate": round(engine.get("covered_whole", 0) / rendered, 4),
            "covered_whole_why": engine.get("covered_why", {}),
        }


async def run_case(
    server, size: int, kind: str, viewers: int, seconds: float, clip: dict[str, Any], scene: str
) -> dict[str, Any]:
    from aiortc import RTCPeerConnection, RTCSessionDescription

    from bench.clip_track import ClipTrack, send_vp8
    from ciasom.media.ice import rtc_configuration

    faces = clip["faces"]
    loop = asyncio.get_running_loop()
    sent_at: dict[int, float] = {}

    async def ask(*message):
        server.send(message)
        return await loop.run_in_executor(None, server.recv)

    publisher = RTCPeerConnection(rtc_configuration([]))
    send_vp8(publisher, ClipTrack(clip, sent_at))
    await publisher.setLocalDescription(await publisher.createOffer())
    answer = await ask("publish", kind, publisher.localDescription.sdp)
    await publisher.setRemoteDescription(RTCSessionDescription(answer, "answer"))

    latencies: list[float] = []
    received = 0
    measuring = False
    privacy = Privacy()

    async def probe_consume(track):
        nonlocal received
        while True:
            frame = await track.recv()
            arrived = time.monotonic()
            image = frame.to_ndarray(format="bgr24")
            index = read_stamp(image)
            if index is not None and index in sent_at:
                privacy.judge(index, image, faces[index % len(faces)], sent_at[index])
            if not measuring:
                continue
            received += 1
            if index is not None and index in sent_at:
                latencies.append((arrived - sent_at[index]) * 1000)

    probe = RTCPeerConnection(rtc_configuration([]))
    probe.addTransceiver("video", direction="recvonly")
    probe_tasks = []
    probe.on("track", lambda track: probe_tasks.append(asyncio.create_task(probe_consume(track))))
    await probe.setLocalDescription(await probe.createOffer())
    answer = await ask("watch", probe.localDescription.sdp)
    await probe.setRemoteDescription(RTCSessionDescription(answer, "answer"))

    load = None
    if viewers > 1:
        load, child = multiprocessing.Pipe()
        process = multiprocessing.get_context("spawn").Process(
            target=load_main, args=(child, viewers - 1), daemon=True
        )
        process.start()
        for _ in range(viewers - 1):
            offer = await loop.run_in_executor(None, load.recv)
            load.send(await ask("watch", offer))
        assert await loop.run_in_executor(None, load.recv) == "ready"

    await asyncio.sleep(WARMUP)
    await ask("mark")
    privacy.covered_whole_at_mark = (await ask("status"))["engine"].get("covered_whole", 0)
    if load:
        load.send("mark")
        await loop.run_in_executor(None, load.recv)
    measuring, started = True, time.monotonic()
    await asyncio.sleep(seconds)
    measuring = False
    elapsed = time.monotonic() - started
    status = await ask("status")
    fps = [round(received / elapsed, 1)]
    if load:
        load.send("fps")
        fps += await loop.run_in_executor(None, load.recv)
        load.send("quit")
        process.join(10)
    await ask("close")
    for task in probe_tasks:
        task.cancel()
    await probe.close()
    await publisher.close()
    latencies.sort()
    return {
        "scene": scene,
        "size": f"{size}p",
        "kind": kind,
        "viewers": viewers,
        "privacy_delay_ms": status["privacy_delay_ms"],
        "fps_out_probe": fps[0],
        "fps_out_min": min(fps),
        "fps_out_median": statistics.median(fps),
        "latency_ms_p50": round(np.percentile(latencies, 50), 1) if latencies else None,
        "latency_ms_p95": round(np.percentile(latencies, 95), 1) if latencies else None,
        "server_fps_in": status["fps_in"],
        "server_fps_out": status["fps_out"],
        "server_cpu_ms_per_frame": status["cpu_ms_per_frame"],
        "server_stage_ms": status["ms"],
        "frames_dropped": status["frames_dropped"],
        "frames_covered": status["frames_covered"],
        "memory_mb_per_stream": status["memory_mb_per_stream"],
        "engine": status["engine"],
        "privacy": privacy.report(status["engine"]),
    }


async def main_async(args) -> dict[str, Any]:
    server, child = multiprocessing.Pipe()
    process = multiprocessing.get_context("spawn").Process(
        target=server_main, args=(child,)
    )  # not a daemon: the engine starts a recogniser
    process.start()
    from ciasom.media.aiortc_patches import offer_host_candidates

    offer_host_candidates(["127.0.0.1"])
    results = []
    for scene in args.scenes:
        for size in args.sizes if scene != "switch" else args.sizes[:1]:
            clip = await asyncio.to_thread(footage, (size * 16 // 9 + 1) // 2 * 2, size, scene)
            for viewers in args.viewers if scene == "walk" else [1]:
                for kind in args.kinds:
                    result = await run_case(server, size, kind, viewers, args.seconds, clip, scene)
                    print(json.dumps(result), file=sys.stderr, flush=True)
                    results.append(result)
    server.send(("quit",))
    process.join(10)
    for result in results:
        relay = next(
            (
                r
                for r in results
                if r["kind"] == "relay"
                and r["size"] == result["size"]
                and r["viewers"] == result["viewers"]
                and r["scene"] == result["scene"]
            ),
            None,
        )
        if result["kind"] == "engine" and relay and relay["latency_ms_p50"]:
            result["ratio_vs_relay"] = {
                "fps": round(result["fps_out_median"] / max(0.1, relay["fps_out_median"]), 2),
                "latency_p50": round(result["latency_ms_p50"] / relay["latency_ms_p50"], 2),
                "latency_p95": round(result["latency_ms_p95"] / relay["latency_ms_p95"], 2),
                "latency_p95_over_relay_ms": round(
                    result["latency_ms_p95"] - relay["latency_ms_p95"], 1
                ),
            }
            judged = relay["privacy"]["stranger_face_frames_judged"]
            result["privacy"]["judge_sensitivity"] = (
                round(relay["privacy"]["stranger_face_frames_shown"] / judged, 3)
                if judged
                else None
            )
    return {
        "machine": {"cpus": multiprocessing.cpu_count()},
        "fps": FPS,
        "seconds_measured": args.seconds,
        "results": results,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=12)
    parser.add_argument(
        "--sizes", type=lambda s: [int(x) for x in s.split(",")], default=[720, 480]
    )
    parser.add_argument(
        "--viewers", type=lambda s: [int(x) for x in s.split(",")], default=[1, 5, 20]
    )
    parser.add_argument("--kinds", type=lambda s: s.split(","), default=["engine", "relay"])
    parser.add_argument(
        "--scenes", type=lambda s: s.split(","), default=["walk", "cut-in", "busy", "switch"]
    )
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    report = asyncio.run(main_async(args))
    text = json.dumps(report, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n")


if __name__ == "__main__":
    main()
