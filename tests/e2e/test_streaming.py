"""Live streaming end to end: a real synthetic board through the real server,
over gRPC and as newline-delimited JSON through Envoy."""

from __future__ import annotations

import asyncio
import itertools
import json
import signal
import time
from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import httpx
import numpy as np
import pytest
from scipy import signal as scipy_signal

from conftest import Caller, NewCaller, Stack, assert_envelope, grpc_token, server_process
from neurogate.server.auth.tiers import POLICIES, Tier
from neurogate.v1 import device_control_pb2 as dc
from neurogate.v1 import device_control_pb2_grpc, neural_pb2, neural_pb2_grpc

RATE = 250.0


async def synthetic_device(rest: httpx.AsyncClient, caller: Caller) -> str:
    devices = (await rest.get("/v1/devices", headers=caller.headers)).json()["devices"]
    return devices[0]["device_id"]


async def start(rest: httpx.AsyncClient, caller: Caller, device_id: str, **config) -> dict:
    reply = await rest.post(
        f"/v1/devices/{device_id}/stream/start",
        headers=caller.headers,
        json={"channels": [1, 2, 3, 4], **config},
    )
    assert reply.status_code == 200, reply.text
    return reply.json()


def subscribe(stack: Stack, caller: Caller, **request) -> grpc.aio.UnaryStreamCall:
    stub = neural_pb2_grpc.NeuralServiceStub(stack.channel())
    return stub.StreamNeuralData(neural_pb2.StreamRequest(**request), metadata=caller.metadata)


async def drain(call: grpc.aio.UnaryStreamCall) -> list[neural_pb2.NeuralDataPacket]:
    """The rest of a stream, whatever status ends it."""
    packets = []
    try:
        async for packet in call:
            packets.append(packet)
    except grpc.aio.AioRpcError:
        pass
    return packets


async def take(
    call: AsyncIterator[neural_pb2.NeuralDataPacket], count: int
) -> list[neural_pb2.NeuralDataPacket]:
    packets = []
    async for packet in call:
        packets.append(packet)
        if len(packets) == count or packet.HasField("end"):
            break
    return packets


def assert_continuous(packets: list[neural_pb2.NeuralDataPacket]) -> None:
    """Each packet starts where the previous one ended: no sample lost."""
    for before, after in itertools.pairwise(packets):
        assert after.first_sample_index == before.first_sample_index + before.sample_count


def samples_of(packets: list[neural_pb2.NeuralDataPacket]) -> dict[int, np.ndarray]:
    """Sample index -> the sample's channel values."""
    found = {}
    for packet in packets:
        rows = np.asarray(packet.samples).reshape(packet.sample_count, -1)
        for offset, row in enumerate(rows):
            found[packet.first_sample_index + offset] = row
    return found


async def test_two_subscribers_receive_the_same_continuous_stream(
    stack: Stack, new_caller: NewCaller, rest: httpx.AsyncClient
):
    caller = await new_caller()
    device_id = await synthetic_device(rest, caller)
    await start(rest, caller, device_id)
    first = subscribe(stack, caller, device_id=device_id, block_size=25)
    second = subscribe(stack, caller, device_id=device_id, block_size=10, channels=[2, 4])
    one, two = await asyncio.gather(take(first, 20), take(second, 40))  # ~2 s each

    for packets, size in ((one, 25), (two, 10)):
        assert [p.sequence for p in packets] == list(
            range(packets[0].sequence, packets[0].sequence + len(packets))
        )
        assert_continuous(packets)
        assert all(p.sample_count <= size for p in packets)
        assert sum(p.sample_count == size for p in packets) > len(packets) / 2
        stamps = np.concatenate([p.timestamps for p in packets])
        assert np.all(np.diff(stamps) > 0)
        assert all(p.sample_rate == RATE and p.dropped_samples == 0 for p in packets)
    assert list(one[0].channel_numbers) == [1, 2, 3, 4]
    assert list(two[0].channel_numbers) == [2, 4]
    full, subset = samples_of(one), samples_of(two)
    shared = sorted(set(full) & set(subset))
    assert len(shared) > 100
    for index in shared:  # the same samples, whoever receives them
        assert np.array_equal(full[index][[1, 3]], subset[index])

    stopped = await rest.post(
        f"/v2/devices/{device_id}/stream/stop", headers=caller.headers, json={}
    )
    assert stopped.status_code == 200
    for call in (first, second):
        rest_of_stream = [packet async for packet in call]
        assert rest_of_stream[-1].end.reason == "stopped"
        assert await call.code() is grpc.StatusCode.OK


async def test_block_size_one_sends_single_sample_packets(
    stack: Stack, new_caller: NewCaller, rest: httpx.AsyncClient
):
    caller = await new_caller()
    device_id = await synthetic_device(rest, caller)
    await start(rest, caller, device_id)
    packets = await take(subscribe(stack, caller, device_id=device_id, block_size=1), 300)
    assert_continuous(packets)
    assert all(p.sample_count == 1 for p in packets)
    last = packets[-1]
    assert [c.channel_number for c in last.channels] == [1, 2, 3, 4]
    assert {c.quality for c in last.channels} <= {"excellent", "good", "fair", "poor"}
    assert last.channels[0].quality  # measured once a second of data exists
    assert last.timestamp > 0 and len(last.samples) == 0


async def test_float32_encoding_carries_the_same_samples_as_bytes(
    stack: Stack, new_caller: NewCaller, rest: httpx.AsyncClient
):
    caller = await new_caller()
    device_id = await synthetic_device(rest, caller)
    await start(rest, caller, device_id)
    doubles = subscribe(stack, caller, device_id=device_id, block_size=50)
    floats = subscribe(stack, caller, device_id=device_id, block_size=50, sample_encoding="float32")
    as_double, as_float = await asyncio.gather(take(doubles, 10), take(floats, 10))
    decoded = {}
    for packet in as_float:
        rows = np.frombuffer(packet.samples_f32, "<f4").reshape(packet.sample_count, 4)
        decoded.update({packet.first_sample_index + i: row for i, row in enumerate(rows)})
    reference = samples_of(as_double)
    shared = sorted(set(decoded) & set(reference))
    assert shared
    for index in shared:
        assert np.array_equal(decoded[index], reference[index].astype(np.float32))


async def test_live_filtered_output_equals_filtering_the_whole_recording(
    stack: Stack, new_caller: NewCaller, rest: httpx.AsyncClient
):
    """The stream's causal filter keeps its state across blocks: what subscribers
    receive equals filtering the raw recording in one go (the recording keeps
    raw samples, as float32)."""
    caller = await new_caller()
    device_id = await synthetic_device(rest, caller)
    configured = await rest.patch(
        f"/v2/devices/{device_id}/config",
        headers=caller.headers,
        json={"channels": [1, 2], "filters": {"notch": 50, "bandpass": [1, 40]}},
    )
    assert configured.status_code == 200, configured.text
    session = (
        await rest.post("/v1/sessions", headers=caller.headers, json={"device_id": device_id})
    ).json()
    live = await take(subscribe(stack, caller, device_id=device_id, block_size=10), 60)
    await rest.post(f"/v1/sessions/{session['session_id']}/stop", headers=caller.headers, json={})
    exported = await rest.get(
        f"/v1/sessions/{session['session_id']}/export?format=csv", headers=caller.headers
    )
    rows = [line.split(",") for line in exported.text.splitlines()[1:]]
    raw = np.array([[float(r[2]), float(r[3])] for r in rows])
    recorded_at = np.array([float(r[1]) for r in rows])

    notch = scipy_signal.tf2sos(*scipy_signal.iirnotch(50, 30, fs=RATE))
    band = scipy_signal.butter(4, [1, 40], btype="bandpass", fs=RATE, output="sos")
    expected = scipy_signal.sosfilt(np.concatenate([notch, band]), raw, axis=0)
    received = samples_of(live)
    indices = [i for i in sorted(received) if i < len(raw)]
    assert len(indices) > 400
    # The session started the stream, so recording row i is stream sample i.
    stamps = {p.first_sample_index + k: t for p in live for k, t in enumerate(p.timestamps)}
    assert all(stamps[i] == recorded_at[i] for i in indices)
    assert np.allclose(
        np.array([received[i] for i in indices]), expected[indices], rtol=0, atol=1e-3
    )


async def test_markers_arrive_as_events_at_their_sample(
    stack: Stack, new_caller: NewCaller, rest: httpx.AsyncClient
):
    caller = await new_caller()
    device_id = await synthetic_device(rest, caller)
    await start(rest, caller, device_id)
    call = subscribe(stack, caller, device_id=device_id, block_size=10)
    await take(call, 5)
    marker = (
        await rest.post(
            f"/v1/devices/{device_id}/markers",
            headers=caller.headers,
            json={"type": "stimulus", "metadata": {"side": "left"}},
        )
    ).json()
    found = None
    async for packet in call:
        if packet.events:
            found = packet
            break
    [event] = found.events
    assert (event.type, event.metadata["side"]) == ("stimulus", "left")
    assert event.metadata["marker_id"] == marker["marker_id"]
    position = int(event.metadata["sample_index"]) - found.first_sample_index
    assert event.timestamp == found.timestamps[position]
    assert abs(event.timestamp - marker["timestamp"]) < 0.5
    call.cancel()


async def test_rest_stream_delivers_packets_as_they_are_produced(
    stack: Stack, new_caller: NewCaller, rest: httpx.AsyncClient
):
    caller = await new_caller()
    device_id = await synthetic_device(rest, caller)
    await start(rest, caller, device_id)
    arrivals: list[tuple[float, dict]] = []
    began = time.monotonic()
    async with rest.stream(
        "GET",
        f"/v1/devices/{device_id}/stream",
        params={"block_size": 25, "channels": [1, 3]},
        headers=caller.headers,
    ) as reply:
        assert reply.status_code == 200
        async for line in reply.aiter_lines():
            if not line.strip():
                continue
            arrivals.append((time.monotonic() - began, json.loads(line)))
            if len(arrivals) == 10:
                stopped = await rest.post(
                    f"/v1/devices/{device_id}/stream/stop", headers=caller.headers, json={}
                )
                assert stopped.status_code == 200
    packets = [packet for _, packet in arrivals]
    assert packets[-1]["end"]["reason"] == "stopped"
    data = [p for p in packets if p["sample_count"]]
    assert [int(p["sequence"]) for p in data] == list(
        range(int(data[0]["sequence"]), int(data[0]["sequence"]) + len(data))
    )
    assert data[0]["channel_numbers"] == [1, 3] and len(data[0]["samples"]) == 50
    # Incremental: ten packets of 0.1 s spread over about a second, not in one burst.
    assert arrivals[9][0] - arrivals[0][0] > 0.5


async def test_subscribing_to_a_device_that_is_not_streaming_is_422(
    stack: Stack, new_caller: NewCaller, rest: httpx.AsyncClient
):
    caller = await new_caller()
    device_id = await synthetic_device(rest, caller)
    async with rest.stream(
        "GET", f"/v1/devices/{device_id}/stream", headers=caller.headers
    ) as reply:
        await reply.aread()
    assert_envelope(reply, 422, "STREAM_UNAVAILABLE")
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await take(subscribe(stack, caller, device_id=device_id), 1)
    assert raised.value.code() is grpc.StatusCode.FAILED_PRECONDITION


@pytest.mark.parametrize(
    ("request_fields", "parameter"),
    [
        ({"channels": [9]}, "channels"),
        ({"block_size": 10_001}, "block_size"),
        ({"max_latency_ms": 20_000}, "max_latency_ms"),
        ({"sample_encoding": "int16"}, "sample_encoding"),
        ({"after_sequence": 5}, "after_sequence"),
        ({"session_id": "ses_x"}, "device_id"),
    ],
)
async def test_bad_stream_requests_are_refused(
    request_fields: dict,
    parameter: str,
    stack: Stack,
    new_caller: NewCaller,
    rest: httpx.AsyncClient,
):
    caller = await new_caller()
    device_id = await synthetic_device(rest, caller)
    await start(rest, caller, device_id)
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await take(subscribe(stack, caller, device_id=device_id, **request_fields), 1)
    assert raised.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert (
        json.loads(dict(raised.value.trailing_metadata())["x-neurogate-error"])["error"]["details"][
            "parameter"
        ]
        == parameter
    )


async def test_another_accounts_device_cannot_be_streamed(
    stack: Stack, new_caller: NewCaller, rest: httpx.AsyncClient
):
    owner, other = await new_caller(), await new_caller()
    device_id = await synthetic_device(rest, owner)
    await start(rest, owner, device_id)
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await take(subscribe(stack, other, device_id=device_id), 1)
    assert raised.value.code() is grpc.StatusCode.NOT_FOUND


async def test_the_concurrent_stream_cap_of_the_tier_applies(
    stack: Stack, new_caller: NewCaller, rest: httpx.AsyncClient
):
    caller = await new_caller()
    device_id = await synthetic_device(rest, caller)
    await start(rest, caller, device_id)
    cap = POLICIES[Tier.PRO].max_concurrent_streams
    open_calls = [subscribe(stack, caller, device_id=device_id) for _ in range(cap)]
    await asyncio.gather(*(take(call, 1) for call in open_calls))
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await take(subscribe(stack, caller, device_id=device_id), 1)
    assert raised.value.code() is grpc.StatusCode.RESOURCE_EXHAUSTED
    open_calls[0].cancel()
    await asyncio.sleep(0.2)  # the server notices the cancellation
    assert len(await take(subscribe(stack, caller, device_id=device_id), 1)) == 1
    for call in open_calls[1:]:
        call.cancel()


async def test_a_slow_subscriber_loses_samples_and_is_ended_without_harming_a_fast_one(
    tmp_path: Path,
):
    async with server_process(
        tmp_path / "data",
        NEUROGATE_STREAM_BUFFER_SECONDS="0.5",
        NEUROGATE_STREAM_GIVE_UP_SECONDS="2",
    ) as server:
        account = await server.accounts.create_account("slow", Tier.PRO)
        # No BDP probing: the slow client's receive window stays small, so its
        # stream backs up into the server's buffer quickly.
        options = [("grpc.http2.bdp_probe", 0)]
        async with (
            grpc.aio.insecure_channel(server.settings.grpc_target) as fast_channel,
            grpc.aio.insecure_channel(server.settings.grpc_target, options=options) as slow_channel,
        ):
            metadata = (("authorization", f"Bearer {await grpc_token(fast_channel, account)}"),)
            devices = device_control_pb2_grpc.DeviceControlStub(fast_channel)
            device_id = (
                (await devices.ListDevices(dc.ListDevicesRequest(), metadata=metadata))
                .devices[0]
                .device_id
            )
            await devices.StartStream(dc.StartStreamRequest(device_id=device_id), metadata=metadata)
            request = neural_pb2.StreamRequest(device_id=device_id, block_size=1)
            fast = neural_pb2_grpc.NeuralServiceStub(fast_channel).StreamNeuralData(
                request, metadata=metadata
            )
            slow = neural_pb2_grpc.NeuralServiceStub(slow_channel).StreamNeuralData(
                request, metadata=metadata
            )
            await take(slow, 1)
            fast_packets = await take(fast, 250 * 5)  # 5 s while the slow one does not read
            slow_packets = await drain(slow)
            slow_code = await slow.code()
            fast.cancel()
    assert_continuous(fast_packets)
    assert fast_packets[-1].dropped_samples == 0
    assert slow_packets[-1].end.reason == "slow_consumer"
    assert slow_packets[-2].dropped_samples > 0
    sequences = [p.sequence for p in slow_packets[:-1]]
    assert any(b - a > 1 for a, b in itertools.pairwise(sequences))
    assert slow_code is grpc.StatusCode.RESOURCE_EXHAUSTED


async def test_a_server_shutdown_ends_streams_in_band(tmp_path: Path):
    async with server_process(tmp_path / "data") as server:
        account = await server.accounts.create_account("shutdown", Tier.PRO)
        async with grpc.aio.insecure_channel(server.settings.grpc_target) as channel:
            metadata = (("authorization", f"Bearer {await grpc_token(channel, account)}"),)
            devices = device_control_pb2_grpc.DeviceControlStub(channel)
            device_id = (
                (await devices.ListDevices(dc.ListDevicesRequest(), metadata=metadata))
                .devices[0]
                .device_id
            )
            await devices.StartStream(dc.StartStreamRequest(device_id=device_id), metadata=metadata)
            call = neural_pb2_grpc.NeuralServiceStub(channel).StreamNeuralData(
                neural_pb2.StreamRequest(device_id=device_id), metadata=metadata
            )
            await take(call, 3)
            server.process.send_signal(signal.SIGTERM)
            rest_of_stream = await drain(call)
            code = await call.code()
        assert await asyncio.to_thread(server.process.wait, 30) == 0
    assert rest_of_stream[-1].end.reason == "server_shutdown"
    assert code is grpc.StatusCode.UNAVAILABLE
