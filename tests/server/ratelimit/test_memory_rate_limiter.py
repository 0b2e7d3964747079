"""The in-process limiter's own behaviour; the window semantics it shares
with the Redis limiter are specified in test_rate_limiter_windows.py."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from neurogate.server.ratelimit import Limits, MemoryRateLimiter

MINUTE_START = datetime(2026, 3, 14, 12, 30, tzinfo=UTC).timestamp()
NEXT_MIDNIGHT = int(datetime(2026, 3, 15, tzinfo=UTC).timestamp())


@pytest.fixture
async def limiter():
    limiter = MemoryRateLimiter()
    yield limiter
    await limiter.close()


async def test_keys_from_past_days_are_pruned(limiter):
    limits = Limits(per_minute=1, per_day=1)
    for i in range(1000):
        await limiter.hit(f"acct-{i}", limits, now=MINUTE_START)

    await limiter.hit("acct-0", limits, now=NEXT_MIDNIGHT)

    assert len(limiter) == 1


async def test_hit_uses_the_system_clock_by_default(limiter):
    before = time.time()

    decision = await limiter.hit("acct", Limits(per_minute=60, per_day=10_000))

    assert decision.allowed
    assert before < decision.reset <= before + 61


@pytest.mark.parametrize(
    ("per_minute", "per_day"), [(0, 10), (10, 0), (-1, 10), (1.5, 10), (True, 10), (10, "10")]
)
def test_limits_must_be_positive_integers(per_minute, per_day):
    with pytest.raises(ValueError, match="must be a positive integer"):
        Limits(per_minute=per_minute, per_day=per_day)
