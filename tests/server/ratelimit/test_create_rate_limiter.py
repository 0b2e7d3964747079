"""Choosing the backend from the settings, and the package's public surface."""

from __future__ import annotations

from neurogate.server import ratelimit
from neurogate.server.ratelimit import MemoryRateLimiter, RedisRateLimiter, create_rate_limiter


async def test_no_redis_url_gives_a_per_process_limiter():
    limiter = create_rate_limiter(None)

    assert isinstance(limiter, MemoryRateLimiter)
    await limiter.close()


async def test_redis_url_gives_a_shared_limiter_without_connecting_yet():
    limiter = create_rate_limiter("redis://127.0.0.1:1/0")

    assert isinstance(limiter, RedisRateLimiter)
    await limiter.close()


def test_public_api_is_exactly_the_documented_names():
    assert sorted(ratelimit.__all__) == [
        "Allowance",
        "Decision",
        "Limits",
        "MemoryRateLimiter",
        "RateLimiter",
        "RedisRateLimiter",
        "create_rate_limiter",
    ]
    assert all(hasattr(ratelimit, name) for name in ratelimit.__all__)
