"""``AsyncClient``: the same surface as coroutines and async iterators, on
the same server."""

from __future__ import annotations

import asyncio
from pathlib import Path

import numpy as np
import pytest
from sdk_support import async_client_for, measurements, new_account

from conftest import Stack
from neurogate.client import AsyncPacketStream, NotFoundError, Packet


async def test_async_calls_return_the_same_typed_results(stack: Stack):
    async with async_client_for(stack.grpc_target, await new_account(stack)) as client:
        dataset = await client.data.upload(measurements(20), name="async")
        listed, fetched, stats = await asyncio.gather(
            client.data.list(),
            client.data.get(dataset.id),
            client.analysis.descriptive(dataset_id=dataset.id, columns=["value"]),
        )
        model = await client.ml.train(
            dataset_id=dataset.id, target="value", features=["other"], model_type="ridge"
        )
        predictions = await model.predict([{"other": 3.0}])
    assert [d.id for d in listed] == [dataset.id]
    assert fetched.to_pandas().shape == (5, 3)
    assert stats.columns["value"]["mean"] == pytest.approx(measurements(20)["value"].mean())
    assert len(predictions.predictions) == 1


async def test_async_errors_are_the_same_typed_errors(stack: Stack):
    async with async_client_for(stack.grpc_target, await new_account(stack)) as client:
        with pytest.raises(NotFoundError) as raised:
            await client.devices.get("dev_missing")
    assert raised.value.code == "DEVICE_NOT_FOUND"
    assert raised.value.request_id.startswith("req_")


async def test_an_async_stream_yields_packets_until_closed(stack: Stack):
    async with async_client_for(stack.grpc_target, await new_account(stack)) as client:
        (device,) = await client.devices.list()
        await client.devices.start_stream(device.id)
        stream = client.devices.stream(device.id, channels=[1, 2], block_size=5)
        assert isinstance(stream, AsyncPacketStream)
        packets: list[Packet] = []
        async with stream:
            async for packet in stream:
                packets.append(packet)
                if len(packets) == 6:
                    break
        await client.devices.stop_stream(device.id)
    assert [p.sequence for p in packets] == list(range(6))
    assert all(p.samples.shape == (5, 2) for p in packets)
    with pytest.raises(StopAsyncIteration):
        await stream.__anext__()


async def test_an_async_export_and_ingest(stack: Stack, tmp_path: Path):
    async with async_client_for(stack.grpc_target, await new_account(stack)) as client:
        device = await client.devices.register(
            "amp", "external", {"sample_rate": 100, "channels": ["a", "b"]}
        )
        session = await client.sessions.create(device_id=device.id)
        ingested = await client.ingest.neural_data(
            device_id=device.id,
            session_id=session.id,
            data=np.ones((200, 2)),
            sample_rate=100,
        )
        await client.sessions.stop(session.id)
        path = await client.sessions.export(session.id, format="csv", path=tmp_path / "s.csv")
        recording = await client.sessions.recording(session.id)
    assert (ingested.status, ingested.samples) == ("accepted", 200)
    assert path.read_text().startswith("sample_index,timestamp,a,b,marker")
    assert recording.samples.shape == (200, 2)
