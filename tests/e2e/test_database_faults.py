"""A failing database or a full disk, end to end through the real server and
the real Envoy: every call answers 503 UNAVAILABLE in the envelope within the
configured timeouts (never a 500, never a hang), and the server recovers on
its own once the database is back or space is freed.

PostgreSQL faults are real: the stack reaches the real PostgreSQL through a
loopback proxy (:mod:`faults`) that refuses or black-holes connections. The
full disk is real too: a tiny tmpfs holds the data dir and its SQLite file.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
import subprocess
import time
from collections.abc import AsyncIterator, Awaitable
from pathlib import Path
from typing import Any

import grpc
import httpx
import numpy as np
import pytest
import pytest_asyncio
from google.rpc import error_details_pb2, status_pb2
from sqlalchemy.engine import make_url

from conftest import Stack, assert_envelope, grpc_token, issue_token, start_stack, stop_stack
from faults import FaultProxy, fault_proxy
from neurogate.server.auth.accounts import NewAccount
from neurogate.server.auth.tiers import Tier
from neurogate.v1 import (
    auth_pb2,
    auth_pb2_grpc,
    device_control_pb2,
    device_control_pb2_grpc,
    neural_pb2,
    neural_pb2_grpc,
)

#: Short database timeouts, so a black-holed database is noticed quickly.
FAST_TIMEOUTS = {
    "NEUROGATE_DATABASE_CONNECT_TIMEOUT": "2",
    "NEUROGATE_DATABASE_STATEMENT_TIMEOUT": "2",
}
#: Generous bound on the time to an answer (the timeouts above plus slack
#: for a loaded two-core machine); the hang this replaces lasted 120 s.
ANSWER_BOUND_SECONDS = 20


@pytest_asyncio.fixture
async def proxied(tmp_path: Path, postgres_url: str) -> AsyncIterator[tuple[FaultProxy, Stack]]:
    """A stack whose PostgreSQL sits behind a fault proxy."""
    real = make_url(postgres_url)
    async with fault_proxy(real.host or "127.0.0.1", real.port or 5432) as proxy:
        url = real.set(port=proxy.port).render_as_string(hide_password=False)
        stack = await start_stack(tmp_path / "data", NEUROGATE_DATABASE_URL=url, **FAST_TIMEOUTS)
        try:
            yield proxy, stack
        finally:
            await proxy.resume()
            await stop_stack(stack)


async def timed(call: Awaitable[Any]) -> tuple[Any, float]:
    started = time.monotonic()
    outcome = await call
    return outcome, time.monotonic() - started


def token_request(account: NewAccount) -> dict[str, str]:
    return {
        "client_id": account.client_id,
        "client_secret": account.client_secret,
        "grant_type": "client_credentials",
    }


def assert_unavailable_without_internals(error: dict, reason: str) -> None:
    assert error["details"] == {"reason": reason}
    for internal in ("5432", "127.0.0.1", "psycopg", "sqlite", "Traceback", "SELECT"):
        assert internal not in error["message"]


def grpc_reason(error: grpc.aio.AioRpcError) -> str:
    for key, value in error.trailing_metadata() or ():
        if key == "grpc-status-details-bin":
            status = status_pb2.Status.FromString(value)
            for detail in status.details:
                info = error_details_pb2.ErrorInfo()
                if detail.Unpack(info):
                    return info.reason
    return ""


async def grpc_failure(call: Awaitable[Any]) -> grpc.aio.AioRpcError:
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await call
    return raised.value


async def first_packet(stream: Any) -> Any:
    return await stream.read()


async def register_device(rest: httpx.AsyncClient, headers: dict[str, str]) -> str:
    registered = await rest.post(
        "/v1/devices",
        headers=headers,
        json={
            "name": "amp",
            "type": "external",
            "params": {"sample_rate": 250, "channels": ["C3"]},
        },
    )
    assert registered.status_code == 200, registered.text
    return registered.json()["device_id"]


async def answers_while_down(
    stack: Stack, account: NewAccount, headers: dict[str, str], device_id: str
) -> None:
    """Tokens, a unary call and stream subscriptions, over REST and gRPC, all
    answer 503 UNAVAILABLE within the bound; run concurrently, as clients would."""
    channel = stack.channel()
    metadata = tuple(headers.items())
    issue = auth_pb2.IssueTokenRequest(**token_request(account))
    stream = neural_pb2_grpc.NeuralServiceStub(channel).StreamNeuralData(
        neural_pb2.StreamRequest(device_id=device_id), metadata=metadata
    )
    async with httpx.AsyncClient(base_url=stack.rest_url, timeout=90) as rest:
        rest_replies = [
            rest.post("/v1/auth/token", json=token_request(account)),
            rest.get("/v1/devices", headers=headers),
            rest.get(f"/v1/devices/{device_id}/stream", headers=headers),
        ]
        grpc_failures = [
            grpc_failure(auth_pb2_grpc.AuthServiceStub(channel).IssueToken(issue)),
            grpc_failure(
                device_control_pb2_grpc.DeviceControlStub(channel).ListDevices(
                    device_control_pb2.ListDevicesRequest(), metadata=metadata
                )
            ),
            grpc_failure(first_packet(stream)),
        ]
        outcomes = await asyncio.gather(*(timed(call) for call in rest_replies + grpc_failures))
    for reply, seconds in outcomes[:3]:
        assert seconds < ANSWER_BOUND_SECONDS, (reply.request.url, seconds)
        assert_unavailable_without_internals(
            assert_envelope(reply, 503, "UNAVAILABLE"), "database_unavailable"
        )
    for failure, seconds in outcomes[3:]:
        assert seconds < ANSWER_BOUND_SECONDS, seconds
        assert failure.code() is grpc.StatusCode.UNAVAILABLE, failure.details()
        assert grpc_reason(failure) == "UNAVAILABLE"


async def answers_again(stack: Stack, account: NewAccount, device_id: str) -> None:
    """Back to normal at the first attempt, without a restart."""
    headers = {"authorization": f"Bearer {await issue_token(stack.rest_url, account)}"}
    async with httpx.AsyncClient(base_url=stack.rest_url, timeout=30) as rest:
        listed = await rest.get("/v1/devices", headers=headers)
    assert listed.status_code == 200, listed.text
    assert device_id in [d["device_id"] for d in listed.json()["devices"]]
    token = await grpc_token(stack.channel(), account)
    assert token


async def test_postgres_refusing_connections_answers_503_then_recovers(proxied):
    proxy, stack = proxied
    account = await stack.accounts.create_account("refused", Tier.PRO)
    headers = {"authorization": f"Bearer {await issue_token(stack.rest_url, account)}"}
    async with httpx.AsyncClient(base_url=stack.rest_url) as rest:
        device_id = await register_device(rest, headers)

    await proxy.refuse()
    await answers_while_down(stack, account, headers, device_id)
    log = stack.server_log()
    assert "infrastructure failure" in log  # the cause is logged for operators
    assert "unhandled error" not in log

    await proxy.resume()
    await answers_again(stack, account, device_id)


async def test_postgres_dropping_packets_answers_503_within_the_timeouts_then_recovers(proxied):
    proxy, stack = proxied
    account = await stack.accounts.create_account("black-holed", Tier.PRO)
    headers = {"authorization": f"Bearer {await issue_token(stack.rest_url, account)}"}
    async with httpx.AsyncClient(base_url=stack.rest_url) as rest:
        device_id = await register_device(rest, headers)

    await proxy.black_hole()
    await answers_while_down(stack, account, headers, device_id)

    await proxy.resume()
    await answers_again(stack, account, device_id)


# ------------------------------------------------------------ a full disk


@contextlib.contextmanager
def tiny_tmpfs(path: Path, size: str):
    """A real, small file system at ``path`` (skips where mounting is not allowed)."""
    path.mkdir(parents=True)
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root): {mounted.stderr.strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def fill(directory: Path, leave_bytes: int) -> Path:
    """A file that takes all of the file system's free space but ``leave_bytes``."""
    stats = os.statvfs(directory)
    filler = directory / "filler"
    with filler.open("wb") as out:
        out.write(b"\0" * max(0, stats.f_bavail * stats.f_frsize - leave_bytes))
    return filler


def random_csv(rows: int) -> bytes:
    values = np.random.default_rng(7).random((rows, 8))
    header = ",".join(f"c{i}" for i in range(8))
    return (header + "\n" + "\n".join(",".join(map(repr, row)) for row in values)).encode()


async def test_a_full_disk_answers_503_in_the_envelope_and_writes_nothing(tmp_path: Path):
    with tiny_tmpfs(tmp_path / "data", "16m") as data_dir:
        stack = await start_stack(data_dir)
        try:
            account = await stack.accounts.create_account("full", Tier.PRO)
            headers = {"authorization": f"Bearer {await issue_token(stack.rest_url, account)}"}
            upload = {"file": ("big.csv", random_csv(20_000))}
            filler = fill(data_dir, leave_bytes=64 * 1024)
            async with httpx.AsyncClient(base_url=stack.rest_url, timeout=60) as rest:
                refused = await rest.post("/v1/data/upload", headers=headers, files=upload)
                listed = await rest.get("/v1/datasets", headers=headers)

                error = assert_envelope(refused, 503, "UNAVAILABLE")
                assert_unavailable_without_internals(error, "storage_full")
                assert listed.status_code == 200, listed.text
                assert listed.json()["total"] == 0
                with sqlite3.connect(data_dir / "neurogate.db") as check:
                    assert check.execute("PRAGMA integrity_check").fetchone() == ("ok",)

                filler.unlink()
                accepted = await rest.post("/v1/data/upload", headers=headers, files=upload)
                assert accepted.status_code == 200, accepted.text
        finally:
            await stop_stack(stack)
