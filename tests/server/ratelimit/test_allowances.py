"""Allowances (``spend``/``refund``), in memory and in the real Redis alike: a
key may spend a number of attempts in a window that opens with its first one;
once they are spent every attempt is refused, without counting, until the
window closes. A refunded attempt does not count. What brute-force throttling
of sign-ins is built on (:mod:`neurogate.server.auth.throttle`)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest

from limiters import BACKENDS, rate_limiter
from neurogate.server.ratelimit import Allowance, Decision, Limits, MemoryRateLimiter, RateLimiter

#: An injected clock; Redis times a window by its own clock regardless, so
#: tests that depend on when a window closes use the real clock.
T0 = 1_773_491_400.0  # 2026-03-14 12:30 UTC


@pytest.fixture(params=BACKENDS)
async def limiter(request: pytest.FixtureRequest) -> AsyncIterator[RateLimiter]:
    async with rate_limiter(request.param) as backend:
        yield backend


async def test_attempts_are_allowed_up_to_the_allowance_then_refused(limiter):
    allowance = Allowance(attempts=3, seconds=60)

    started = time.time()

    allowed = [await limiter.spend("name", allowance) for _ in range(3)]
    refused = await limiter.spend("name", allowance)

    assert [d.remaining for d in allowed] == [2, 1, 0]
    assert all(d.allowed and d.retry_after == 0 and d.window == "lockout" for d in allowed)
    assert refused.allowed is False
    assert (refused.limit, refused.remaining, refused.window) == (3, 0, "lockout")
    assert 1 <= refused.retry_after <= 60
    assert started + 59 <= refused.reset <= time.time() + 61


async def test_refused_attempts_do_not_count_and_the_window_does_not_move(limiter):
    allowance = Allowance(attempts=1, seconds=60)
    first = await limiter.spend("name", allowance, now=T0)

    refusals = [await limiter.spend("name", allowance, now=T0 + 1) for _ in range(20)]

    assert {d.allowed for d in refusals} == {False}
    assert {abs(d.reset - first.reset) <= 1 for d in refusals} == {True}


async def test_keys_have_separate_allowances(limiter):
    allowance = Allowance(attempts=1, seconds=60)
    await limiter.spend("alice", allowance, now=T0)

    assert (await limiter.spend("bob", allowance, now=T0)).allowed
    assert not (await limiter.spend("alice", allowance, now=T0)).allowed


async def test_a_refunded_attempt_does_not_count(limiter):
    allowance = Allowance(attempts=2, seconds=60)
    await limiter.spend("name", allowance, now=T0)
    await limiter.spend("name", allowance, now=T0)
    await limiter.refund("name")

    assert (await limiter.spend("name", allowance, now=T0)).allowed
    assert not (await limiter.spend("name", allowance, now=T0)).allowed


async def test_refunding_a_key_with_nothing_spent_changes_nothing(limiter):
    allowance = Allowance(attempts=1, seconds=60)
    await limiter.refund("name")

    assert (await limiter.spend("name", allowance, now=T0)).allowed
    assert not (await limiter.spend("name", allowance, now=T0)).allowed


async def test_allowances_and_call_budgets_of_one_key_are_separate(limiter):
    allowance = Allowance(attempts=1, seconds=60)
    await limiter.spend("acct", allowance, now=T0)

    assert (await limiter.hit("acct", Limits(per_minute=1, per_day=1), now=T0)).allowed


async def test_concurrent_attempts_spend_exactly_the_allowance(limiter):
    allowance = Allowance(attempts=5, seconds=60)

    decisions = await asyncio.gather(*(limiter.spend("name", allowance, now=T0) for _ in range(50)))

    assert sum(d.allowed for d in decisions) == 5


async def test_the_allowance_is_whole_again_when_its_window_closes(limiter):
    """Redis expires the window on its own clock: one real second here."""
    allowance = Allowance(attempts=1, seconds=1)
    await limiter.spend("name", allowance)
    assert not (await limiter.spend("name", allowance)).allowed

    await asyncio.sleep(1.3)

    assert (await limiter.spend("name", allowance)).allowed


async def test_memory_limiter_sweeps_closed_windows():
    limiter = MemoryRateLimiter()
    allowance = Allowance(attempts=1, seconds=60)
    for n in range(100):
        await limiter.spend(f"name-{n}", allowance, now=T0)

    decision = await limiter.spend("late", allowance, now=T0 + 3600)

    assert decision == Decision(True, 1, 0, int(T0 + 3660), 0, "lockout")
    assert len(limiter) == 1


@pytest.mark.parametrize(("attempts", "seconds"), [(0, 60), (3, 0), (-1, 60), (2.5, 60)])
def test_an_allowance_must_be_positive_integers(attempts, seconds):
    with pytest.raises(ValueError, match="positive integer"):
        Allowance(attempts=attempts, seconds=seconds)


async def test_an_empty_key_is_a_programming_error(limiter):
    with pytest.raises(ValueError, match="non-empty"):
        await limiter.spend("", Allowance(attempts=1, seconds=60), now=T0)
