"""Where a broadcast's encoded packets go: every outlet, each encoded once per codec.

An outlet is a set of viewers that takes packets: the :class:`~ciasom.media.relay.Relay`
(WHEP viewers on aiortc) and the :class:`~ciasom.media.audience.JanusAudience` (viewers of
Janus hosts). The pipelines ask the fan-out which codecs to encode and whether anyone listens,
and hand it each frame's packets once.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

import av


class Outlet(Protocol):
    @property
    def codecs(self) -> set[str]:
        """The video codecs (mime types) this outlet's viewers take."""

    @property
    def viewer_count(self) -> int:
        """Viewers whose media is flowing."""

    def listening(self) -> bool:
        """Whether any viewer takes audio."""

    def send_video(self, mime: str, packets: list[av.Packet[Any]]) -> None: ...

    def send_audio(self, packets: list[av.Packet[Any]]) -> None: ...


class FanOut:
    """All of a broadcast's outlets as one."""

    def __init__(self, outlets: Sequence[Outlet]) -> None:
        self.outlets = list(outlets)

    def codecs(self) -> set[str]:
        return set().union(*(outlet.codecs for outlet in self.outlets))

    @property
    def viewer_count(self) -> int:
        return sum(outlet.viewer_count for outlet in self.outlets)

    def listening(self) -> bool:
        return any(outlet.listening() for outlet in self.outlets)

    def send_video(self, mime: str, packets: list[av.Packet[Any]]) -> None:
        for outlet in self.outlets:
            outlet.send_video(mime, packets)

    def send_audio(self, packets: list[av.Packet[Any]]) -> None:
        for outlet in self.outlets:
            outlet.send_audio(packets)
