"""A broadcast ends when its publisher leaves or it is closed; nothing of it lingers."""

import asyncio

import pytest

from bench.passthrough import Passthrough
from ciasom.media.registry import AlreadyLive, MediaRegistry
from ciasom.media.relay import ViewerLimitReached
from ciasom.media.stream import LiveStream, StreamEnded

from .clients import (
    LOOPBACK,
    PatternTrack,
    Publisher,
    Watcher,
    checkerboard,
    connect_publisher,
    connect_watcher,
)


def image():
    return checkerboard(160, 120)


async def test_the_publisher_leaving_ends_the_broadcast_for_everyone():
    ended = []
    registry = MediaRegistry(LOOPBACK)
    publisher_engine = Passthrough()
    publisher = Publisher(PatternTrack(image()))
    stream, answer = await registry.publish(
        "b", await publisher.offer(), publisher_engine, on_ended=ended.append
    )
    await publisher.answer(answer)
    watcher, _ = await connect_watcher(stream)
    await watcher.frames_after(3)

    await publisher.close()
    await asyncio.wait_for(stream.ended.wait(), 10)
    await asyncio.wait_for(watcher.ended.wait(), 10)  # the viewer's track ends
    await asyncio.sleep(0.1)
    assert ended == [stream]
    assert registry.get("b") is None and len(registry) == 0
    assert stream.viewers == {}
    assert publisher_engine.closed
    await watcher.close()


async def test_closing_ends_the_broadcast_and_refuses_new_viewers():
    stream = LiveStream("b", Passthrough(), LOOPBACK)
    publisher = await connect_publisher(stream, PatternTrack(image()))
    watcher, _ = await connect_watcher(stream)
    await watcher.frames_after(3)
    tasks_before = len(asyncio.all_tasks())

    await stream.close()
    await asyncio.wait_for(watcher.ended.wait(), 10)
    assert stream.viewers == {}
    assert len(asyncio.all_tasks()) < tasks_before
    late = Watcher()
    with pytest.raises(StreamEnded):
        await stream.watch(await late.offer())
    await late.close()
    await watcher.close()
    await publisher.close()


async def test_a_second_publisher_is_refused_while_live():
    registry = MediaRegistry(LOOPBACK)
    first = Publisher(PatternTrack(image()))
    stream, answer = await registry.publish("b", await first.offer(), Passthrough())
    second = Publisher(PatternTrack(image()))
    second_engine = Passthrough()
    with pytest.raises(AlreadyLive):
        await registry.publish("b", await second.offer(), second_engine)
    assert second_engine.closed
    await second.close()
    await first.close()
    await registry.close()
    assert len(registry) == 0


async def test_the_viewer_cap_is_enforced():
    stream = LiveStream("b", Passthrough(), LOOPBACK, max_viewers=1)
    publisher = await connect_publisher(stream, PatternTrack(image()))
    watcher, _ = await connect_watcher(stream)
    await watcher.frames_after(1)  # connected: only connected viewers fill the cap
    extra = Watcher()
    with pytest.raises(ViewerLimitReached):
        await stream.watch(await extra.offer())
    await extra.close()
    await watcher.close()
    await publisher.close()
    await stream.close()
