"""FFmpeg's own WHIP muxer (FFmpeg 8, as PyAV bundles it) publishes through the real server:
H.264 from libx264 (baseline, or x264's default High profile) and Opus, FFmpeg's ICE (no
candidates of its own; it connects to the answer's first host candidate) and DTLS (it offers
``a=setup:passive``, so the server is the DTLS client). An aiortc WHEP viewer sees strangers
pixelated, the enrolled person not, and hears the audio; when FFmpeg closes, its DELETE ends
the broadcast.

FFmpeg 8.0 built with GnuTLS (PyAV 18's) makes itself a secp224r1 DTLS certificate, a curve
that OpenSSL 4 (ours, through ``cryptography``) no longer accepts in TLS: the handshake ends
in an ``illegal_parameter`` alert. FFmpeg's ``cert_file``/``key_file`` options give it a
P-256 certificate instead; the README says so.
"""

from __future__ import annotations

import asyncio
import datetime
import fractions
import threading
import time
from pathlib import Path

import av
import numpy as np
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from bench import footage
from bench.photos import photo

from .clients import Watcher
from .server import Api, host_with_broadcast, running_server, whep

pytestmark = pytest.mark.browser  # a whole server and the real engine: the slow suite

AUDIO_RATE, AUDIO_SAMPLES = 48000, 960  # Opus, 20 ms


def p256_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed P-256 certificate and its key, as PEM files (``cert_file``, ``key_file``)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ffmpeg-whip")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


class FfmpegPublisher:
    """``ffmpeg -c:v libx264 -profile:v baseline -bf 0 -c:a libopus -f whip URL`` in a thread:
    the footage (ping-pong) at 30 fps and a 440 Hz tone, until :meth:`stop`, which closes
    the muxer (FFmpeg then DELETEs its WHIP session)."""

    def __init__(
        self, url: str, stream_key: str, certificate: tuple[Path, Path], profile: str
    ) -> None:
        self.profile = profile
        self.options = {
            "authorization": stream_key,
            "cert_file": str(certificate[0]),
            "key_file": str(certificate[1]),
            "handshake_timeout": "10000",
        }
        self.url = url
        self.error: BaseException | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(15)
        assert not self._thread.is_alive(), "FFmpeg did not close"
        if self.error is not None:
            raise self.error

    def _run(self) -> None:
        try:
            self._publish()
        except BaseException as error:  # raised again in stop()
            self.error = error

    def _publish(self) -> None:
        with av.open(self.url, mode="w", format="whip", options=self.options) as output:
            video = output.add_stream("libx264", rate=footage.FPS)
            height, width = footage.frame(0)[0].shape[:2]
            video.width, video.height, video.pix_fmt = width, height, "yuv420p"
            video.options = {"profile": self.profile, "tune": "zerolatency", "bf": "0", "g": "60"}
            audio = output.add_stream("libopus", rate=AUDIO_RATE)
            audio.layout = "stereo"
            tone = (np.sin(np.arange(AUDIO_SAMPLES) * 2 * np.pi * 440 / AUDIO_RATE) * 8000).astype(
                np.int16
            )
            start, period = time.monotonic(), 2 * (footage.FRAMES - 1)
            index = sounds = 0
            while not self._stop.is_set():
                step = index % period
                image = footage.frame(step if step < footage.FRAMES else period - step)[0]
                frame = av.VideoFrame.from_ndarray(image, format="bgr24")
                frame.pts, frame.time_base = index, fractions.Fraction(1, footage.FPS)
                output.mux(video.encode(frame))
                # 30 fps video, 50 Opus frames a second: one or two per video frame.
                while sounds * 3 < (index + 1) * 5:
                    sound = av.AudioFrame.from_ndarray(
                        np.repeat(tone, 2)[np.newaxis], format="s16", layout="stereo"
                    )
                    sound.sample_rate, sound.pts = AUDIO_RATE, sounds * AUDIO_SAMPLES
                    output.mux(audio.encode(sound))
                    sounds += 1
                index += 1
                time.sleep(max(0.0, start + index / footage.FPS - time.monotonic()))


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with running_server(tmp_path_factory.mktemp("server")) as base:
        yield base


@pytest.mark.parametrize("profile", ["baseline", "high"])
async def test_ffmpeg_publishes_over_whip_and_its_close_ends_the_broadcast(
    server, tmp_path, profile
):
    api, me, broadcast = await asyncio.to_thread(
        host_with_broadcast,
        server,
        f"ffmpeg-{profile}",
        [photo(n) for n in footage.ENROL_PHOTOS],
    )
    publisher = FfmpegPublisher(
        f"{server}/whip/{broadcast['id']}", me["stream_key"], p256_certificate(tmp_path), profile
    )
    try:
        deadline = time.monotonic() + 30
        while not (await asyncio.to_thread(api.json, "GET", "/api/broadcasts?live=1"))["results"]:
            assert publisher.error is None, publisher.error
            assert time.monotonic() < deadline, "FFmpeg's broadcast never went live"
            await asyncio.sleep(0.3)

        watcher = Watcher(audio=True)
        await whep(Api(server), broadcast, watcher)
        await watcher.frames_after(1, timeout=20)
        # No stranger is ever seen; the enrolled person becomes visible.
        grabs: list[dict[str, bool]] = []
        deadline = time.monotonic() + 60
        while sum(g["obama"] for g in grabs) < 5:
            assert time.monotonic() < deadline, f"the enrolled face stayed covered: {grabs}"
            grabs.append(footage.judge((await watcher.frames_after(1))[0]))
            await asyncio.sleep(0.2)
        assert not any(g[a.label] for g in grabs for a in footage.ACTORS if not a.allowed), grabs
        assert watcher.audio_frames > 0, "FFmpeg's Opus never reached the viewer"
    finally:
        await asyncio.to_thread(publisher.stop)

    await asyncio.wait_for(watcher.ended.wait(), 10)
    assert (await asyncio.to_thread(api.json, "GET", "/api/broadcasts?live=1"))["results"] == []
    await watcher.close()
