"""The value types every limiter shares, and the window arithmetic both backends
use, so the memory and the Redis limiter cannot disagree on a header value."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, fields
from typing import Literal, Protocol

MINUTE_SECONDS = 60
DAY_SECONDS = 86_400

#: ``lockout``: an :class:`Allowance`'s window, which opens at its first attempt.
Window = Literal["minute", "day", "lockout"]


@dataclass(frozen=True)
class Limits:
    """A tier's budget: calls per calendar minute and per calendar day (UTC)."""

    per_minute: int
    per_day: int

    def __post_init__(self) -> None:
        # A zero or negative limit is a configuration bug, not a caller's mistake.
        for field in fields(self):
            value = getattr(self, field.name)
            if type(value) is not int or value < 1:
                raise ValueError(f"Limits.{field.name} must be a positive integer, got {value!r}")


@dataclass(frozen=True)
class Allowance:
    """Attempts a key may spend in a window that opens with its first spent
    attempt; once they are spent, every attempt is refused until it closes."""

    attempts: int
    seconds: int

    def __post_init__(self) -> None:
        for field in fields(self):
            value = getattr(self, field.name)
            if type(value) is not int or value < 1:
                raise ValueError(
                    f"Allowance.{field.name} must be a positive integer, got {value!r}"
                )


@dataclass(frozen=True)
class Decision:
    """The outcome of one call, carrying the values for the rate-limit headers."""

    allowed: bool
    limit: int  # X-RateLimit-Limit: the reported window's limit
    remaining: int  # X-RateLimit-Remaining: calls left in that window, never negative
    reset: int  # X-RateLimit-Reset: Unix epoch seconds when that window resets
    retry_after: int  # Retry-After: seconds until a refused call could succeed; 0 when allowed
    window: Window  # the window the headers describe


class RateLimiter(Protocol):
    """Counts calls per key and decides whether one more call is allowed."""

    async def hit(self, key: str, limits: Limits, *, now: float | None = None) -> Decision:
        """Count one call for ``key`` if both windows have budget, and report it."""
        ...

    async def spend(self, key: str, allowance: Allowance, *, now: float | None = None) -> Decision:
        """Count one attempt for ``key`` unless its allowance is spent, and report it."""
        ...

    async def refund(self, key: str) -> None:
        """Take back one attempt :meth:`spend` counted (it turned out not to count)."""
        ...

    async def close(self) -> None:
        """Release what the limiter holds (connections, counters)."""
        ...


@dataclass(frozen=True)
class Clock:
    """The two windows an instant falls in: ``minute`` and ``day`` are indices
    since the Unix epoch, so they are UTC-aligned and comparable across replicas."""

    now: float
    minute: int
    day: int

    @classmethod
    def at(cls, now: float | None) -> Clock:
        now = time.time() if now is None else now
        return cls(now, int(now // MINUTE_SECONDS), int(now // DAY_SECONDS))


def check_key(key: str) -> None:
    """Reject an empty key: it would merge unrelated callers into one budget."""
    if not isinstance(key, str) or not key:
        raise ValueError(f"rate-limit key must be a non-empty string, got {key!r}")


def decide(
    limits: Limits, clock: Clock, *, allowed: bool, minute_count: int, day_count: int
) -> Decision:
    """Build the decision from the window counts.

    The counts include this call when it was allowed, and are the counts it
    was refused on otherwise.
    """
    minute_reset = (clock.minute + 1) * MINUTE_SECONDS
    day_reset = (clock.day + 1) * DAY_SECONDS
    minute_left = max(limits.per_minute - minute_count, 0)
    day_left = max(limits.per_day - day_count, 0)
    if allowed:
        if minute_left <= day_left:
            return Decision(True, limits.per_minute, minute_left, minute_reset, 0, "minute")
        return Decision(True, limits.per_day, day_left, day_reset, 0, "day")
    # The day window never resets before the minute window, so when both are
    # exhausted the day is the one that resets later.
    window: Window
    if day_left == 0:
        window, limit, reset = "day", limits.per_day, day_reset
    else:
        window, limit, reset = "minute", limits.per_minute, minute_reset
    retry_after = max(math.ceil(reset - clock.now), 1)
    return Decision(False, limit, 0, reset, retry_after, window)


def decide_allowance(
    allowance: Allowance, now: float, *, allowed: bool, count: int, closes_at: float
) -> Decision:
    """Build the decision on an allowance from its count (including this
    attempt when it was allowed) and the instant its window closes."""
    reset = math.ceil(closes_at)
    retry_after = 0 if allowed else max(math.ceil(closes_at - now), 1)
    remaining = max(allowance.attempts - count, 0)
    return Decision(allowed, allowance.attempts, remaining, reset, retry_after, "lockout")
