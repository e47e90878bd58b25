"""Bounded closing: a peer connection whose close never returns must not hold a broadcast.

aiortc's ``RTCPeerConnection.close()`` has been seen to hang (a transport that never
finishes); the broadcast's slot, its engine and its threads would then be held forever.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from typing import Any

logger = logging.getLogger(__name__)

CLOSE_TIMEOUT = 10.0  # seconds a peer connection or media task may take to close


async def within(awaitable: Awaitable[Any], key: str) -> None:
    """Await ``awaitable`` for at most :data:`CLOSE_TIMEOUT` s; log and go on past that."""
    try:
        await asyncio.wait_for(awaitable, CLOSE_TIMEOUT)
    except TimeoutError:
        logger.warning("stream %s: a close took over %.0f s; going on", key, CLOSE_TIMEOUT)
