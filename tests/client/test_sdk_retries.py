"""Which calls are retried, how long the backoff waits, and progress bars."""

from __future__ import annotations

import logging
from pathlib import Path

import grpc
import pytest
from sdk_support import client_for, measurements, new_account

from conftest import Stack, free_port
from neurogate.client import Client, UnavailableError
from neurogate.client._retry import BASE_SECONDS, CAP_SECONDS, RetryPolicy
from neurogate.client.errors import RateLimitError


def _retries(caplog: pytest.LogCaptureFixture) -> int:
    return sum("retrying after UNAVAILABLE" in r.getMessage() for r in caplog.records)


def test_reads_are_retried_on_unavailable_and_creates_are_not(caplog: pytest.LogCaptureFixture):
    with (
        Client(api_key="ng_x", target=f"127.0.0.1:{free_port()}", max_retries=3) as client,
        caplog.at_level(logging.INFO, logger="neurogate.client"),
    ):
        with pytest.raises(UnavailableError):
            client.data.list()
        assert _retries(caplog) == 3
        caplog.clear()
        with pytest.raises(UnavailableError):
            client.webhooks.create("https://hooks.example.com/x", ["analysis.complete"])
        assert _retries(caplog) == 0
        with pytest.raises(UnavailableError):
            client.data.upload(measurements(3))
        assert _retries(caplog) == 0


def test_ingest_is_retried_only_with_an_idempotency_key(caplog: pytest.LogCaptureFixture):
    with (
        Client(api_key="ng_x", target=f"127.0.0.1:{free_port()}", max_retries=2) as client,
        caplog.at_level(logging.INFO, logger="neurogate.client"),
    ):
        for key, retries in ((None, 0), ("block-1", 2)):
            caplog.clear()
            with pytest.raises(UnavailableError):
                client.ingest.neural_data(
                    device_id="dev_x", data=[[1.0]], sample_rate=100, idempotency_key=key
                )
            assert _retries(caplog) == retries


def test_backoff_is_full_jitter_under_an_exponential_bound_capped_at_30_seconds():
    policy = RetryPolicy()
    for retry in range(10):
        bound = min(CAP_SECONDS, BASE_SECONDS * 2**retry)
        waits = [policy.backoff(retry) for _ in range(200)]
        assert all(0 <= wait <= bound for wait in waits)
        assert max(waits) > bound / 2  # spread over the whole range, not a constant


def _rate_limited(retry_after: float | None, code: str = "RATE_LIMIT_EXCEEDED") -> RateLimitError:
    return RateLimitError(
        "over the limit",
        code=code,
        status=grpc.StatusCode.RESOURCE_EXHAUSTED,
        retry_after=retry_after,
    )


def test_a_server_reset_is_waited_for_exactly_and_other_exhaustion_is_not_retried():
    policy = RetryPolicy(max_retries=2)
    assert 4 <= policy.delay(0, _rate_limited(4.0), retryable=True) <= 4.25
    assert policy.delay(0, _rate_limited(4.0), retryable=False) is None
    assert policy.delay(2, _rate_limited(4.0), retryable=True) is None
    assert policy.delay(0, _rate_limited(CAP_SECONDS + 1), retryable=True) is None
    assert policy.delay(0, _rate_limited(None, "PAYLOAD_TOO_LARGE"), retryable=True) is None


async def test_progress_bars_are_off_in_scripts_and_drawn_when_asked(
    stack: Stack, tmp_path: Path, capfd: pytest.CaptureFixture[str]
):
    account = await new_account(stack)
    path = tmp_path / "progress.csv"
    measurements(500).to_csv(path, index=False)
    with Client(
        client_id=account.client_id, client_secret=account.client_secret, target=stack.grpc_target
    ) as quiet:
        assert quiet._transport.settings.progress is False  # stderr is not a terminal
        quiet.data.upload(path)
    assert "progress.csv" not in capfd.readouterr().err
    with client_for(stack.grpc_target, account, progress=True) as shown:
        shown.data.upload(path)
    assert "upload progress.csv" in capfd.readouterr().err
