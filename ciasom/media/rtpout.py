"""Sends one broadcast's encoded packets as SRTP to a Janus Streaming mountpoint.

What reaches Janus is what WHEP viewers get: the shared encoder's packets (processed
video, never raw) and the Opus packets, packetized by aiortc's own packers (the same
``pack()`` an ``RTCRtpSender`` calls), one RTP stream per medium, protected with the
mountpoint's SRTP key so nothing else can feed it. Sending is one ``sendto`` per RTP
packet on the event loop: a few hundred microseconds per frame, whatever the audience.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import secrets
import socket
from typing import Any

import av
from aiortc import RTCRtpCodecParameters
from aiortc.codecs import get_encoder
from aiortc.rtp import RtpPacket
from pylibsrtp import Policy, Session

from .janus import AUDIO_PT, VIDEO_PT, Mountpoint

logger = logging.getLogger(__name__)

SRTP_KEY_BYTES = 30  # AES_CM_128_HMAC_SHA1_80: 16 bytes of key, 14 of salt
AUDIO_CLOCK_RATE = 48000


def new_srtp_key() -> str:
    """A fresh SRTP master key and salt, base64 as Janus's ``srtpcrypto`` (SDES) wants it."""
    return base64.b64encode(secrets.token_bytes(SRTP_KEY_BYTES)).decode()


class _Datagrams(asyncio.DatagramProtocol):
    def error_received(self, exc: Exception) -> None:  # ICMP unreachable: Janus went away
        logger.debug("rtp out: %s", exc)


class RtpStream:
    """One medium's RTP numbering (SSRC, sequence, timestamp origin) and its packer."""

    def __init__(self, payload_type: int, packer: Any, *, marks_frames: bool) -> None:
        self.payload_type = payload_type
        self.packer = packer
        self.marks_frames = marks_frames  # video: the marker bit ends a frame; Opus: unset
        self.ssrc = secrets.randbits(32)
        self.sequence = secrets.randbits(16)
        self.origin = secrets.randbits(32)

    def packets(self, packet: av.Packet[Any]) -> list[RtpPacket]:
        payloads, timestamp = self.packer.pack(packet)
        out = []
        for i, payload in enumerate(payloads):
            rtp = RtpPacket(
                payload_type=self.payload_type,
                marker=int(self.marks_frames and i == len(payloads) - 1),
                sequence_number=self.sequence,
                timestamp=(self.origin + timestamp) & 0xFFFFFFFF,
                ssrc=self.ssrc,
                payload=payload,
            )
            self.sequence = (self.sequence + 1) & 0xFFFF
            out.append(rtp)
        return out


class RtpOut:
    """The SRTP sender for one mountpoint: :meth:`video` and :meth:`audio` take packets."""

    def __init__(self, mountpoint: Mountpoint, video_mime: str, srtp_key: str) -> None:
        self.mountpoint = mountpoint
        self.video_mime = video_mime
        self.sent = 0  # RTP packets
        self._video = RtpStream(
            VIDEO_PT,
            get_encoder(
                RTCRtpCodecParameters(mimeType=video_mime, clockRate=90000, payloadType=VIDEO_PT)
            ),
            marks_frames=True,
        )
        self._audio = RtpStream(AUDIO_PT, _OpusPacker(), marks_frames=False)
        self._srtp = Session(
            Policy(key=base64.b64decode(srtp_key), ssrc_type=Policy.SSRC_ANY_OUTBOUND)
        )
        self._transport: asyncio.DatagramTransport | None = None
        self._address = mountpoint.host

    async def open(self) -> None:
        """Resolve the Janus host once and open one UDP socket for both media."""
        loop = asyncio.get_running_loop()
        family, _, _, _, address = (
            await loop.getaddrinfo(self.mountpoint.host, None, type=socket.SOCK_DGRAM)
        )[0]
        self._address = str(address[0])
        self._transport, _ = await loop.create_datagram_endpoint(_Datagrams, family=family)

    def video(self, packets: list[av.Packet[Any]]) -> None:
        for packet in packets:
            self._send(self._video.packets(packet), self.mountpoint.video_port)

    def audio(self, packets: list[av.Packet[Any]]) -> None:
        for packet in packets:
            self._send(self._audio.packets(packet), self.mountpoint.audio_port)

    def _send(self, packets: list[RtpPacket], port: int) -> None:
        if self._transport is None or self._transport.is_closing():
            return
        for rtp in packets:
            self._transport.sendto(self._srtp.protect(rtp.serialize()), (self._address, port))
            self.sent += 1

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()


class _OpusPacker:
    """Opus needs no packetizing: one packet is one RTP payload, stamped at 48 kHz."""

    def pack(self, packet: av.Packet[Any]) -> tuple[list[bytes], int]:
        assert packet.pts is not None and packet.time_base is not None
        return [bytes(packet)], int(packet.pts * packet.time_base * AUDIO_CLOCK_RATE)
