"""How many broadcasts one media process holds at once, unless told (CIASOM_MAX_STREAMS).

Measured on the 2-core reference machine (DESIGN §5): one 720p30 broadcast with the engine
costs 37–39 ms of server CPU per frame, and three at once dropped every viewer to 7–8 fps.
A process admits only what its cores hold at 30 fps; the next publisher gets 503 at once
instead of degrading every broadcast already live. `make bench-cluster` re-measures it.
"""

from __future__ import annotations

import os

STREAM_CPU_MS_720P30 = 39.0  # server CPU per frame of one 720p30 broadcast, engine on
FRAME_MS = 1000 / 30


def default_capacity(cpus: int | None = None) -> int:
    """Broadcasts this machine's cores carry at 720p30 (at least one)."""
    cores = cpus if cpus is not None else len(os.sched_getaffinity(0))
    return max(1, int(cores * FRAME_MS / STREAM_CPU_MS_720P30))
