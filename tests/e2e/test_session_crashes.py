"""Sessions of a server killed with SIGKILL, seen after the restart: an
interrupted session ends at its last committed sample, not at the restart,
and retrying an ingest that was accepted just before the crash is a
duplicate, as it is without a crash."""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import grpc
import numpy as np
import pytest
from google.protobuf import struct_pb2

from conftest import ServerProcess, grpc_token, server_process
from neurogate.server.auth.accounts import NewAccount
from neurogate.server.auth.tiers import Tier
from neurogate.v1 import device_control_pb2 as dc
from neurogate.v1 import device_control_pb2_grpc, neural_pb2, neural_pb2_grpc

#: How long the server stays dead: a restart-time end would be this late.
DEAD_SECONDS = 3.0


@dataclass
class Api:
    devices: device_control_pb2_grpc.DeviceControlStub
    neural: neural_pb2_grpc.NeuralServiceStub
    metadata: tuple[tuple[str, str], ...]


@asynccontextmanager
async def api(server: ServerProcess, account: NewAccount) -> AsyncIterator[Api]:
    async with grpc.aio.insecure_channel(server.settings.grpc_target) as channel:
        metadata = (("authorization", f"Bearer {await grpc_token(channel, account)}"),)
        yield Api(
            device_control_pb2_grpc.DeviceControlStub(channel),
            neural_pb2_grpc.NeuralServiceStub(channel),
            metadata,
        )


def kill(server: ServerProcess) -> float:
    """SIGKILL, no chance to clean up; the time it died."""
    server.process.send_signal(signal.SIGKILL)
    server.process.wait(10)
    return time.time()


async def test_an_interrupted_session_ends_at_its_last_committed_sample_not_at_the_restart(
    tmp_path: Path,
):
    async with server_process(tmp_path / "data") as first:
        account = await first.accounts.create_account("crash", Tier.PRO)
        async with api(first, account) as calls:
            listed = await calls.devices.ListDevices(
                dc.ListDevicesRequest(), metadata=calls.metadata
            )
            session = await calls.neural.CreateSession(
                neural_pb2.CreateSessionRequest(device_id=listed.devices[0].device_id),
                metadata=calls.metadata,
            )
            await asyncio.sleep(2.5)  # a couple of chunks committed, once a second
        died = kill(first)
    await asyncio.sleep(DEAD_SECONDS)

    async with server_process(tmp_path / "data") as second, api(second, account) as calls:
        fetched = await calls.neural.GetSession(
            neural_pb2.GetSessionRequest(session_id=session.session_id), metadata=calls.metadata
        )

    started = session.start_time.ToDatetime(tzinfo=UTC).timestamp()
    ended = fetched.end_time.ToDatetime(tzinfo=UTC).timestamp()
    assert fetched.status == "interrupted"
    assert started < ended <= died
    # The samples committed last were taken at most a flush (and some slack)
    # before the kill, and the session lasts as long as its samples do.
    assert ended > died - 2.0
    assert ended - started == pytest.approx(fetched.duration_seconds, abs=1.5)


async def test_an_interrupted_session_without_samples_ends_when_it_started(tmp_path: Path):
    async with server_process(tmp_path / "data") as first:
        account = await first.accounts.create_account("crash", Tier.PRO)
        async with api(first, account) as calls:
            device = await external_device(calls)
            session = await calls.neural.CreateSession(
                neural_pb2.CreateSessionRequest(device_id=device), metadata=calls.metadata
            )
        kill(first)
    await asyncio.sleep(DEAD_SECONDS)

    async with server_process(tmp_path / "data") as second, api(second, account) as calls:
        fetched = await calls.neural.GetSession(
            neural_pb2.GetSessionRequest(session_id=session.session_id), metadata=calls.metadata
        )

    assert (fetched.status, fetched.data_points) == ("interrupted", 0)
    assert fetched.end_time == session.start_time


async def external_device(calls: Api) -> str:
    params = struct_pb2.Struct()
    params.update({"sample_rate": 256, "channels": ["Fz", "Cz"]})
    registered = await calls.devices.RegisterDevice(
        dc.RegisterDeviceRequest(name="amplifier", type="external", params=params),
        metadata=calls.metadata,
    )
    return registered.device_id


def block(session_id: str, ingestion_id: str, at: datetime) -> neural_pb2.IngestNeuralDataRequest:
    request = neural_pb2.IngestNeuralDataRequest(
        session_id=session_id,
        ingestion_id=ingestion_id,
        sequence=1,
        data=neural_pb2.IngestData(
            sample_rate=256,
            samples_f32=np.ones((64, 2), dtype="<f4").tobytes(),
        ),
    )
    request.timestamp.FromDatetime(at)
    return request


async def test_retrying_an_ingest_accepted_before_a_crash_is_a_duplicate(tmp_path: Path):
    async with server_process(tmp_path / "data") as first:
        account = await first.accounts.create_account("crash", Tier.PRO)
        async with api(first, account) as calls:
            device = await external_device(calls)
            session = await calls.neural.CreateSession(
                neural_pb2.CreateSessionRequest(device_id=device), metadata=calls.metadata
            )
            at = datetime.now(UTC)
            accepted = await calls.neural.IngestNeuralData(
                block(session.session_id, "before-crash", at), metadata=calls.metadata
            )
        kill(first)

    async with server_process(tmp_path / "data") as second, api(second, account) as calls:
        retried = await calls.neural.IngestNeuralData(
            block(session.session_id, "before-crash", at), metadata=calls.metadata
        )
        # the same block under another id: the same (timestamp, sequence)
        renamed = await calls.neural.IngestNeuralData(
            block(session.session_id, "renamed", at), metadata=calls.metadata
        )
        with pytest.raises(grpc.aio.AioRpcError) as new_block:
            await calls.neural.IngestNeuralData(
                block(session.session_id, "after-crash", datetime.now(UTC)),
                metadata=calls.metadata,
            )
        fetched = await calls.neural.GetSession(
            neural_pb2.GetSessionRequest(session_id=session.session_id), metadata=calls.metadata
        )

    assert accepted.status == "accepted"
    assert (retried.status, retried.ingestion_id, retried.samples) == (
        "duplicate",
        "before-crash",
        64,
    )
    assert (renamed.status, renamed.ingestion_id) == ("duplicate", "renamed")
    # a block the session never took is still refused: it is not recording
    assert new_block.value.code() is grpc.StatusCode.FAILED_PRECONDITION
    assert "interrupted" in new_block.value.details()
    assert (fetched.status, fetched.data_points) == ("interrupted", 64)
