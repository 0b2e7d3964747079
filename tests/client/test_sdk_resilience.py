"""Retries, token renewal and stream reconnection against real servers that
rate-limit, rotate their keys and restart."""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path

import pytest
from sdk_support import client_for, measurements

from conftest import free_port, server_process
from neurogate.client import Client, Packet, PacketStream, RateLimitError, ServerError
from neurogate.client._retry import CAP_SECONDS
from neurogate.server.auth.tiers import Tier


async def _into_late_minute() -> None:
    """Sleeps until 30-54 s into a UTC minute: the minute window resets soon
    (within the backoff cap), yet not before the test has used its budget."""
    second = time.time() % 60
    if second < 30:
        await asyncio.sleep(30 - second)
    elif second > 54:
        await asyncio.sleep(90 - second)


def _minute(at: float) -> int:
    return int(at // 60)


async def test_rate_limited_reads_wait_for_the_reset_and_creates_are_not_retried(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
):
    async with server_process(tmp_path / "data", NEUROGATE_TIER_LIMITS="pro=2/100000") as server:
        account = await server.accounts.create_account("tight", Tier.PRO)
        with (
            client_for(server.settings.grpc_target, account) as client,
            caplog.at_level(logging.INFO, logger="neurogate.client"),
        ):
            await _into_late_minute()
            client.data.list()
            client.data.list()
            started = time.monotonic()
            with pytest.raises(RateLimitError) as refused:
                client.webhooks.create("http://127.0.0.1:9/hook", ["analysis.complete"])
            assert time.monotonic() - started < 2  # a create is never retried
            refused_at = time.time()
            assert client.data.list() == []  # waits for the reset, then succeeds
            succeeded_at = time.time()
            retries = [r for r in caplog.records if "RATE_LIMIT_EXCEEDED" in r.getMessage()]
            client.data.list()
            started = time.monotonic()
            with pytest.raises(RateLimitError) as beyond_cap:
                client.data.list()
            assert time.monotonic() - started < 2
    assert refused.value.code == "RATE_LIMIT_EXCEEDED"
    assert 0 < refused.value.retry_after <= CAP_SECONDS
    assert len(retries) == 1
    assert _minute(succeeded_at) == _minute(refused_at) + 1  # after the window reset
    assert beyond_cap.value.retry_after > CAP_SECONDS


def _until_gap(stream: PacketStream, limit: int = 200) -> tuple[list[Packet], Packet]:
    """The packets read before the first one that reports a gap, and that one."""
    seen = []
    for packet in stream:
        if packet.gap is not None:
            return seen, packet
        seen.append(packet)
        assert len(seen) < limit, "no gap reported"
    raise AssertionError("the stream ended without reconnecting")


async def test_across_a_server_restart_with_new_keys_the_client_carries_on(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
):
    """The same client object, before and after the server restarts on the
    same port with a new JWT secret and model key: its token is renewed
    after one UNAUTHENTICATED answer, its open stream reconnects and reports
    the restarted numbering as a reset, and a model sealed under the old key
    raises ServerError. (One test: each server start costs seconds.)"""
    port = str(free_port())
    async with server_process(tmp_path / "data", NEUROGATE_GRPC_PORT=port) as first:
        account = await first.accounts.create_account("restart", Tier.PRO)
        client = Client(
            client_id=account.client_id,
            client_secret=account.client_secret,
            target=first.settings.grpc_target,
            progress=False,
        )
        dataset = client.data.upload(measurements(), name="restart")
        model = client.ml.train(
            dataset_id=dataset.id,
            target="value",
            features=["other"],
            model_type="linear_regression",
        )
        device = client.devices.list()[0]
        client.devices.start_stream(device.id, channels=[1, 2])
        stream = client.devices.stream(device.id, block_size=25)
        before = [next(stream) for _ in range(3)]
        old_token = client._transport.settings.credentials.token()
    rotated = {
        "NEUROGATE_JWT_SECRET": "rotated-signing-key-" + "y" * 32,
        "NEUROGATE_MODEL_KEY": "rotated-model-key-" + "z" * 32,
    }
    try:
        async with server_process(tmp_path / "data", NEUROGATE_GRPC_PORT=port, **rotated):
            client.devices.start_stream(device.id, channels=[1, 2])
            assert client._transport.settings.credentials.token() != old_token
            with caplog.at_level(logging.WARNING, logger="neurogate.client"):
                buffered, resumed = _until_gap(stream)
            stream.close()
            with pytest.raises(ServerError) as raised:
                model.predict([{"other": 1.0}])
    finally:
        client.close()
    assert [p.sequence for p in before] == [0, 1, 2]
    assert all(p.gap is None for p in buffered)
    gap = resumed.gap
    assert (gap.reason, gap.lost_samples) == ("reset", None)
    assert gap.last_sequence == (buffered or before)[-1].sequence
    assert gap.next_sequence == resumed.sequence == 0
    assert stream.gaps == [gap]
    assert resumed.samples.shape == (25, 2)
    assert "reset" in caplog.text
    assert raised.value.code == "INTERNAL"
