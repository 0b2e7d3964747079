"""Fan-out of one device's live blocks to any number of subscribers.

Acquisition publishes each block once; every subscription has its own
bounded buffer, so a slow subscriber never blocks acquisition or the other
subscribers. The policy, per subscription:

- The buffer holds at most ``buffer_seconds`` of samples (5 s by default,
  and never more than 500,000 samples). When a new block does not fit, the
  oldest buffered blocks are dropped: a live view wants the newest data. The
  subscriber sees the loss as a jump in ``first_sample_index``, a gap in its
  packets' ``sequence`` and a growing ``dropped_samples``.
- A subscription that keeps dropping for ``give_up_seconds`` (10 s) is ended
  with reason ``slow_consumer`` (RESOURCE_EXHAUSTED).

Everything runs on the event loop thread, so no locking is needed.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

BUFFER_SECONDS = 5.0
MAX_BUFFERED_SAMPLES = 500_000
GIVE_UP_SECONDS = 10.0


@dataclass(frozen=True)
class BacklogPolicy:
    """How far a subscriber may fall behind (NEUROGATE_STREAM_BUFFER_SECONDS,
    NEUROGATE_STREAM_GIVE_UP_SECONDS)."""

    buffer_seconds: float = BUFFER_SECONDS
    give_up_seconds: float = GIVE_UP_SECONDS


DEFAULT_BACKLOG = BacklogPolicy()


@dataclass(frozen=True)
class StreamEvent:
    """A marker or other event at a sample of the stream."""

    sample_index: int
    timestamp: float
    type: str
    metadata: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Block:
    """Consecutive samples of a device stream, after its filter chain."""

    #: Index of the first sample since the stream started.
    first_sample_index: int
    #: (n,) board timestamps, Unix seconds.
    timestamps: np.ndarray
    #: (n, channels) float64, the stream's channels in order.
    samples: np.ndarray
    events: tuple[StreamEvent, ...] = ()

    @property
    def size(self) -> int:
        return len(self.timestamps)

    @property
    def end_index(self) -> int:
        return self.first_sample_index + self.size


@dataclass(frozen=True)
class StreamEnd:
    """Why a stream ended: sent in-band as its last packet."""

    reason: str
    code: str = "OK"
    message: str = ""


class Subscription:
    def __init__(
        self,
        hub: Hub,
        capacity: int,
        give_up_seconds: float,
        clock: Callable[[], float],
    ) -> None:
        self._hub = hub
        self._capacity = capacity
        self._give_up_seconds = give_up_seconds
        self._clock = clock
        self._blocks: deque[Block] = deque()
        self._buffered = 0
        self._ready = asyncio.Event()
        self._dropping_since: float | None = None
        self.dropped_samples = 0
        self.ended: StreamEnd | None = None

    def _offer(self, block: Block) -> None:
        if self.ended is not None:
            return
        while self._blocks and self._buffered + block.size > self._capacity:
            dropped = self._blocks.popleft()
            self._buffered -= dropped.size
            self.dropped_samples += dropped.size
            self._dropping_since = self._dropping_since or self._clock()
        if self._dropping_since is not None:
            if self._buffered < self._capacity // 2:
                self._dropping_since = None
            elif self._clock() - self._dropping_since > self._give_up_seconds:
                self._end(
                    StreamEnd(
                        "slow_consumer",
                        "RESOURCE_EXHAUSTED",
                        f"the subscriber fell behind for over {self._give_up_seconds:g} s "
                        f"and lost {self.dropped_samples} samples",
                    )
                )
                return
        self._blocks.append(block)
        self._buffered += block.size
        self._ready.set()

    def _end(self, end: StreamEnd) -> None:
        if self.ended is None:
            self.ended = end
            self._ready.set()
            self._hub._forget(self)

    async def get(self, timeout: float | None = None) -> Block | None:
        """The next block; None when ``timeout`` passes or the stream ended and
        everything buffered was taken (see :attr:`ended`)."""
        while not self._blocks:
            if self.ended is not None:
                return None
            self._ready.clear()
            try:
                await asyncio.wait_for(self._ready.wait(), timeout)
            except TimeoutError:
                return None
        block = self._blocks.popleft()
        self._buffered -= block.size
        return block

    def close(self) -> None:
        """Unsubscribes (the subscriber went away)."""
        self._end(StreamEnd("closed"))


class Hub:
    def __init__(
        self,
        sample_rate: float,
        policy: BacklogPolicy = DEFAULT_BACKLOG,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.sample_rate = sample_rate
        self._capacity = max(1, min(int(sample_rate * policy.buffer_seconds), MAX_BUFFERED_SAMPLES))
        self._give_up_seconds = policy.give_up_seconds
        self._clock = clock
        self._subscriptions: set[Subscription] = set()
        #: Samples lost by subscriptions that have ended.
        self._dropped_by_past = 0

    def subscribe(self) -> Subscription:
        subscription = Subscription(self, self._capacity, self._give_up_seconds, self._clock)
        self._subscriptions.add(subscription)
        return subscription

    def publish(self, block: Block) -> None:
        for subscription in list(self._subscriptions):
            subscription._offer(block)

    def end(self, end: StreamEnd) -> None:
        """Ends every subscription (each still receives what it buffered)."""
        for subscription in list(self._subscriptions):
            subscription._end(end)

    def _forget(self, subscription: Subscription) -> None:
        if subscription in self._subscriptions:
            self._subscriptions.discard(subscription)
            self._dropped_by_past += subscription.dropped_samples

    @property
    def subscribers(self) -> int:
        return len(self._subscriptions)

    @property
    def dropped_samples(self) -> int:
        return self._dropped_by_past + sum(s.dropped_samples for s in self._subscriptions)
