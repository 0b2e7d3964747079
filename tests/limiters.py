"""Each rate-limiter backend, for tests that specify what every limiter does:
in memory, and in the real Redis on 127.0.0.1:6379 under a prefix of its own
(skipped, saying why, when Redis does not answer). A test module makes its
``limiter`` fixture from :func:`rate_limiter` and :data:`BACKENDS`."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from conftest import redis_client
from neurogate.server.ratelimit import MemoryRateLimiter, RateLimiter, RedisRateLimiter

REDIS_URL = "redis://127.0.0.1:6379/0"
BACKENDS = ["memory", "redis"]


@asynccontextmanager
async def _redis_limiter() -> AsyncIterator[RateLimiter]:
    client = await redis_client(REDIS_URL)
    prefix = f"neurogate-test:ratelimit:{uuid.uuid4().hex}"
    limiter = RedisRateLimiter(REDIS_URL, prefix=prefix)
    try:
        yield limiter
    finally:
        await limiter.close()
        keys = [key async for key in client.scan_iter(match=f"{prefix}:*")]
        if keys:
            await client.delete(*keys)
        await client.aclose()


@asynccontextmanager
async def rate_limiter(backend: str) -> AsyncIterator[RateLimiter]:
    """A fresh limiter of ``backend`` (one of :data:`BACKENDS`), closed after use."""
    if backend == "redis":
        async with _redis_limiter() as limiter:
            yield limiter
        return
    memory = MemoryRateLimiter()
    try:
        yield memory
    finally:
        await memory.close()
