"""Rate limiting with counters in Redis, so every server replica pointing at the
same Redis draws on one budget per key."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import redis.asyncio as redis
from redis.commands.core import AsyncScript

from ..errors import Unavailable
from ._limits import (
    DAY_SECONDS,
    MINUTE_SECONDS,
    Allowance,
    Clock,
    Decision,
    Limits,
    check_key,
    decide,
    decide_allowance,
)

# Counters outlive their window a little, then Redis drops them by itself.
_MINUTE_KEY_TTL = 2 * MINUTE_SECONDS
_DAY_KEY_TTL = 2 * DAY_SECONDS

# A limiter that hangs would hang every call; a URL query may override these.
_SOCKET_TIMEOUT = 1.0

# Check both windows and count in both, or in neither, in one atomic step:
# replicas racing on the same key can never overspend the budget together.
_HIT_SCRIPT = """
local minute = tonumber(redis.call('GET', KEYS[1]) or '0')
local day = tonumber(redis.call('GET', KEYS[2]) or '0')
if minute >= tonumber(ARGV[1]) or day >= tonumber(ARGV[2]) then
    return {0, minute, day}
end
minute = redis.call('INCR', KEYS[1])
if minute == 1 then redis.call('EXPIRE', KEYS[1], ARGV[3]) end
day = redis.call('INCR', KEYS[2])
if day == 1 then redis.call('EXPIRE', KEYS[2], ARGV[4]) end
return {1, minute, day}
"""

# Spend one attempt of an allowance unless it is used up, atomically; the
# window opens (the key's expiry is set) with the first attempt.
_SPEND_SCRIPT = """
local count = tonumber(redis.call('GET', KEYS[1]) or '0')
local allowed = count < tonumber(ARGV[1])
if allowed then count = redis.call('INCR', KEYS[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
    redis.call('PEXPIRE', KEYS[1], ARGV[2])
    ttl = tonumber(ARGV[2])
end
return {allowed and 1 or 0, count, ttl}
"""

# Take one attempt back; a key whose window has closed is left alone.
_REFUND_SCRIPT = """
if tonumber(redis.call('GET', KEYS[1]) or '0') > 0 then redis.call('DECR', KEYS[1]) end
return 0
"""


class RedisRateLimiter:
    """Fixed UTC minute and day windows per key, counted in Redis.

    Keys are ``{prefix}:{key}:m:{minute_index}`` and ``{prefix}:{key}:d:{YYYYMMDD}``,
    and ``{prefix}:{key}:a`` for an allowance, and expire on their own. Windows
    follow this server's clock, so replicas should keep their clocks
    synchronised. When Redis is unreachable or fails, every method raises
    :class:`~neurogate.server.errors.Unavailable` (fail closed).
    """

    def __init__(self, url: str, *, prefix: str = "neurogate:ratelimit") -> None:
        self._display_url = _mask_password(url)
        self._prefix = prefix
        # Connects lazily, on the first command.
        self._redis = redis.Redis.from_url(
            url, socket_timeout=_SOCKET_TIMEOUT, socket_connect_timeout=_SOCKET_TIMEOUT
        )
        self._script = self._redis.register_script(_HIT_SCRIPT)
        self._spend_script = self._redis.register_script(_SPEND_SCRIPT)
        self._refund_script = self._redis.register_script(_REFUND_SCRIPT)

    async def _run(self, script: AsyncScript, keys: list[str], args: list[int]) -> Any:
        try:
            return await script(keys=keys, args=args)
        except (redis.ConnectionError, redis.TimeoutError) as exc:
            raise Unavailable(f"rate-limit store at {self._display_url} is unreachable") from exc
        except redis.RedisError as exc:
            raise Unavailable(
                f"rate-limit store at {self._display_url} failed: {type(exc).__name__}"
            ) from exc

    async def hit(self, key: str, limits: Limits, *, now: float | None = None) -> Decision:
        check_key(key)
        clock = Clock.at(now)
        date = datetime.fromtimestamp(clock.now, UTC).strftime("%Y%m%d")
        keys = [f"{self._prefix}:{key}:m:{clock.minute}", f"{self._prefix}:{key}:d:{date}"]
        args = [limits.per_minute, limits.per_day, _MINUTE_KEY_TTL, _DAY_KEY_TTL]
        allowed, minute_count, day_count = await self._run(self._script, keys, args)
        return decide(
            limits,
            clock,
            allowed=bool(allowed),
            minute_count=minute_count,
            day_count=day_count,
        )

    async def spend(self, key: str, allowance: Allowance, *, now: float | None = None) -> Decision:
        """Redis's clock times the window (the key's expiry); ``now`` only
        places the reported reset."""
        check_key(key)
        now = time.time() if now is None else now
        args = [allowance.attempts, allowance.seconds * 1000]
        allowed, count, ttl_ms = await self._run(
            self._spend_script, [f"{self._prefix}:{key}:a"], args
        )
        return decide_allowance(
            allowance, now, allowed=bool(allowed), count=count, closes_at=now + ttl_ms / 1000
        )

    async def refund(self, key: str) -> None:
        check_key(key)
        await self._run(self._refund_script, [f"{self._prefix}:{key}:a"], [])

    async def close(self) -> None:
        await self._redis.aclose()


def _mask_password(url: str) -> str:
    """The URL with any password, in the userinfo or the query, replaced by ``***``."""
    parts = urlsplit(url)
    if parts.password is not None:
        userinfo, _, host = parts.netloc.rpartition("@")
        parts = parts._replace(netloc=f"{userinfo.partition(':')[0]}:***@{host}")
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    query = urlencode([(k, "***" if k == "password" else v) for k, v in pairs], safe="*")
    return urlunsplit(parts._replace(query=query))
