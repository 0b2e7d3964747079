"""NeuralService.AnalyzeData over gRPC: band powers and signal quality of a
device's last seconds or of a session's recording, from a real synthetic
board; every refusal in the documented error (code and details in the
``x-neurogate-error`` trailer)."""

from __future__ import annotations

import asyncio
import json

import grpc
import httpx
import pytest
from google.protobuf.json_format import MessageToDict

from conftest import Caller, NewCaller, Stack
from neurogate.server.signal.bands import DEFAULT_BANDS
from neurogate.server.signal.quality import QUALITY_LEVELS
from neurogate.v1 import neural_pb2, neural_pb2_grpc


async def streaming_board(rest: httpx.AsyncClient, caller: Caller, channels: list[int]) -> str:
    """The caller's synthetic board, streaming ``channels`` for a second."""
    devices = (await rest.get("/v1/devices", headers=caller.headers)).json()["devices"]
    device_id = devices[0]["device_id"]
    started = await rest.post(
        f"/v1/devices/{device_id}/stream/start",
        headers=caller.headers,
        json={"channels": channels},
    )
    assert started.status_code == 200, started.text
    await asyncio.sleep(1.2)
    return device_id


async def analyze(stack: Stack, caller: Caller, **request) -> dict:
    stub = neural_pb2_grpc.NeuralServiceStub(stack.channel())
    result = await stub.AnalyzeData(neural_pb2.AnalysisRequest(**request), metadata=caller.metadata)
    assert result.analysis_type == request["analysis_type"]
    assert result.HasField("computed_at")
    return MessageToDict(result.results)


async def refused(stack: Stack, caller: Caller, **request) -> tuple[grpc.StatusCode, dict]:
    """The status code and the error of a refused request."""
    stub = neural_pb2_grpc.NeuralServiceStub(stack.channel())
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await stub.AnalyzeData(neural_pb2.AnalysisRequest(**request), metadata=caller.metadata)
    error = json.loads(dict(raised.value.trailing_metadata())["x-neurogate-error"])["error"]
    return raised.value.code(), error


async def test_band_power_of_a_devices_last_second_covers_each_channel_and_band(
    stack: Stack, new_caller: NewCaller, rest: httpx.AsyncClient
):
    caller = await new_caller()
    device_id = await streaming_board(rest, caller, [1, 2, 3])

    results = await analyze(
        stack,
        caller,
        device_id=device_id,
        analysis_type="band_power",
        channels=[3, 1],
        window_seconds=1.0,
    )

    assert [c["channel"] for c in results["channels"]] == [3, 1]
    for channel in results["channels"]:
        assert set(channel["absolute"]) == {name for name, _, _ in DEFAULT_BANDS}
        assert all(power >= 0 for power in channel["absolute"].values())
        assert sum(channel["relative"].values()) == pytest.approx(1.0)
    assert results["window_seconds"] == pytest.approx(1.0, abs=0.01)
    assert results["method"].startswith("welch")


async def test_signal_quality_of_a_sessions_recording_grades_every_channel(
    stack: Stack, new_caller: NewCaller, rest: httpx.AsyncClient
):
    caller = await new_caller()
    device_id = await streaming_board(rest, caller, [1, 2])
    created = await rest.post(
        "/v1/sessions",
        headers=caller.headers,
        json={"device_id": device_id, "subject_id": "s-1", "experiment_type": "rest"},
    )
    assert created.status_code == 200, created.text
    await asyncio.sleep(1.0)

    results = await analyze(
        stack, caller, session_id=created.json()["session_id"], analysis_type="signal_quality"
    )

    assert results["overall"] in QUALITY_LEVELS
    assert [c["channel"] for c in results["channels"]] == [1, 2]
    assert all(c["quality"] in QUALITY_LEVELS and c["rms_uv"] > 0 for c in results["channels"])
    assert 0.5 <= results["window_seconds"] <= 4.0


@pytest.mark.parametrize(
    ("request_fields", "status", "code", "parameter"),
    [
        ({"analysis_type": "coherence"}, "INVALID_ARGUMENT", "INVALID_PARAMETER", "analysis_type"),
        (
            {"analysis_type": "band_power", "window_seconds": 0.1},
            "INVALID_ARGUMENT",
            "INVALID_PARAMETER",
            "window_seconds",
        ),
        (
            {"analysis_type": "band_power", "channels": [1, 9]},
            "INVALID_ARGUMENT",
            "INVALID_CONFIGURATION",
            "channels",
        ),
    ],
)
async def test_bad_analysis_requests_are_refused_naming_the_parameter(
    request_fields: dict,
    status: str,
    code: str,
    parameter: str,
    stack: Stack,
    new_caller: NewCaller,
    rest: httpx.AsyncClient,
):
    caller = await new_caller()
    device_id = await streaming_board(rest, caller, [1, 2])

    got, error = await refused(stack, caller, device_id=device_id, **request_fields)

    assert got is getattr(grpc.StatusCode, status)
    assert error["code"] == code
    assert error["details"]["parameter"] == parameter


async def test_the_unknown_channel_is_named_with_the_valid_choices(
    stack: Stack, new_caller: NewCaller, rest: httpx.AsyncClient
):
    caller = await new_caller()
    device_id = await streaming_board(rest, caller, [1, 2])

    _, error = await refused(
        stack, caller, device_id=device_id, analysis_type="signal_quality", channels=[9]
    )

    assert error["details"]["value"] == 9
    assert error["details"]["valid_choices"] == [1, 2]


async def test_a_device_without_recent_samples_is_stream_unavailable(
    stack: Stack, new_caller: NewCaller, rest: httpx.AsyncClient
):
    caller = await new_caller()
    devices = (await rest.get("/v1/devices", headers=caller.headers)).json()["devices"]

    got, error = await refused(
        stack, caller, device_id=devices[0]["device_id"], analysis_type="band_power"
    )

    assert got is grpc.StatusCode.FAILED_PRECONDITION
    assert error["code"] == "STREAM_UNAVAILABLE"


async def test_another_accounts_device_and_session_are_not_found(
    stack: Stack, new_caller: NewCaller, rest: httpx.AsyncClient
):
    owner, other = await new_caller(), await new_caller()
    device_id = await streaming_board(rest, owner, [1])
    session = await rest.post("/v1/sessions", headers=owner.headers, json={"device_id": device_id})
    assert session.status_code == 200, session.text

    for target in ({"device_id": device_id}, {"session_id": session.json()["session_id"]}):
        got, error = await refused(stack, other, analysis_type="band_power", **target)
        assert got is grpc.StatusCode.NOT_FOUND
        assert error["code"] in ("DEVICE_NOT_FOUND", "SESSION_NOT_FOUND")
