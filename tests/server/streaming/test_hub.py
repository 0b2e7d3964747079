"""The hub's fan-out and backlog policy, with a hand-driven clock."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest

from neurogate.server.streaming.hub import BacklogPolicy, Block, Hub, StreamEnd


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def block(first: int, size: int = 10, channels: int = 2) -> Block:
    timestamps = 1.0 + np.arange(first, first + size) / 250
    samples = np.arange(first * channels, (first + size) * channels, dtype=float)
    return Block(first, timestamps, samples.reshape(size, channels))


async def test_every_subscriber_gets_every_block_in_order():
    hub = Hub(250)
    first, second = hub.subscribe(), hub.subscribe()
    for index in range(0, 50, 10):
        hub.publish(block(index))
    for subscription in (first, second):
        received = [(await subscription.get(0)).first_sample_index for _ in range(5)]
        assert received == [0, 10, 20, 30, 40]
        assert subscription.dropped_samples == 0


async def test_a_slow_subscriber_loses_its_oldest_blocks_and_no_one_else_does():
    hub = Hub(100, BacklogPolicy(buffer_seconds=0.5, give_up_seconds=10))  # 50 samples
    slow, fast = hub.subscribe(), hub.subscribe()
    fast_seen = []
    for index in range(0, 100, 10):
        hub.publish(block(index))
        fast_seen.append((await fast.get(0)).first_sample_index)
    assert fast_seen == list(range(0, 100, 10))
    assert fast.dropped_samples == 0
    kept = [(await slow.get(0)).first_sample_index for _ in range(5)]
    assert kept == [50, 60, 70, 80, 90]
    assert slow.dropped_samples == 50
    assert hub.dropped_samples == 50


async def test_a_subscriber_that_stays_behind_is_ended_as_a_slow_consumer():
    clock = Clock()
    hub = Hub(100, BacklogPolicy(buffer_seconds=0.5, give_up_seconds=3), clock=clock)
    slow = hub.subscribe()
    for index in range(0, 200, 10):
        hub.publish(block(index))
        clock.now += 0.25
    assert slow.ended is not None
    assert (slow.ended.reason, slow.ended.code) == ("slow_consumer", "RESOURCE_EXHAUSTED")
    assert hub.subscribers == 0


async def test_a_subscriber_that_catches_up_is_not_ended():
    clock = Clock()
    hub = Hub(100, BacklogPolicy(buffer_seconds=0.5, give_up_seconds=3), clock=clock)
    subscription = hub.subscribe()
    for index in range(0, 80, 10):  # falls behind: drops begin
        hub.publish(block(index))
    while await subscription.get(0):
        pass
    for index in range(80, 400, 10):  # keeps up from now on
        clock.now += 0.25
        hub.publish(block(index))
        await subscription.get(0)
    assert subscription.ended is None


async def test_ending_the_hub_delivers_what_was_buffered_then_reports_the_end():
    hub = Hub(250)
    subscription = hub.subscribe()
    hub.publish(block(0))
    hub.end(StreamEnd("stopped", "OK", "the stream was stopped"))
    assert (await subscription.get(0)).first_sample_index == 0
    assert await subscription.get(0) is None
    assert subscription.ended == StreamEnd("stopped", "OK", "the stream was stopped")


async def test_get_waits_for_the_next_block():
    hub = Hub(250)
    subscription = hub.subscribe()
    waiting = asyncio.ensure_future(subscription.get(5))
    await asyncio.sleep(0)
    hub.publish(block(0))
    assert (await waiting).first_sample_index == 0


async def test_get_times_out_with_none():
    subscription = Hub(250).subscribe()
    assert await subscription.get(0.01) is None
    assert subscription.ended is None


@pytest.mark.parametrize("closer", ["close", "end"])
async def test_a_closed_subscription_gets_no_more_blocks(closer: str):
    hub = Hub(250)
    subscription = hub.subscribe()
    if closer == "close":
        subscription.close()
    else:
        hub.end(StreamEnd("device_lost", "UNAVAILABLE"))
    hub.publish(block(0))
    assert await subscription.get(0) is None
    assert hub.subscribers == 0
