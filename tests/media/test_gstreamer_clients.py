"""Clients that are not browsers: GStreamer's webrtcbin (RSA DTLS certificate, libnice ICE)
publishes over WHIP and plays over WHEP through the real server.

libnice never gathers on loopback interfaces, so the scenario (``netns_gstreamer.py``: the
server, a webrtcbin publisher and a webrtcbin player) runs in a network namespace of its own
with 127.0.1.1 on a veth link, like ``../shared/tools/netns-run`` (DESIGN §5): no packet
leaves it. Needs root (namespaces) and Debian's GStreamer (``make gstreamer``).
"""

from pathlib import Path

from .server import in_namespace

SCENARIO = Path(__file__).with_name("netns_gstreamer.py")


def test_webrtcbin_publishes_and_plays_through_the_server():
    result = in_namespace(SCENARIO, timeout=150)
    assert result.returncode == 0, result.stdout[-8000:] + result.stderr[-2000:]
