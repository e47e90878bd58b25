"""The media errors an internal answer names, so the web tier raises what a node raised.

The WHIP/WHEP views then answer a client exactly as the embedded server does (DESIGN §3).
"""

from __future__ import annotations

from ciasom.media.registry import AlreadyLive, ServerBusy, TooManySessions
from ciasom.media.relay import ViewerLimitReached
from ciasom.media.sdp import OfferError
from ciasom.media.stream import StreamEnded

# error name in an internal answer -> (HTTP status the node answers, exception class)
ERRORS: dict[str, tuple[int, type[Exception]]] = {
    "already_live": (409, AlreadyLive),
    "busy": (503, ServerBusy),
    "too_many_sessions": (429, TooManySessions),
    "viewer_limit": (503, ViewerLimitReached),
    "ended": (404, StreamEnded),
    "offer": (400, OfferError),
}


def name_of(error: Exception) -> str | None:
    """The internal name of a media error, or None for anything else."""
    for name, (_, kind) in ERRORS.items():
        if isinstance(error, kind):
            return name
    return None


def from_answer(name: str, message: str) -> Exception:
    """The exception a node's error answer stands for (ServerBusy for an unknown name)."""
    kind = ERRORS.get(name, (503, ServerBusy))[1]
    return kind(message)
