"""Light load viewers for the benchmarks (:mod:`bench.live`, :mod:`bench.audience`).

Real ICE, DTLS and SRTP sessions whose video frames are counted by the RTP marker bit and
never decrypted, depacketized or decoded: many viewers in one process must leave the cores
to the server being measured. Where the frames are counted is the caller's (each benchmark
hooks aiortc where its viewers' load allows); this module holds what they share. It patches
aiortc for the whole process: use it only in a benchmark's load process.
"""

from __future__ import annotations

import asyncio
import time
from multiprocessing.connection import Connection
from typing import Any

import aiortc.rtcdtlstransport as dtls
import pylibsrtp
from aiortc import RTCPeerConnection, RTCSessionDescription

from ciasom.media.ice import rtc_configuration


class ClearInbound:
    """SRTP that leaves inbound packets as they are: the RTP header (with the marker bit that
    ends each frame) is never encrypted, so counting needs no decryption."""

    def __init__(self, policy: Any) -> None:
        self._session = pylibsrtp.Session(policy)

    def protect(self, data: bytes) -> bytes:
        return self._session.protect(data)

    def protect_rtcp(self, data: bytes) -> bytes:
        return self._session.protect_rtcp(data)

    def unprotect(self, data: bytes) -> bytes:
        return data

    unprotect_rtcp = unprotect


async def _ignore(transport: Any, data: bytes) -> None:
    pass


def leave_inbound_clear() -> None:
    """Inbound SRTP stays as it came (:class:`ClearInbound`) and inbound RTCP is dropped."""
    dtls.Session = ClearInbound  # type: ignore[misc]
    dtls.RTCDtlsTransport._handle_rtcp_data = _ignore  # type: ignore[method-assign]


class FrameCounts:
    """Frames counted per viewer (keyed by the id of the object its packets arrive on),
    read as the frames each viewer received since the last mark."""

    def __init__(self) -> None:
        self.frames: dict[int, int] = {}
        self.viewers: list[int] = []
        self._start: list[int] = []
        self._started = time.monotonic()

    def count(self, key: int) -> None:
        self.frames[key] = self.frames.get(key, 0) + 1

    def mark(self) -> None:
        self._start = [self.frames.get(key, 0) for key in self.viewers]
        self._started = time.monotonic()

    def since_mark(self) -> tuple[list[int], float]:
        """Each viewer's frames since the mark, and the seconds since it."""
        now = [self.frames.get(key, 0) for key in self.viewers]
        return [c - s for c, s in zip(now, self._start, strict=True)], (
            time.monotonic() - self._started
        )


async def watch_whep(conn: Connection) -> RTCPeerConnection:
    """A receive-only video viewer: its offer goes out on ``conn``, the answer comes back."""
    pc = RTCPeerConnection(rtc_configuration([]))
    pc.addTransceiver("video", direction="recvonly")
    await pc.setLocalDescription(await pc.createOffer())
    conn.send(pc.localDescription.sdp)
    answer = await asyncio.get_running_loop().run_in_executor(None, conn.recv)
    await pc.setRemoteDescription(RTCSessionDescription(answer, "answer"))
    return pc
