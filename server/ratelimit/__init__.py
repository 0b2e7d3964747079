"""Per-key rate limiting for the tier budgets (docs/rest.md).

Semantics:

- Each key (an account) has two fixed windows aligned to UTC: the calendar
  minute and the calendar day. A call is allowed only if both windows have
  budget left. An allowed call counts in both windows; a refused call counts in
  neither, so retrying after a 429 does not eat the rest of the day's budget.
- Each :class:`Decision` carries the values of the ``X-RateLimit-Limit``,
  ``X-RateLimit-Remaining`` and ``X-RateLimit-Reset`` headers for one window.
  On an allowed call that is the window with fewer calls remaining after this
  call (the minute on a tie). On a refused call it is the exhausted window (the
  day if both are exhausted, since it resets later), ``remaining`` is 0 and
  ``retry_after`` (the ``Retry-After`` header) is the whole seconds until that
  window resets, at least 1. ``reset`` is the window's end in Unix epoch
  seconds. ``remaining`` is never negative.
- ``hit(..., now=...)`` takes the current time in epoch seconds, so tests can
  cross window boundaries without sleeping; it defaults to the system clock.
- Backends: :class:`MemoryRateLimiter` counts in this process (one server;
  memory is bounded by the keys seen in the current day).
  :class:`RedisRateLimiter` counts in Redis with one atomic Lua script, so all
  replicas pointing at the same Redis share one budget per key; its counters
  expire by themselves (minute keys after 2 minutes, day keys after 2 days).
  Windows follow each server's clock, so replicas should keep clocks in sync.
- Fail closed: if Redis is unreachable or returns an error, ``hit`` raises
  :class:`~neurogate.server.errors.Unavailable` (503) rather than letting calls
  through unmetered. The message names the Redis URL with its password masked.
- Allowances (``spend``/``refund``), for attempts rather than calls: a key
  may spend :class:`Allowance` ``attempts`` in a window of ``seconds`` that
  opens with its first spent attempt; once they are spent, every attempt is
  refused, and not counted, until the window closes (the ``lockout`` window of
  the decision). ``refund`` takes back an attempt that turned out not to
  count. In Redis, one atomic script per step under ``{prefix}:{key}:a``,
  which expires with its window, timed by Redis's clock; in memory, closed
  windows are swept every minute. Throttling of failed sign-ins
  (:mod:`neurogate.server.auth.throttle`) is built on this.
- Limits must be positive integers and keys non-empty strings; anything else
  is a programming error and raises :class:`ValueError`.
"""

from __future__ import annotations

from ._limits import Allowance, Decision, Limits, RateLimiter
from ._memory import MemoryRateLimiter
from ._redis import RedisRateLimiter

__all__ = [
    "Allowance",
    "Decision",
    "Limits",
    "MemoryRateLimiter",
    "RateLimiter",
    "RedisRateLimiter",
    "create_rate_limiter",
]


def create_rate_limiter(redis_url: str | None) -> RateLimiter:
    """The limiter the settings ask for: shared counters in Redis when a URL is
    configured (``NEUROGATE_REDIS_URL``), per-process counters otherwise."""
    if redis_url is None:
        return MemoryRateLimiter()
    return RedisRateLimiter(redis_url)
