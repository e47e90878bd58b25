"""Clients that are not browsers: GStreamer's webrtcbin (RSA DTLS certificate, libnice ICE)
publishes over WHIP and plays over WHEP through the real server.

libnice never gathers on loopback interfaces, so the scenario (``netns_gstreamer.py``: the
server, a webrtcbin publisher and a webrtcbin player) runs in a network namespace of its own
with 127.0.1.1 on a veth link, like ``../shared/tools/netns-run`` (DESIGN §5): no packet
leaves it. Needs root (namespaces) and Debian's GStreamer (``make gstreamer``).
"""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCENARIO = Path(__file__).with_name("netns_gstreamer.py")
# loopback up; 127.0.1.1/32 on one end of a veth pair, both ends up
NAMESPACE = (
    "set -e; ip link set lo up; ip link add v0 type veth peer name w0; "
    'ip addr add 127.0.1.1/32 dev v0; ip link set v0 up; ip link set w0 up; exec "$@"'
)


def test_webrtcbin_publishes_and_plays_through_the_server():
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(SCENARIO)]
    result = subprocess.run(
        ["unshare", "-n", "sh", "-c", NAMESPACE, "netns", *command],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=150,
    )
    assert result.returncode == 0, result.stdout[-8000:] + result.stderr[-2000:]
