"""Offers we cannot answer are refused with a reason before any peer connection exists."""

import pytest

from ciasom.media.sdp import MAX_OFFER_BYTES, OfferError, check_offer

from .clients import PatternTrack, Publisher, ToneTrack, Watcher, checkerboard


async def publisher_offer(video=True):
    track = PatternTrack(checkerboard(64, 48)) if video else ToneTrack()
    publisher = Publisher(track)
    try:
        return await publisher.offer()
    finally:
        await publisher.close()


@pytest.mark.parametrize(
    ("sdp", "reason"),
    [
        ("", "empty"),
        ("   \r\n", "empty"),
        ("hello, I am not SDP", "must start with v=0"),
        ("\x00\xff" * 100, "must start with v=0"),
        ("v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n", "no video"),
        ("v=0\r\n" + "a=x\r\n" * (MAX_OFFER_BYTES // 5), "larger than"),
    ],
    ids=["empty", "blank", "text", "binary", "no-media", "huge"],
)
def test_garbage_is_refused(sdp, reason):
    with pytest.raises(OfferError, match=reason):
        check_offer(sdp, publish=True)


async def test_a_real_publisher_offer_is_accepted_for_publishing_only():
    sdp = await publisher_offer()
    check_offer(sdp, publish=True)
    with pytest.raises(OfferError, match="recvonly or sendrecv"):
        check_offer(sdp, publish=False)


async def test_an_audio_only_offer_is_refused():
    with pytest.raises(OfferError, match="no video"):
        check_offer(await publisher_offer(video=False), publish=True)


async def test_a_viewer_offer_is_accepted_for_watching():
    watcher = Watcher(audio=True)
    check_offer(await watcher.offer(), publish=False)
    await watcher.close()


async def test_an_offer_without_ice_credentials_is_refused():
    sdp = "\r\n".join(
        line for line in (await publisher_offer()).split("\r\n") if "ice-pwd" not in line
    )
    with pytest.raises(OfferError, match="ICE credentials"):
        check_offer(sdp, publish=True)


async def test_an_offer_with_only_unsupported_codecs_is_refused():
    sdp = (
        (await publisher_offer())
        .replace("VP8/90000", "AV1X/90000")
        .replace("H264/90000", "AV1X/90000")
    )
    with pytest.raises(OfferError, match="no supported video codec"):
        check_offer(sdp, publish=True)
