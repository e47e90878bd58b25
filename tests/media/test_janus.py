"""Large audiences through Debian's Janus (``netns_janus.py``): a node creates, feeds (SRTP)
and destroys private Streaming mountpoints, and a real Chromium watches a broadcast through
Janus — strangers covered, the enrolled person visible, the end reaching it.

libnice never gathers on loopback interfaces, so the scenario runs in a network namespace of
its own with 127.0.1.1 on a veth link (``../shared/tools/netns-run``, DESIGN §5): no packet
leaves it. Needs root (namespaces), ``make janus`` and ``make chromium``.
"""

from pathlib import Path

import pytest

from .server import in_namespace

SCENARIO = Path(__file__).with_name("netns_janus.py")

pytestmark = pytest.mark.browser


def test_audiences_watch_through_janus():
    result = in_namespace(SCENARIO, timeout=180)
    assert result.returncode == 0, result.stdout[-8000:] + result.stderr[-2000:]
