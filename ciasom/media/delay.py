"""The delay line: every frame waits the broadcast's privacy delay before it leaves.

Video waits so the privacy engine can analyse the frames after it first (DESIGN.md §1);
audio waits exactly as long, so viewers hear what they see. Each item is due ``delay``
seconds after it arrived, never before the item ahead of it (the delay may change live).
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from typing import Generic, TypeVar

Item = TypeVar("Item")
LATE = 0.1  # s past due: a video frame this late is skipped if a newer one is due


class DelayLine(Generic[Item]):
    """Items in arrival order, each released once due.

    With ``drop_late`` a consumer that fell behind skips to the newest due item (video:
    better a skipped frame than a growing lag); without it every item is released.
    """

    def __init__(self, delay: float, *, drop_late: bool) -> None:
        self.delay = delay
        self.dropped = 0
        self._drop_late = drop_late
        self._items: deque[tuple[float, Item]] = deque()
        self._last_due = 0.0
        self._ready = asyncio.Event()

    def __len__(self) -> int:
        return len(self._items)

    def put(self, item: Item, arrived: float) -> None:
        self._last_due = max(arrived + self.delay, self._last_due)
        self._items.append((self._last_due, item))
        self._ready.set()

    async def get(self) -> Item:
        """The next item, once it is due."""
        while True:
            if not self._items:
                self._ready.clear()
                await self._ready.wait()
                continue
            due, item = self._items[0]
            wait = due - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
                continue
            self._items.popleft()
            if self._drop_late and self._items and self._items[0][0] <= time.monotonic() - LATE:
                self.dropped += 1
                continue
            return item

    def clear(self) -> None:
        self._items.clear()
