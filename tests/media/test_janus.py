"""Large audiences through Debian's Janus (``netns_janus.py``): a node creates, feeds (SRTP)
and destroys private Streaming mountpoints, and a real Chromium watches a broadcast through
Janus — strangers covered, the enrolled person visible, the end reaching it.

libnice never gathers on loopback interfaces, so the scenario runs in a network namespace of
its own with 127.0.1.1 on a veth link (``../shared/tools/netns-run``, DESIGN §5): no packet
leaves it. Needs root (namespaces), ``make janus`` and ``make chromium``.
"""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCENARIO = Path(__file__).with_name("netns_janus.py")
# loopback up; 127.0.1.1/32 on one end of a veth pair, both ends up
NAMESPACE = (
    "set -e; ip link set lo up; ip link add v0 type veth peer name w0; "
    'ip addr add 127.0.1.1/32 dev v0; ip link set v0 up; ip link set w0 up; exec "$@"'
)

pytestmark = pytest.mark.browser


def test_audiences_watch_through_janus():
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(SCENARIO)]
    result = subprocess.run(
        ["unshare", "-n", "sh", "-c", NAMESPACE, "netns", *command],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stdout[-8000:] + result.stderr[-2000:]
