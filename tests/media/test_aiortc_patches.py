"""Peers with an RSA DTLS certificate publish and watch (``ciasom.media.aiortc_patches``).

GStreamer's webrtcbin, and the WHIP/WHEP tools built on it, hold an RSA certificate; aiortc
1.16 alone offered only ECDHE-ECDSA suites and failed their handshake (DESIGN §5). Here aiortc
peers holding RSA certificates stand in for them, in-process and fast, in both DTLS roles;
``test_gstreamer_clients.py`` drives webrtcbin itself through the real server.
"""

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager

import aiortc
import pytest
from aiortc.rtcdtlstransport import RTCCertificate, generate_certificate
from cryptography.hazmat.primitives.asymmetric import rsa

from bench.passthrough import Passthrough
from ciasom.media import aiortc_patches
from ciasom.media.stream import LiveStream

from .clients import LOOPBACK, PatternTrack, Publisher, Watcher, checkerboard, detail


@contextmanager
def rsa_certificates(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Peer connections created inside get an RSA certificate, as webrtcbin has."""

    def generate(cls: type[RTCCertificate]) -> RTCCertificate:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        return cls(key=key, cert=generate_certificate(key))  # type: ignore[arg-type]

    with monkeypatch.context() as patch:
        patch.setattr(RTCCertificate, "generateCertificate", classmethod(generate))
        yield


def as_offered(sdp: str, setup: str) -> str:
    """The offer with ``a=setup:<setup>``: ``actpass`` (browsers, webrtcbin) lets us answer
    ``active``, so we are the DTLS client; ``passive`` forces that role on us."""
    return sdp.replace("a=setup:actpass", f"a=setup:{setup}")


@pytest.mark.parametrize("setup", ["actpass", "passive"])
async def test_rsa_certificate_peers_publish_and_watch(
    monkeypatch: pytest.MonkeyPatch, setup: str
) -> None:
    aiortc_patches.apply()
    stream = LiveStream("rsa", Passthrough(), LOOPBACK)
    with rsa_certificates(monkeypatch):
        publisher = Publisher(PatternTrack(checkerboard(320, 240)))
        watcher = Watcher()
    try:
        async with asyncio.timeout(30):  # a failed handshake fails the test, never hangs it
            offer = as_offered(await publisher.offer(), setup)
            await publisher.answer(await stream.publish(offer))
            viewer = await stream.watch(as_offered(await watcher.offer(), setup))
            await watcher.answer(viewer.answer)
            frames = await watcher.frames_after(5, timeout=10)
        assert frames[-1].shape == (240, 320, 3)
        assert detail(frames[-1]) > 20  # the checkerboard (~31; covered ~0) crossed the server
    finally:
        await watcher.close()
        await publisher.close()
        await stream.close()


def test_patches_refuse_another_aiortc(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(aiortc_patches, "_applied", False)
    monkeypatch.setattr(aiortc, "__version__", "1.17.0")
    with pytest.raises(RuntimeError, match="written for aiortc 1.16.0, this is aiortc 1.17.0"):
        aiortc_patches.apply()
