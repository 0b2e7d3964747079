"""What every rate limiter does, in memory and in the real Redis alike: fixed
UTC minute and day windows, driven by an injected clock so window boundaries
are crossed without sleeping. The ``limiter`` fixture is each backend in turn
(tests/limiters.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from limiters import BACKENDS, rate_limiter
from neurogate.server.ratelimit import Decision, Limits, RateLimiter

MINUTE_START = datetime(2026, 3, 14, 12, 30, tzinfo=UTC).timestamp()
NEXT_MINUTE = MINUTE_START + 60
NEXT_MIDNIGHT = int(datetime(2026, 3, 15, tzinfo=UTC).timestamp())


@pytest.fixture(params=BACKENDS)
async def limiter(request: pytest.FixtureRequest) -> AsyncIterator[RateLimiter]:
    async with rate_limiter(request.param) as backend:
        yield backend


async def hit_n(limiter: RateLimiter, n: int, limits: Limits, now: float) -> list[Decision]:
    return [await limiter.hit("acct", limits, now=now) for _ in range(n)]


async def test_allows_calls_up_to_the_minute_limit_then_refuses(limiter):
    limits = Limits(per_minute=3, per_day=100)

    allowed = await hit_n(limiter, 3, limits, MINUTE_START + 10)
    refused = await limiter.hit("acct", limits, now=MINUTE_START + 10)

    assert [d.allowed for d in allowed] == [True, True, True]
    assert [d.remaining for d in allowed] == [2, 1, 0]
    assert allowed[0] == Decision(
        allowed=True, limit=3, remaining=2, reset=int(NEXT_MINUTE), retry_after=0, window="minute"
    )
    assert refused == Decision(
        allowed=False, limit=3, remaining=0, reset=int(NEXT_MINUTE), retry_after=50, window="minute"
    )


@pytest.mark.parametrize(("offset", "retry_after"), [(0.0, 60), (10.2, 50), (59.5, 1), (59.999, 1)])
async def test_retry_after_is_whole_seconds_until_the_window_resets(limiter, offset, retry_after):
    limits = Limits(per_minute=1, per_day=100)
    await limiter.hit("acct", limits, now=MINUTE_START + offset)

    refused = await limiter.hit("acct", limits, now=MINUTE_START + offset)

    assert refused.retry_after == retry_after


async def test_new_minute_restores_the_minute_budget(limiter):
    limits = Limits(per_minute=2, per_day=100)
    await hit_n(limiter, 3, limits, MINUTE_START + 59)

    decision = await limiter.hit("acct", limits, now=NEXT_MINUTE)

    assert decision.allowed
    assert decision.remaining == 1
    assert decision.reset == int(NEXT_MINUTE + 60)


async def test_day_limit_binds_across_minutes(limiter):
    limits = Limits(per_minute=5, per_day=8)
    await hit_n(limiter, 5, limits, MINUTE_START)
    await hit_n(limiter, 3, limits, NEXT_MINUTE)

    refused = await limiter.hit("acct", limits, now=NEXT_MINUTE + 30)

    assert refused == Decision(
        allowed=False,
        limit=8,
        remaining=0,
        reset=NEXT_MIDNIGHT,
        retry_after=NEXT_MIDNIGHT - int(NEXT_MINUTE + 30),
        window="day",
    )


async def test_new_day_restores_the_day_budget(limiter):
    limits = Limits(per_minute=5, per_day=2)
    await hit_n(limiter, 3, limits, NEXT_MIDNIGHT - 1)

    decision = await limiter.hit("acct", limits, now=NEXT_MIDNIGHT)

    assert decision.allowed
    assert decision.remaining == 1
    assert decision.reset == NEXT_MIDNIGHT + 86_400


async def test_refused_call_does_not_consume_daily_budget(limiter):
    limits = Limits(per_minute=2, per_day=3)
    await hit_n(limiter, 2, limits, MINUTE_START)
    await hit_n(limiter, 20, limits, MINUTE_START + 1)  # all refused by the minute limit

    decision = await limiter.hit("acct", limits, now=NEXT_MINUTE)

    assert decision.allowed
    assert decision.window == "day"
    assert decision.remaining == 0


async def test_refused_call_does_not_consume_minute_budget(limiter):
    limits = Limits(per_minute=3, per_day=1)
    upgraded = Limits(per_minute=3, per_day=10)  # a larger day budget, within the same minute
    await limiter.hit("acct", limits, now=NEXT_MIDNIGHT - 30)
    await hit_n(limiter, 5, limits, NEXT_MIDNIGHT - 30)  # all refused by the day limit

    decision = await limiter.hit("acct", upgraded, now=NEXT_MIDNIGHT - 30)

    assert decision.allowed
    assert decision.window == "minute"
    assert decision.remaining == 1


async def test_allowed_call_reports_the_window_with_fewer_calls_remaining(limiter):
    limits = Limits(per_minute=5, per_day=7)
    first = await limiter.hit("acct", limits, now=MINUTE_START)
    await hit_n(limiter, 4, limits, MINUTE_START)

    later = await limiter.hit("acct", limits, now=NEXT_MINUTE)

    assert (first.window, first.limit, first.remaining) == ("minute", 5, 4)
    assert (later.window, later.limit, later.remaining) == ("day", 7, 1)
    assert later.reset == NEXT_MIDNIGHT


async def test_allowed_call_reports_the_minute_on_a_tie(limiter):
    decision = await limiter.hit("acct", Limits(per_minute=5, per_day=5), now=MINUTE_START)

    assert (decision.window, decision.remaining) == ("minute", 4)


async def test_refusal_with_both_windows_exhausted_reports_the_day(limiter):
    limits = Limits(per_minute=2, per_day=2)
    await hit_n(limiter, 2, limits, MINUTE_START)

    refused = await limiter.hit("acct", limits, now=MINUTE_START)

    assert (refused.window, refused.limit, refused.reset) == ("day", 2, NEXT_MIDNIGHT)
    assert refused.retry_after == NEXT_MIDNIGHT - int(MINUTE_START)


async def test_keys_are_isolated_from_each_other(limiter):
    limits = Limits(per_minute=1, per_day=100)
    await limiter.hit("alice", limits, now=MINUTE_START)

    bob = await limiter.hit("bob", limits, now=MINUTE_START)
    alice = await limiter.hit("alice", limits, now=MINUTE_START)

    assert bob.allowed
    assert not alice.allowed


async def test_empty_key_is_rejected(limiter):
    with pytest.raises(ValueError, match="non-empty"):
        await limiter.hit("", Limits(per_minute=1, per_day=1), now=MINUTE_START)
