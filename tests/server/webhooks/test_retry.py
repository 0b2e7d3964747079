"""The backoff schedule: exponential from the base, capped, jittered into
the upper half, and no retry after the last attempt."""

from __future__ import annotations

import random

import pytest

from neurogate.server.webhooks.retry import RetryPolicy


def test_the_default_schedule_triples_from_ten_seconds():
    policy = RetryPolicy()

    delays = [policy.nominal_delay(n) for n in range(1, policy.max_attempts)]

    assert delays == [10, 30, 90, 270, 810, 2430, 7290]


def test_delays_are_capped():
    policy = RetryPolicy(base_seconds=100, factor=10, cap_seconds=3600)

    assert policy.nominal_delay(5) == 3600


def test_jitter_keeps_each_delay_between_half_and_all_of_the_nominal_one():
    policy = RetryPolicy(base_seconds=2)
    rng = random.Random(7)

    for attempts in range(1, policy.max_attempts):
        nominal = policy.nominal_delay(attempts)
        delays = [policy.delay(attempts, rng) for _ in range(200)]
        assert all(nominal / 2 <= delay <= nominal for delay in delays)
        assert max(delays) - min(delays) > nominal / 4


@pytest.mark.parametrize("attempts", [8, 9])
def test_there_is_no_retry_after_the_last_attempt(attempts):
    assert RetryPolicy().delay(attempts) is None
