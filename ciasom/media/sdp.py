"""Checks on a remote SDP offer before any peer connection is built for it, and the codecs.

WHIP/WHEP clients send arbitrary bytes; aiortc's parser is lenient (garbage parses as a
session with no media), so an offer is accepted only when it has what we will negotiate.
Viewers are offered our video codecs in :data:`VIDEO_MIME_TYPES` order.
"""

from __future__ import annotations

from aiortc import RTCRtpCodecCapability, RTCRtpSender
from aiortc.sdp import SessionDescription

MAX_OFFER_BYTES = 64 * 1024  # browser offers are 3–10 kB; OBS's are smaller
VIDEO_MIME_TYPES = ("video/VP8", "video/H264")


class OfferError(ValueError):
    """The offer cannot be answered; the message says why, for the HTTP 400 body."""


def check_offer(sdp: str, *, publish: bool) -> SessionDescription:
    """Parse ``sdp`` and require a usable video section.

    ``publish`` offers must send video (WHIP); watch offers must receive it (WHEP).
    """
    if not sdp.strip():
        raise OfferError("empty SDP offer")
    if len(sdp.encode()) > MAX_OFFER_BYTES:
        raise OfferError(f"SDP offer larger than {MAX_OFFER_BYTES} bytes")
    if not sdp.lstrip().startswith("v=0"):
        raise OfferError("not an SDP offer (must start with v=0)")
    try:
        description = SessionDescription.parse(sdp)
    except Exception as error:  # the parser raises anything from ValueError to KeyError
        raise OfferError(f"malformed SDP: {error}") from error
    wanted = ("sendonly", "sendrecv") if publish else ("recvonly", "sendrecv")
    videos = [m for m in description.media if m.kind == "video"]
    if not videos:
        raise OfferError("the offer has no video")
    if not any(m.direction in wanted for m in videos):
        raise OfferError(f"the offer's video must be {' or '.join(wanted)}")
    codecs = {c.mimeType for m in videos for c in m.rtp.codecs}
    if not codecs.intersection(VIDEO_MIME_TYPES):
        raise OfferError(f"no supported video codec (need one of {', '.join(VIDEO_MIME_TYPES)})")
    mids = [m.rtp.muxId for m in description.media]
    if len(set(mids)) != len(mids):
        raise OfferError("every media section needs its own a=mid")
    for group in description.group:
        # aiortc bundles onto the first named section; an unknown one leaves the others
        # without a transport, and the peer connection can then not even be closed.
        if group.semantic == "BUNDLE" and not set(group.items) <= set(mids):
            raise OfferError("a=group:BUNDLE names a mid that no media section has")
    for media in description.media:
        if not (media.ice and media.ice.usernameFragment and media.ice.password):
            raise OfferError(f"{media.kind} section lacks ICE credentials")
        if not (media.dtls and media.dtls.fingerprints):
            raise OfferError(f"{media.kind} section lacks a DTLS fingerprint")
    return description


def video_codec_preferences() -> list[RTCRtpCodecCapability]:
    """aiortc's video codecs we encode, in our order of preference (with their RTX)."""
    codecs = RTCRtpSender.getCapabilities("video").codecs
    order = {mime: i for i, mime in enumerate(VIDEO_MIME_TYPES)}
    wanted = [c for c in codecs if c.mimeType in order or c.mimeType == "video/rtx"]
    return sorted(wanted, key=lambda c: order.get(c.mimeType, len(order)))


def negotiated_video(answer_sdp: str) -> str:
    """The mime type of the video codec our ``answer_sdp`` sends."""
    for media in SessionDescription.parse(answer_sdp).media:
        if media.kind == "video" and media.direction in ("sendonly", "sendrecv"):
            for codec in media.rtp.codecs:
                if codec.mimeType in VIDEO_MIME_TYPES:
                    return codec.mimeType
    raise OfferError("no video codec in common (need VP8 or H264)")
