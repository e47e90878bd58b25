"""Every reach into aiortc's private API, in one place, pinned to the aiortc it was written for.

Each patch says why it exists and which aiortc it was checked against. :func:`apply` installs
them all, once per process, where the media path is configured
(:meth:`ciasom.live.service.LiveService.from_settings`). It refuses to run on another aiortc
release: a private method may have changed shape, and a wrapper that no longer fits would break
every DTLS handshake, or keep overriding a fix upstream already made. On an upgrade, re-check
each patch below against the new source, then update :data:`PATCHED_FOR` or drop the patch.
"""

from __future__ import annotations

import logging

import aiortc
from aiortc.rtcdtlstransport import RTCCertificate, SRTPProtectionProfile
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
