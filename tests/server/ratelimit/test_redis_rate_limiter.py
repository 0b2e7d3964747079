"""The Redis limiter's own behaviour against a real Redis: a budget shared by
replicas, atomicity under concurrency, self-expiring keys and failing closed.
The window semantics it shares with the memory limiter are specified in
test_rate_limiter_windows.py."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

import pytest

from conftest import redis_client as connect_redis
from neurogate.server.errors import Unavailable
from neurogate.server.ratelimit import Allowance, Limits, RedisRateLimiter

pytestmark = pytest.mark.redis

REDIS_URL = "redis://127.0.0.1:6379/0"
MINUTE_START = datetime(2026, 3, 14, 12, 30, tzinfo=UTC).timestamp()
MINUTE_INDEX = int(MINUTE_START // 60)


@pytest.fixture
async def redis_client():
    client = await connect_redis(REDIS_URL)
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


async def test_two_limiters_on_one_redis_share_one_allowance(limiter, prefix):
    replica = RedisRateLimiter(REDIS_URL, prefix=prefix)
    allowance = Allowance(attempts=2, seconds=60)
    try:
        await limiter.spend("name", allowance)
        await replica.spend("name", allowance)

        refused = await limiter.spend("name", allowance)
    finally:
        await replica.close()

    assert not refused.allowed


async def test_an_allowance_is_stored_under_a_documented_key_that_expires_with_its_window(
    limiter, prefix, redis_client
):
    await limiter.spend("name", Allowance(attempts=5, seconds=300))

    assert await redis_client.get(f"{prefix}:name:a") == b"1"
    assert 290_000 < await redis_client.pttl(f"{prefix}:name:a") <= 300_000
