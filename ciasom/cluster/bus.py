"""Control events between processes: Redis pub/sub on one channel.

The web tier publishes, after the commit, what the in-process signals say in the embedded
server (``settings_changed``, ``ended``, by broadcast id); every node hears every event and
acts on the broadcasts it holds, reading the committed rows itself. Pub/sub delivers at
most once, so a subscriber that (re)connects first tells its node to re-read everything it
holds (``on_subscribed``): an event lost while the connection was down is then caught up.
"""

from __future__ import annotations

import functools
import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import redis

logger = logging.getLogger(__name__)

SETTINGS = "settings"  # a broadcast's settings or visible people changed
ENDED = "ended"  # a broadcast was ended or deleted
KINDS = (SETTINGS, ENDED)

RECONNECT_DELAY = 0.5  # seconds between attempts while Redis is unreachable


@dataclass(frozen=True)
class Event:
    kind: str
    broadcast_id: int
    sent: float  # sender's wall clock (time.time()), for the latency the node records


class ControlBus:
    """Publishes and subscribes to the cluster's control channel."""

    def __init__(self, client: redis.Redis, channel: str) -> None:
        self.redis = client
        self.channel = channel

    def publish(self, kind: str, broadcast_id: int) -> None:
        if kind not in KINDS:
            raise ValueError(f"unknown control event {kind!r}")
        message = {"kind": kind, "broadcast": broadcast_id, "sent": time.time()}
        self.redis.publish(self.channel, json.dumps(message))

    def subscribe(
        self, on_event: Callable[[Event], None], on_subscribed: Callable[[], None]
    ) -> Subscription:
        """Deliver events to ``on_event`` on a thread of their own until stopped."""
        subscription = Subscription(self, on_event, on_subscribed)
        subscription.start()
        return subscription


class Subscription(threading.Thread):
    """The listening thread; reconnects until :meth:`stop`."""

    def __init__(
        self,
        bus: ControlBus,
        on_event: Callable[[Event], None],
        on_subscribed: Callable[[], None],
    ) -> None:
        super().__init__(name="ciasom-control-bus", daemon=True)
        self.bus = bus
        self.on_event = on_event
        self.on_subscribed = on_subscribed
        self.subscribed = threading.Event()
        self._stopping = threading.Event()

    def stop(self) -> None:
        self._stopping.set()
        self.join(timeout=5)

    def run(self) -> None:
        while not self._stopping.is_set():
            try:
                self._listen()
            except redis.RedisError as error:
                self.subscribed.clear()
                logger.warning("control bus: %s; reconnecting", error)
                self._stopping.wait(RECONNECT_DELAY)

    def _listen(self) -> None:
        pubsub = self.bus.redis.pubsub(ignore_subscribe_messages=True)
        try:
            pubsub.subscribe(self.bus.channel)
            pubsub.get_message(timeout=1.0)  # the subscription's confirmation
            self.subscribed.set()
            self._call(self.on_subscribed)
            while not self._stopping.is_set():
                message = pubsub.get_message(timeout=0.2)
                if message is not None:
                    event = _parse(message["data"])
                    if event is not None:
                        self._call(functools.partial(self.on_event, event))
        finally:
            pubsub.close()

    @staticmethod
    def _call(callback: Callable[[], None]) -> None:
        try:
            callback()
        except Exception:
            logger.exception("control bus: handling an event failed")


def _parse(data: bytes) -> Event | None:
    try:
        message = json.loads(data)
        event = Event(str(message["kind"]), int(message["broadcast"]), float(message["sent"]))
    except (ValueError, KeyError, TypeError):
        logger.warning("control bus: malformed event %r", data[:200])
        return None
    return event if event.kind in KINDS else None
