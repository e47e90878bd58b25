"""Every reach into aiortc's (and aioice's) private API, in one place, pinned to the release.

Each reach says why it exists and which aiortc it was checked against:

* :func:`apply` — process-wide patches, installed once where the media path is configured
  (:meth:`ciasom.live.service.LiveService.from_settings`): DTLS ciphers for RSA peers, H.264
  offers of every profile;
* :func:`offer_host_candidates` — aioice's host address enumeration (loopback deployments);
* :func:`pass_audio_on_at_once` — a publisher's audio receiver's jitter-buffer prefetch;
* :func:`route_keyframe_requests` — a viewer's ``RTCRtpSender`` keyframe hook, so PLI/FIR
  reach the broadcast's shared encoder.

(:class:`~ciasom.media.packettrack.PacketTrack` relies on one more aiortc behaviour: a sender
whose track yields :class:`av.Packet` only packetizes it.)

:func:`apply` refuses to run on another aiortc release: a private method may have changed
shape, and a wrapper that no longer fits would break every DTLS handshake, or keep overriding a
fix upstream already made. On an upgrade, re-check each reach below against the new source,
then update :data:`PATCHED_FOR` or drop the patch.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable, Sequence

import aioice.ice
import aiortc
from aiortc import RTCPeerConnection, RTCRtpCodecParameters, RTCRtpSender, rtcpeerconnection
from aiortc.mediastreams import MediaStreamTrack
from aiortc.rtcdtlstransport import RTCCertificate, SRTPProtectionProfile
from aiortc.sdp import H264Profile, parse_h264_profile_level_id
from OpenSSL import SSL

logger = logging.getLogger(__name__)

PATCHED_FOR = "1.16.0"

# ECDHE with either certificate type, AEAD first: the suites browsers offer for DTLS-SRTP.
# aiortc's own list has only the ECDSA half.
DTLS_CIPHERS = (
    b"ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    b"ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
    b"ECDHE-ECDSA-AES128-SHA:ECDHE-RSA-AES128-SHA:"
    b"ECDHE-ECDSA-AES256-SHA:ECDHE-RSA-AES256-SHA"
)

_applied = False


def apply() -> None:
    """Install every patch (idempotent). Raises if aiortc is not :data:`PATCHED_FOR`."""
    global _applied
    if _applied:
        return
    if aiortc.__version__ != PATCHED_FOR:
        raise RuntimeError(
            f"ciasom.media.aiortc_patches was written for aiortc {PATCHED_FOR}, "
            f"this is aiortc {aiortc.__version__}: re-check each patch against its source"
        )
    _accept_rsa_dtls_peers()
    _take_every_h264_profile()
    _applied = True
    logger.debug("aiortc %s patched: DTLS ciphers %s", aiortc.__version__, DTLS_CIPHERS.decode())


def _accept_rsa_dtls_peers() -> None:
    """Let peers with an RSA DTLS certificate connect: offer ECDHE-RSA suites too.

    aiortc 1.16.0 ``RTCCertificate._create_ssl_context`` allows only ECDHE-ECDSA suites. When
    aiortc is the DTLS client (it answers an ``actpass`` offer with ``a=setup:active``, as RFC
    5763 §5 recommends), its ClientHello then offers nothing a server holding an RSA
    certificate can pick, and the handshake fails at once ("DTLS handshake failed (error
    [])"). GStreamer's webrtcbin, and the WHIP/WHEP tools built on it, use an RSA certificate.

    Adding the ECDHE-RSA suites fixes this whichever side is the DTLS client: as client the
    server picks the suite that fits its own certificate; as server ours is ECDSA, so an
    ECDSA suite is chosen as before (Chromium, Firefox, aiortc peers are unaffected). The
    alternative, answering ``a=setup:passive``, is not enough: an offer with
    ``a=setup:passive`` still makes us the client.
    """
    create = RTCCertificate._create_ssl_context

    def create_ssl_context(
        self: RTCCertificate, srtp_profiles: list[SRTPProtectionProfile]
    ) -> SSL.Context:
        context = create(self, srtp_profiles)
        context.set_cipher_list(DTLS_CIPHERS)
        return context

    RTCCertificate._create_ssl_context = create_ssl_context  # type: ignore[method-assign]


def _take_every_h264_profile() -> None:
    """Answer an H.264 offer of any profile (High, Main) as constrained baseline.

    aiortc 1.16.0 ``find_common_codecs`` matches H.264 only in the profiles it encodes
    (constrained baseline, baseline), so an offer of High alone — FFmpeg's WHIP muxer with
    x264's defaults — fails ("Failed to set remote video description send parameters"). What
    a publisher sends us is decoded by libavcodec, which takes every profile; what we send is
    constrained baseline, which every H.264 decoder plays. Offers that list a profile aiortc
    has (browsers do) negotiate as before.
    """
    find = rtcpeerconnection.find_common_codecs

    def find_common_codecs(
        local_codecs: list[RTCRtpCodecParameters], remote_codecs: list[RTCRtpCodecParameters]
    ) -> list[RTCRtpCodecParameters]:
        ours = {_h264_profile(c) for c in local_codecs if _is_h264(c)}
        remote = [
            _as_constrained_baseline(c) if _is_h264(c) and _h264_profile(c) not in ours else c
            for c in remote_codecs
        ]
        return find(local_codecs, remote)

    rtcpeerconnection.find_common_codecs = find_common_codecs


def _is_h264(codec: RTCRtpCodecParameters) -> bool:
    return codec.mimeType.lower() == "video/h264"


def _profile_level_id(codec: RTCRtpCodecParameters) -> str:
    # None means constrained baseline 3.1 (RFC 6184), as aiortc reads it.
    return str(codec.parameters.get("profile-level-id", "42e01f"))


def _h264_profile(codec: RTCRtpCodecParameters) -> H264Profile | None:
    try:
        return parse_h264_profile_level_id(_profile_level_id(codec))[0]
    except ValueError:
        return None


def _as_constrained_baseline(codec: RTCRtpCodecParameters) -> RTCRtpCodecParameters:
    level = _profile_level_id(codec)[-2:]
    relaxed = copy.deepcopy(codec)
    relaxed.parameters["profile-level-id"] = f"42e0{level}"
    return relaxed


def offer_host_candidates(addresses: Sequence[str]) -> None:
    """Offer exactly ``addresses`` as local host candidates (e.g. ``["127.0.0.1"]``).

    aioice enumerates the machine's interfaces and never offers 127.0.0.1, so a browser on
    the same machine could not reach us over loopback. This is process-wide, like the
    setting it comes from. An empty sequence keeps aioice's own enumeration.
    """
    if not addresses:
        return
    chosen = list(addresses)
    aioice.ice.get_host_addresses = lambda use_ipv4, use_ipv6: list(chosen)


def pass_audio_on_at_once(pc: RTCPeerConnection, track: MediaStreamTrack) -> None:
    """Stop aiortc holding the publisher's audio back ~60 ms longer than its video.

    aiortc's audio receiver releases a packet only once 4 more have arrived (~80 ms); its
    video receiver waits one frame (~33 ms). Viewers' players line the tracks up by when
    we *send* them (RTCP sender reports map RTP time to our send time), so that wait made
    viewers hear audio ~60 ms after the picture (tests/media/test_av_sync.py). Releasing
    each packet when the next one arrives (prefetch 1) loses nothing: the buffer waits at
    a gap whatever the prefetch. (aiortc 1.16.0: ``RTCRtpReceiver.__jitter_buffer``.)
    """
    for receiver in pc.getReceivers():
        if receiver.track is track:
            jitter_buffer = getattr(receiver, "_RTCRtpReceiver__jitter_buffer", None)
            if jitter_buffer is not None:
                jitter_buffer._prefetch = 1


def route_keyframe_requests(sender: RTCRtpSender, request: Callable[[], None]) -> None:
    """Send ``sender``'s keyframe requests (PLI/FIR from the viewer's decoder) to ``request``.

    ``RTCRtpSender`` answers PLI/FIR by calling its ``_send_keyframe()``, which asks the
    sender's own encoder; ours has none (its track yields encoded packets), so the request
    must reach the broadcast's shared encoder instead. (aiortc 1.16.0.)
    """
    sender._send_keyframe = request  # type: ignore[method-assign]
