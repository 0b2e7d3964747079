"""Ingestion end to end: samples of an external device posted over REST
(``POST /v1/ingest/neural-data``) and streamed over gRPC
(``NeuralService.IngestNeuralDataStream``) are stored once, whatever the
retries, reach live subscribers exactly, come back out of the export, and
never leave the raw subject id anywhere."""

from __future__ import annotations

import asyncio
import csv
import io
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import grpc
import httpx
import numpy as np
import pytest
from google.protobuf import timestamp_pb2

from conftest import Caller, NewCaller, Stack, assert_envelope, external_device
from neurogate.v1 import device_control_pb2 as dc
from neurogate.v1 import device_control_pb2_grpc, neural_pb2, neural_pb2_grpc

RATE = 256.0
CHANNELS = ["Fz", "Cz", "Pz"]
START = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)


def rfc3339(moment: datetime) -> str:
    return moment.isoformat(timespec="microseconds").replace("+00:00", "Z")


def samples(count: int, seed: int = 0) -> np.ndarray:
    """(count, 3) microvolt-sized values, exactly representable as float32."""
    rng = np.random.default_rng(seed)
    return rng.normal(0, 20, (count, len(CHANNELS))).astype(np.float32)


@dataclass(frozen=True)
class Recording:
    caller: Caller
    device_id: str
    session_id: str

    def body(
        self, values: np.ndarray, at: datetime = START, **overrides: object
    ) -> dict[str, object]:
        """An ingest request for ``values`` (rows of samples) at ``at``."""
        body: dict[str, object] = {
            "device_id": self.device_id,
            "session_id": self.session_id,
            "timestamp": rfc3339(at),
            "data": {"eeg": values.tolist(), "sample_rate": RATE, "channels": CHANNELS},
            "metadata": {"task": "resting state", "subject_id": "ingest-subject"},
        }
        body.update(overrides)
        return body


async def external_recording(
    rest: httpx.AsyncClient, caller: Caller, subject_id: str = "ingest-subject"
) -> Recording:
    """An external device (Fz, Cz, Pz at 256 Hz) and a session recording it."""
    device_id = await external_device(rest, caller, RATE, CHANNELS)
    created = await rest.post(
        "/v1/sessions",
        headers=caller.headers,
        json={"device_id": device_id, "subject_id": subject_id, "experiment_type": "resting"},
    )
    assert created.status_code == 200, created.text
    assert created.json()["status"] == "recording"
    return Recording(caller, device_id, created.json()["session_id"])


async def ingest(rest: httpx.AsyncClient, recording: Recording, body: dict) -> httpx.Response:
    return await rest.post("/v1/ingest/neural-data", headers=recording.caller.headers, json=body)


async def data_points(rest: httpx.AsyncClient, recording: Recording) -> int:
    reply = await rest.get(f"/v1/sessions/{recording.session_id}", headers=recording.caller.headers)
    assert reply.status_code == 200, reply.text
    return reply.json()["data_points"]


# ---------------------------------------------------------------- accepted


async def test_ingested_samples_are_accepted_and_counted(
    new_caller: NewCaller, rest: httpx.AsyncClient
):
    recording = await external_recording(rest, await new_caller())

    first = await ingest(rest, recording, recording.body(samples(64), ingestion_id="block-1"))
    second = await ingest(
        rest, recording, recording.body(samples(32, 1), START + timedelta(seconds=0.25))
    )

    assert first.status_code == 200, first.text
    assert first.json()["status"] == "accepted"
    assert first.json()["ingestion_id"] == "block-1"
    assert first.json()["samples"] == 64
    assert first.json()["processing_time_ms"] >= 0
    assert second.json()["status"] == "accepted"
    assert second.json()["ingestion_id"].startswith("ing_")  # generated when not given
    assert await data_points(rest, recording) == 96


async def test_channels_may_be_given_as_numbers_or_left_out(
    new_caller: NewCaller, rest: httpx.AsyncClient
):
    recording = await external_recording(rest, await new_caller())
    by_number = recording.body(samples(8))
    by_number["data"]["channels"] = ["1", "2", "3"]
    left_out = recording.body(samples(8), START + timedelta(seconds=1))
    left_out["data"]["channels"] = []

    for body in (by_number, left_out):
        reply = await ingest(rest, recording, body)
        assert reply.json()["status"] == "accepted", reply.text
    assert await data_points(rest, recording) == 16


async def test_a_retry_with_the_same_ingestion_id_is_a_duplicate_and_not_stored(
    new_caller: NewCaller, rest: httpx.AsyncClient
):
    recording = await external_recording(rest, await new_caller())
    body = recording.body(samples(50), ingestion_id="retry-me")
    await ingest(rest, recording, body)

    retried = await ingest(rest, recording, body)
    # even with other samples at another time: the id says it is stored already
    reused = await ingest(
        rest,
        recording,
        recording.body(samples(50, 2), START + timedelta(seconds=9), ingestion_id="retry-me"),
    )

    for reply in (retried, reused):
        assert reply.status_code == 200, reply.text
        assert (reply.json()["status"], reply.json()["ingestion_id"]) == ("duplicate", "retry-me")
    assert await data_points(rest, recording) == 50


async def test_the_same_timestamp_and_sequence_under_another_id_is_a_duplicate(
    new_caller: NewCaller, rest: httpx.AsyncClient
):
    recording = await external_recording(rest, await new_caller())
    await ingest(rest, recording, recording.body(samples(40), ingestion_id="a", sequence=7))

    same = await ingest(rest, recording, recording.body(samples(40), ingestion_id="b", sequence=7))
    next_block = await ingest(
        rest, recording, recording.body(samples(40), ingestion_id="c", sequence=8)
    )

    assert (same.json()["status"], same.json()["ingestion_id"]) == ("duplicate", "b")
    assert next_block.json()["status"] == "accepted"  # same time, another sequence number
    assert await data_points(rest, recording) == 80


# ---------------------------------------------------------------- refused


def _wrong_row(body: dict) -> None:
    body["data"]["eeg"][2] = body["data"]["eeg"][2][:2]


def _string_value(body: dict) -> None:
    body["data"]["eeg"][1][1] = "12.5"


def _rate_250(body: dict) -> None:
    body["data"]["sample_rate"] = 250


def _reordered(body: dict) -> None:
    body["data"]["channels"] = ["Cz", "Fz", "Pz"]


def _both_forms(body: dict) -> None:
    body["data"]["samples_f32"] = "A" * 16  # one sample: 3 float32 zeros


def _neither_form(body: dict) -> None:
    del body["data"]["eeg"]


def _ragged_f32(body: dict) -> None:
    del body["data"]["eeg"]
    body["data"]["samples_f32"] = "A" * 24  # 18 bytes: not whole samples of 3 float32


def _other_device(body: dict) -> None:
    body["device_id"] = "dev_0123456789abcdef01234567"


REFUSALS = [
    pytest.param(_wrong_row, "data.eeg", {"row": 2, "channels": 3}, id="row of 2 values"),
    pytest.param(
        _string_value, "data.eeg", {"row": 1, "column": 1, "value": "12.5"}, id="string value"
    ),
    pytest.param(_rate_250, "data.sample_rate", {"value": 250, "expected": 256}, id="rate 250"),
    pytest.param(
        _reordered, "data.channels", {"expected": CHANNELS}, id="channels in another order"
    ),
    pytest.param(_both_forms, "data.eeg", {}, id="eeg and samples_f32"),
    pytest.param(_neither_form, "data.eeg", {}, id="neither eeg nor samples_f32"),
    pytest.param(_ragged_f32, "data.samples_f32", {"bytes": 18}, id="partial f32 sample"),
    pytest.param(_other_device, "device_id", {}, id="not the session's device"),
]


@pytest.mark.parametrize(("spoil", "parameter", "details"), REFUSALS)
async def test_bad_blocks_are_refused_naming_the_parameter_and_nothing_is_stored(
    spoil: Callable[[dict], None],
    parameter: str,
    details: dict,
    new_caller: NewCaller,
    rest: httpx.AsyncClient,
):
    recording = await external_recording(rest, await new_caller())
    body = recording.body(samples(4))
    spoil(body)

    reply = await ingest(rest, recording, body)

    error = assert_envelope(reply, 400, "INVALID_PARAMETER")
    assert error["details"]["parameter"] == parameter
    for key, value in details.items():
        assert error["details"][key] == value
    assert await data_points(rest, recording) == 0


async def test_a_timestamp_that_is_not_rfc3339_is_refused_by_envoy_in_the_envelope(
    new_caller: NewCaller, rest: httpx.AsyncClient
):
    recording = await external_recording(rest, await new_caller())

    reply = await ingest(rest, recording, recording.body(samples(4), timestamp="05/01/2026 9:30"))

    error = assert_envelope(reply, 400, "INVALID_PARAMETER")
    assert "timestamp" in error["message"]
    assert await data_points(rest, recording) == 0


async def test_unknown_and_other_accounts_sessions_are_not_found(
    new_caller: NewCaller, rest: httpx.AsyncClient
):
    owner, intruder = await new_caller(), await new_caller()
    recording = await external_recording(rest, owner)
    missing = "ses_0123456789abcdef01234567"

    theirs = await rest.post(
        "/v1/ingest/neural-data", headers=intruder.headers, json=recording.body(samples(4))
    )
    nobodys = await rest.post(
        "/v1/ingest/neural-data",
        headers=intruder.headers,
        json=recording.body(samples(4), session_id=missing),
    )

    error = assert_envelope(theirs, 404, "SESSION_NOT_FOUND")
    assert error["details"] == {"parameter": "session_id", "value": recording.session_id}
    expected = assert_envelope(nobodys, 404, "SESSION_NOT_FOUND")
    assert error["message"] == expected["message"].replace(missing, recording.session_id)
    assert await data_points(rest, recording) == 0


async def test_a_stopped_session_is_stream_unavailable(
    new_caller: NewCaller, rest: httpx.AsyncClient
):
    recording = await external_recording(rest, await new_caller())
    await ingest(rest, recording, recording.body(samples(4)))
    stopped = await rest.post(
        f"/v1/sessions/{recording.session_id}/stop", headers=recording.caller.headers, json={}
    )
    assert stopped.json()["status"] == "stopped"

    reply = await ingest(rest, recording, recording.body(samples(4), START + timedelta(seconds=1)))

    error = assert_envelope(reply, 422, "STREAM_UNAVAILABLE")
    assert error["details"]["status"] == "stopped"
    assert await data_points(rest, recording) == 4


async def test_a_session_of_the_synthetic_board_does_not_take_ingested_samples(
    new_caller: NewCaller, rest: httpx.AsyncClient
):
    caller = await new_caller()
    board = (await rest.get("/v1/devices", headers=caller.headers)).json()["devices"][0]
    created = await rest.post(
        "/v1/sessions", headers=caller.headers, json={"device_id": board["device_id"]}
    )
    session_id = created.json()["session_id"]
    try:
        reply = await rest.post(
            "/v1/ingest/neural-data",
            headers=caller.headers,
            json={
                "session_id": session_id,
                "timestamp": rfc3339(START),
                "data": {"eeg": [[1.0] * 16], "sample_rate": 250},
            },
        )
        error = assert_envelope(reply, 400, "INVALID_PARAMETER")
        assert error["details"] == {"parameter": "session_id", "value": session_id}
    finally:
        await rest.post(f"/v1/sessions/{session_id}/stop", headers=caller.headers, json={})
        await rest.post(
            f"/v1/devices/{board['device_id']}/disconnect", headers=caller.headers, json={}
        )


# ---------------------------------------------------------------- gRPC stream


def grpc_block(
    recording: Recording, values: np.ndarray, at: datetime, sequence: int, ingestion_id: str = ""
) -> neural_pb2.IngestNeuralDataRequest:
    stamp = timestamp_pb2.Timestamp()
    stamp.FromDatetime(at)
    return neural_pb2.IngestNeuralDataRequest(
        device_id=recording.device_id,
        session_id=recording.session_id,
        timestamp=stamp,
        data=neural_pb2.IngestData(
            samples_f32=values.astype("<f4").tobytes(), sample_rate=RATE, channels=CHANNELS
        ),
        metadata=neural_pb2.IngestMetadata(task="resting state"),
        ingestion_id=ingestion_id,
        sequence=sequence,
    )


async def wait_for_subscriber(stack: Stack, recording: Recording, deadline: float = 10.0) -> None:
    """Returns once the device's stream has a live subscriber."""
    stub = device_control_pb2_grpc.DeviceControlStub(stack.channel())
    request = dc.GetDeviceStatusRequest(device_id=recording.device_id)
    async with asyncio.timeout(deadline):
        while True:
            reply = await stub.GetDeviceStatus(request, metadata=recording.caller.metadata)
            if reply.metrics.subscribers:
                return
            await asyncio.sleep(0.05)


async def collect(
    packets: AsyncIterator[neural_pb2.NeuralDataPacket], count: int
) -> list[neural_pb2.NeuralDataPacket]:
    """Packets until they hold ``count`` samples (or the stream ends)."""
    received, total = [], 0
    async for packet in packets:
        received.append(packet)
        total += packet.sample_count
        if total >= count or packet.HasField("end"):
            break
    return received


async def test_streamed_ingestion_is_counted_and_reaches_live_subscribers_exactly(
    stack: Stack, new_caller: NewCaller, rest: httpx.AsyncClient
):
    recording = await external_recording(rest, await new_caller())
    neural = neural_pb2_grpc.NeuralServiceStub(stack.channel())
    subscriber = neural.StreamNeuralData(
        neural_pb2.StreamRequest(session_id=recording.session_id, block_size=16),
        metadata=recording.caller.metadata,
    )
    await wait_for_subscriber(stack, recording)
    blocks = [samples(40, seed) for seed in range(5)]
    requests = [
        grpc_block(recording, block, START + timedelta(seconds=index * 40 / RATE), index)
        for index, block in enumerate(blocks)
    ]
    requests.insert(3, requests[1])  # a retried block

    try:
        reply = await neural.IngestNeuralDataStream(
            iter(requests), metadata=recording.caller.metadata
        )
        packets = await asyncio.wait_for(collect(subscriber, 200), 15)
    finally:
        subscriber.cancel()

    assert reply.status == "accepted"
    assert (reply.messages, reply.samples, reply.duplicates) == (6, 200, 1)
    assert reply.processing_time_ms > 0
    expected = np.concatenate(blocks).astype(np.float64)
    received = np.concatenate(
        [np.asarray(p.samples).reshape(p.sample_count, len(CHANNELS)) for p in packets]
    )
    np.testing.assert_array_equal(received, expected)  # in order, none twice, float32 exact
    indices = [p.first_sample_index for p in packets]
    counts = [p.sample_count for p in packets]
    assert indices == list(np.cumsum([0, *counts[:-1]]))  # contiguous from the first
    assert all(list(p.channel_numbers) == [1, 2, 3] for p in packets)
    assert all(p.sample_rate == RATE and p.session_id == recording.session_id for p in packets)
    stamps = np.concatenate([p.timestamps for p in packets])
    np.testing.assert_allclose(stamps, START.timestamp() + np.arange(200) / RATE, atol=1e-6)
    assert await data_points(rest, recording) == 200


async def test_a_block_of_more_than_four_million_values_is_refused(
    stack: Stack, new_caller: NewCaller, rest: httpx.AsyncClient
):
    recording = await external_recording(rest, await new_caller())
    huge = np.zeros((1_333_335, len(CHANNELS)), dtype=np.float32)  # 4,000,005 values
    neural = neural_pb2_grpc.NeuralServiceStub(stack.channel())

    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await neural.IngestNeuralData(
            grpc_block(recording, huge, START, 0), metadata=recording.caller.metadata
        )

    assert refused.value.code() in (
        grpc.StatusCode.INVALID_ARGUMENT,
        grpc.StatusCode.RESOURCE_EXHAUSTED,
    )
    assert await data_points(rest, recording) == 0


async def test_exported_csv_holds_the_ingested_values(
    new_caller: NewCaller, rest: httpx.AsyncClient
):
    recording = await external_recording(rest, await new_caller())
    values = np.concatenate([samples(30, 7), samples(20, 8)])
    await ingest(rest, recording, recording.body(values[:30]))
    await ingest(rest, recording, recording.body(values[30:], START + timedelta(seconds=30 / RATE)))

    reply = await rest.get(
        f"/v1/sessions/{recording.session_id}/export",
        params={"format": "csv"},
        headers=recording.caller.headers,
    )

    assert reply.status_code == 200, reply.text
    assert reply.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(reply.text)))
    assert [int(row["sample_index"]) for row in rows] == list(range(50))
    exported = np.array([[float(row[name]) for name in CHANNELS] for row in rows])
    np.testing.assert_array_equal(exported, values.astype(np.float64))
    stamps = np.array([float(row["timestamp"]) for row in rows])
    np.testing.assert_allclose(stamps, START.timestamp() + np.arange(50) / RATE, atol=1e-6)


# ---------------------------------------------------------------- privacy


async def test_the_raw_subject_id_is_never_given_back_or_stored(
    stack: Stack, new_caller: NewCaller, rest: httpx.AsyncClient
):
    caller = await new_caller()
    subject = f"Jane Doe {uuid.uuid4().hex}"
    first = await external_recording(rest, caller, subject_id=subject)
    second = await external_recording(rest, caller, subject_id=subject)
    someone_else = await external_recording(rest, caller, subject_id=f"John Roe {uuid.uuid4()}")
    body = first.body(samples(300))
    body["metadata"] = {"task": "resting state", "subject_id": subject}
    assert (await ingest(rest, first, body)).json()["status"] == "accepted"

    sessions = [
        (await rest.get(f"/v1/sessions/{r.session_id}", headers=caller.headers))
        for r in (first, second, someone_else)
    ]
    listed = await rest.get("/v1/sessions", headers=caller.headers)
    exports = [
        await rest.get(
            f"/v1/sessions/{first.session_id}/export",
            params={"format": kind},
            headers=caller.headers,
        )
        for kind in ("csv", "edf")
    ]

    pseudonyms = [reply.json()["subject_pseudonym"] for reply in sessions]
    assert pseudonyms[0] == pseudonyms[1] != pseudonyms[2]
    assert all(p.startswith("sub_") and len(p) == 36 for p in pseudonyms)
    for reply in [*sessions, listed, *exports]:
        assert reply.status_code == 200, reply.text
        assert subject.encode() not in reply.content
        assert subject.replace(" ", "_").encode() not in reply.content  # EDF header spelling
    assert pseudonyms[0].encode() in exports[1].content  # the EDF patient code
    database = list(stack.settings.data_dir.glob("neurogate.db*"))
    assert database
    assert all(subject.encode() not in path.read_bytes() for path in database)
    assert subject not in stack.server_log()
