"""Large audiences in a cluster (issue 12): the player learns where to watch through Janus
from the web tier, as it does from ``ciasom serve``.

A node configured with a Janus host (Debian's Janus, its HTTP API on loopback: making
mountpoints needs no ICE) puts its broadcast there; an anonymous viewer's status poll,
answered by the web tier behind nginx, lists the place (the public URL and the
mountpoint), and stops listing it once the broadcast has ended.
"""

from __future__ import annotations

import asyncio
import time

from bench.cluster_processes import Cluster, free_port
from bench.janus import ADMIN_KEY, running_janus

from .test_scale_out import go_live, plain_host, status_of

PUBLIC_URL = "https://live.example.org/janus"  # what browsers are told (nginx in front)


async def until_status(base: str, broadcast: dict, wanted, timeout: float = 20.0) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        status = await asyncio.to_thread(status_of, base, broadcast)
        if wanted(status):
            return status
        assert time.monotonic() < deadline, status
        await asyncio.sleep(0.5)


async def test_the_web_tier_tells_players_where_the_broadcast_is_on_janus(tmp_path):
    with running_janus(tmp_path / "janus", free_port()) as janus_url:
        cluster = Cluster(
            tmp_path / "cluster",
            settings={
                "CIASOM_JANUS_URL": janus_url,
                "CIASOM_JANUS_PUBLIC_URL": PUBLIC_URL,
                "CIASOM_JANUS_ADMIN_KEY": ADMIN_KEY,
            },
        )
        (tmp_path / "cluster").mkdir()
        try:
            cluster.start({"node-a": "127.0.0.1"})
            api, me, broadcast = await asyncio.to_thread(
                plain_host, cluster.base, "janus-host", mode="all"
            )
            status, session, _, publisher = await go_live(api, broadcast, me["stream_key"])
            assert status == 201

            live = await until_status(cluster.base, broadcast, lambda s: "janus" in s)
            assert live["live"] is True
            [place] = live["janus"]
            assert place["url"] == PUBLIC_URL and isinstance(place["mountpoint"], int)

            await publisher.close()  # the host stops: the place goes with the broadcast
            ended = await until_status(cluster.base, broadcast, lambda s: not s["live"])
            assert "janus" not in ended
        finally:
            cluster.stop()
            cluster.remove()
