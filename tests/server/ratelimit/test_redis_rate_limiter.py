"""The Redis limiter against a real Redis: the same window semantics as the
memory limiter, plus a budget shared by replicas, atomicity under concurrency,
self-expiring keys and failing closed."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

import pytest
import redis.asyncio as redis

from neurogate.server.errors import Unavailable
from neurogate.server.ratelimit import Decision, Limits, RedisRateLimiter

pytestmark = pytest.mark.redis

REDIS_URL = "redis://127.0.0.1:6379/0"
MINUTE_START = datetime(2026, 3, 14, 12, 30, tzinfo=UTC).timestamp()
MINUTE_INDEX = int(MINUTE_START // 60)
NEXT_MINUTE = MINUTE_START + 60
NEXT_MIDNIGHT = int(datetime(2026, 3, 15, tzinfo=UTC).timestamp())


@pytest.fixture
async def redis_client():
    client = redis.Redis.from_url(REDIS_URL)
    try:
        await client.ping()
    except redis.ConnectionError:
        await client.aclose()
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    yield client
    await client.aclose()


@pytest.fixture
async def prefix(redis_client):
    prefix = f"neurogate-test:ratelimit:{uuid.uuid4().hex}"
    yield prefix
    keys = [key async for key in redis_client.scan_iter(match=f"{prefix}:*")]
    if keys:
        await redis_client.delete(*keys)


@pytest.fixture
async def limiter(prefix):
    limiter = RedisRateLimiter(REDIS_URL, prefix=prefix)
    yield limiter
    await limiter.close()


async def hit_n(limiter: RedisRateLimiter, n: int, limits: Limits, now: float) -> list[Decision]:
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


async def test_two_limiters_on_one_redis_share_one_budget(limiter, prefix):
    replica = RedisRateLimiter(REDIS_URL, prefix=prefix)
    limits = Limits(per_minute=3, per_day=100)
    try:
        await limiter.hit("acct", limits, now=MINUTE_START)
        await replica.hit("acct", limits, now=MINUTE_START)
        await limiter.hit("acct", limits, now=MINUTE_START)

        refused = await replica.hit("acct", limits, now=MINUTE_START)
    finally:
        await replica.close()

    assert not refused.allowed


async def test_concurrent_hits_allow_exactly_the_minute_limit(limiter):
    limits = Limits(per_minute=60, per_day=10_000)

    decisions = await asyncio.gather(
        *(limiter.hit("acct", limits, now=MINUTE_START) for _ in range(100))
    )

    allowed = [d for d in decisions if d.allowed]
    assert len(allowed) == 60
    assert sorted(d.remaining for d in allowed) == list(range(60))


async def test_counters_are_stored_under_documented_keys_that_expire(limiter, prefix, redis_client):
    minute_key = f"{prefix}:acct:m:{MINUTE_INDEX}"
    day_key = f"{prefix}:acct:d:20260314"

    await limiter.hit("acct", Limits(per_minute=60, per_day=10_000), now=MINUTE_START)

    assert await redis_client.get(minute_key) == b"1"
    assert await redis_client.get(day_key) == b"1"
    assert 0 < await redis_client.ttl(minute_key) <= 120
    assert 86_400 < await redis_client.ttl(day_key) <= 2 * 86_400


async def test_redis_error_fails_closed_with_unavailable(limiter, prefix, redis_client):
    await redis_client.rpush(f"{prefix}:acct:m:{MINUTE_INDEX}", "not a counter")

    with pytest.raises(Unavailable) as raised:
        await limiter.hit("acct", Limits(per_minute=60, per_day=10_000), now=MINUTE_START)

    expected = "rate-limit store at redis://127.0.0.1:6379/0 failed: ResponseError"
    assert raised.value.message == expected


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("redis://:s3cret@127.0.0.1:1/0", "redis://:***@127.0.0.1:1/0"),
        ("redis://ops:s3cret@127.0.0.1:1/0", "redis://ops:***@127.0.0.1:1/0"),
        ("redis://127.0.0.1:1/0?password=s3cret", "redis://127.0.0.1:1/0?password=***"),
    ],
)
async def test_unreachable_redis_fails_closed_with_the_password_masked(url, shown):
    limiter = RedisRateLimiter(url)
    try:
        with pytest.raises(Unavailable) as raised:
            await limiter.hit("acct", Limits(per_minute=60, per_day=10_000), now=MINUTE_START)
    finally:
        await limiter.close()

    assert raised.value.message == f"rate-limit store at {shown} is unreachable"
    assert "s3cret" not in str(raised.value)


async def test_empty_key_is_rejected(limiter):
    with pytest.raises(ValueError, match="non-empty"):
        await limiter.hit("", Limits(per_minute=1, per_day=1), now=MINUTE_START)
