"""Rate limiting with counters in this process: for a single server, and the
default when no Redis URL is configured. Replicas do not share these counters."""

from __future__ import annotations

from dataclasses import dataclass

from ._limits import Clock, Decision, Limits, check_key, decide


@dataclass(slots=True)
class _Counters:
    """One key's calls in the minute and the day they were counted in."""

    minute: int
    minute_count: int
    day: int
    day_count: int


class MemoryRateLimiter:
    """Fixed UTC minute and day windows per key, held in a dict.

    ``hit`` never awaits, so check-and-increment is atomic on the event loop.
    Keys whose day has passed are dropped when the day changes, so memory is
    bounded by the keys seen in the current day.
    """

    def __init__(self) -> None:
        self._counters: dict[str, _Counters] = {}
        self._day: int | None = None

    def __len__(self) -> int:
        """Number of keys currently holding counters (for monitoring)."""
        return len(self._counters)

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

    async def close(self) -> None:
        self._counters.clear()
        self._day = None

    def _prune(self, day: int) -> None:
        """Drop every key counted in another day: its windows have all expired."""
        self._counters = {k: c for k, c in self._counters.items() if c.day == day}
        self._day = day
