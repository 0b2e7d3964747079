"""Rate limiting with counters in this process: for a single server, and the
default when no Redis URL is configured. Replicas do not share these counters."""

from __future__ import annotations

import time
from dataclasses import dataclass

from ._limits import Allowance, Clock, Decision, Limits, check_key, decide, decide_allowance

#: Seconds between sweeps of allowance windows that have closed.
_SWEEP_SECONDS = 60.0


@dataclass(slots=True)
class _Counters:
    """One key's calls in the minute and the day they were counted in."""

    minute: int
    minute_count: int
    day: int
    day_count: int


@dataclass(slots=True)
class _Spent:
    """Attempts spent from one key's allowance, and when its window closes."""

    count: int
    closes_at: float


class MemoryRateLimiter:
    """Fixed UTC minute and day windows per key, held in a dict.

    ``hit`` never awaits, so check-and-increment is atomic on the event loop.
    Keys whose day has passed are dropped when the day changes, so memory is
    bounded by the keys seen in the current day. Allowances whose window has
    closed are swept every minute, so they hold the keys of about one window.
    """

    def __init__(self) -> None:
        self._counters: dict[str, _Counters] = {}
        self._day: int | None = None
        self._spent: dict[str, _Spent] = {}
        self._next_sweep = 0.0

    def __len__(self) -> int:
        """Number of keys currently holding counters or allowances (for monitoring)."""
        return len(self._counters) + len(self._spent)

    async def hit(self, key: str, limits: Limits, *, now: float | None = None) -> Decision:
        check_key(key)
        clock = Clock.at(now)
        if clock.day != self._day:
            self._prune(clock.day)  # from here on, every held key was counted today
        counters = self._counters.get(key)
        if counters is None:
            counters = self._counters[key] = _Counters(clock.minute, 0, clock.day, 0)
        if counters.minute != clock.minute:
            counters.minute, counters.minute_count = clock.minute, 0
        allowed = counters.minute_count < limits.per_minute and counters.day_count < limits.per_day
        if allowed:
            counters.minute_count += 1
            counters.day_count += 1
        return decide(
            limits,
            clock,
            allowed=allowed,
            minute_count=counters.minute_count,
            day_count=counters.day_count,
        )

    async def spend(self, key: str, allowance: Allowance, *, now: float | None = None) -> Decision:
        check_key(key)
        now = time.time() if now is None else now
        if now >= self._next_sweep:
            self._spent = {k: s for k, s in self._spent.items() if s.closes_at > now}
            self._next_sweep = now + _SWEEP_SECONDS
        spent = self._spent.get(key)
        if spent is None or spent.closes_at <= now:
            spent = self._spent[key] = _Spent(0, now + allowance.seconds)
        allowed = spent.count < allowance.attempts
        if allowed:
            spent.count += 1
        return decide_allowance(
            allowance, now, allowed=allowed, count=spent.count, closes_at=spent.closes_at
        )

    async def refund(self, key: str) -> None:
        spent = self._spent.get(key)
        if spent is not None and spent.count > 0:
            spent.count -= 1

    async def close(self) -> None:
        self._counters.clear()
        self._day = None
        self._spent.clear()

    def _prune(self, day: int) -> None:
        """Drop every key counted in another day: its windows have all expired."""
        self._counters = {k: c for k, c in self._counters.items() if c.day == day}
        self._day = day
