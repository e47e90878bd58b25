"""Janus's HTTP API, for what a media node asks of a Janus host: Streaming mountpoints.

A broadcast's large audience watches through Janus (Debian ``janus``): the node creates one
private RTP mountpoint per broadcast, sends it the processed, encoded stream
(:mod:`ciasom.media.rtpout`), reads its viewer count, and destroys it when the broadcast
ends. Every call runs in its own short Janus session (create → attach → message →
destroy), so a restarted Janus or a lost keep-alive never leaves the node holding a dead
session. Plain HTTP with the standard library, off the event loop: four small requests
a call, a few calls a broadcast.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

logger = logging.getLogger(__name__)

STREAMING = "janus.plugin.streaming"
TIMEOUT = 5.0  # seconds per HTTP request: Janus answers synchronous requests at once
VIDEO_PT = 96
AUDIO_PT = 111
# Janus's codec names and SDP fmtp for the shared encoder's codecs (encoder.VIDEO_CODECS)
CODECS = {
    "video/VP8": ("vp8", None),
    "video/H264": ("h264", "profile-level-id=42e01f;packetization-mode=1"),
}


NO_SUCH_MOUNTPOINT = 455  # the Streaming plugin's error code


class JanusError(Exception):
    """Janus refused a request (``code``: the plugin's error code), or could not be reached."""

    def __init__(self, message: str, code: int | None = None) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Mountpoint:
    """A Streaming mountpoint on one Janus host: where to send, how to manage it."""

    id: int
    secret: str  # needed to destroy it or read its ports
    host: str  # where its RTP ports listen (the API URL's host)
    video_port: int
    audio_port: int


class JanusApi:
    """One Janus host's HTTP API (``url`` ends in Janus's base path, e.g. ``/janus``)."""

    def __init__(self, url: str, admin_key: str = "") -> None:
        self.url = url.rstrip("/")
        self.admin_key = admin_key
        self.host = urlsplit(self.url).hostname or "127.0.0.1"

    async def create_mountpoint(self, name: str, video_mime: str, srtp_key: str) -> Mountpoint:
        """A private RTP mountpoint for one broadcast: ``video_mime`` video and Opus audio,
        SRTP with ``srtp_key`` (base64, AES_CM_128_HMAC_SHA1_80), so only the node holding the
        key can feed it; Janus keeps the last keyframe for viewers who join."""
        codec, fmtp = CODECS[video_mime]
        video: dict[str, Any] = {
            "type": "video",
            "mid": "v",
            "port": 0,
            "pt": VIDEO_PT,
            "codec": codec,
            "bufferkf": True,
        }
        if fmtp:
            video["fmtp"] = fmtp
        mountpoint_id = secrets.randbelow(2**52) + 1  # Janus and JavaScript both hold it exactly
        secret = secrets.token_urlsafe(24)
        request = {
            "request": "create",
            "type": "rtp",
            "id": mountpoint_id,
            "name": name,
            "description": name,
            "secret": secret,
            "is_private": True,
            "permanent": False,
            "srtpsuite": 80,
            "srtpcrypto": srtp_key,
            "media": [
                video,
                {"type": "audio", "mid": "a", "port": 0, "pt": AUDIO_PT, "codec": "opus"},
            ],
        }
        if self.admin_key:
            request["admin_key"] = self.admin_key
        data = await self.request(request)
        try:
            ports = {port["type"]: int(port["port"]) for port in data["stream"]["ports"]}
            return Mountpoint(mountpoint_id, secret, self.host, ports["video"], ports["audio"])
        except (KeyError, TypeError, ValueError) as error:
            raise JanusError(f"create: no ports in {data}") from error

    async def destroy_mountpoint(self, mountpoint: Mountpoint) -> None:
        """Remove the mountpoint; its viewers' peer connections close ("ended")."""
        await self.request({"request": "destroy", "id": mountpoint.id, "secret": mountpoint.secret})

    async def viewers(self, mountpoint: Mountpoint) -> int:
        """How many viewers are subscribed to the mountpoint now."""
        # Janus tells the count only to whoever holds the mountpoint's secret.
        data = await self.request(
            {"request": "info", "id": mountpoint.id, "secret": mountpoint.secret}
        )
        return int(data["info"].get("viewers", 0))

    async def request(self, body: dict[str, Any]) -> dict[str, Any]:
        """One synchronous Streaming-plugin request; its ``plugindata.data``."""
        return await asyncio.to_thread(self._request, body)

    def _request(self, body: dict[str, Any]) -> dict[str, Any]:
        session = self._call(self.url, {"janus": "create"})["data"]["id"]
        try:
            handle = self._call(f"{self.url}/{session}", {"janus": "attach", "plugin": STREAMING})
            answer = self._call(
                f"{self.url}/{session}/{handle['data']['id']}", {"janus": "message", "body": body}
            )
        finally:
            try:
                self._call(f"{self.url}/{session}", {"janus": "destroy"})
            except JanusError as error:  # it times out by itself
                logger.info("janus %s: session not destroyed: %s", self.url, error)
        data: dict[str, Any] = answer.get("plugindata", {}).get("data", {})
        if "error" in data:
            code = data.get("error_code")
            raise JanusError(f"{body['request']}: {data['error']} ({code})", code)
        return data

    def _call(self, url: str, message: dict[str, Any]) -> dict[str, Any]:
        message = {**message, "transaction": secrets.token_hex(8)}
        request = urllib.request.Request(
            url,
            data=json.dumps(message).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
                answer: dict[str, Any] = json.load(response)
        except (OSError, ValueError) as error:  # URLError, timeouts, refused, bad JSON
            raise JanusError(f"{url}: {error}") from error
        if answer.get("janus") == "error":
            raise JanusError(f"{message['janus']}: {answer.get('error', {}).get('reason')}")
        return answer
