"""Recording sessions end to end: record a real synthetic board, stop, list,
export (CSV, EDF+, BrainFlow), replay through the playback board, survive a
server that dies, and keep subject ids out of storage."""

from __future__ import annotations

import asyncio
import signal
import time
from pathlib import Path

import grpc
import httpx
import numpy as np
import pyedflib
import pytest

from conftest import Caller, NewCaller, Stack, assert_envelope, grpc_token, server_process
from neurogate.server.auth.tiers import Tier
from neurogate.v1 import device_control_pb2 as dc
from neurogate.v1 import device_control_pb2_grpc, neural_pb2, neural_pb2_grpc


async def synthetic_device(rest: httpx.AsyncClient, caller: Caller) -> str:
    devices = (await rest.get("/v1/devices", headers=caller.headers)).json()["devices"]
    return devices[0]["device_id"]


async def record(rest: httpx.AsyncClient, caller: Caller, seconds: float, **fields) -> dict:
    """A session of the synthetic board (channels 1-4), stopped after ``seconds``."""
    device_id = fields.pop("device_id", None) or await synthetic_device(rest, caller)
    await rest.patch(
        f"/v2/devices/{device_id}/config", headers=caller.headers, json={"channels": [1, 2, 3, 4]}
    )
    created = await rest.post(
        "/v1/sessions", headers=caller.headers, json={"device_id": device_id, **fields}
    )
    assert created.status_code == 200, created.text
    session = created.json()
    await asyncio.sleep(seconds / 2)
    marker = await rest.post(
        f"/v1/devices/{device_id}/markers",
        headers=caller.headers,
        json={"type": "stimulus", "metadata": {"side": "left"}},
    )
    assert marker.status_code == 200, marker.text
    await asyncio.sleep(seconds / 2)
    stopped = await rest.post(
        f"/v1/sessions/{session['session_id']}/stop", headers=caller.headers, json={}
    )
    assert stopped.status_code == 200, stopped.text
    return {**session, **stopped.json()}


async def export(
    rest: httpx.AsyncClient, caller: Caller, session_id: str, fmt: str
) -> httpx.Response:
    reply = await rest.get(
        f"/v1/sessions/{session_id}/export", params={"format": fmt}, headers=caller.headers
    )
    assert reply.status_code == 200, reply.text
    return reply


def csv_rows(text: str) -> tuple[list[str], np.ndarray, np.ndarray, list[str]]:
    lines = text.splitlines()
    header = lines[0].split(",")
    rows = [line.split(",") for line in lines[1:]]
    stamps = np.array([float(r[1]) for r in rows])
    values = np.array([[float(v) for v in r[2:-1]] for r in rows])
    return header, stamps, values, [r[-1] for r in rows]


async def test_a_session_records_the_device_stream_until_stopped(
    new_caller: NewCaller, rest: httpx.AsyncClient
):
    caller = await new_caller()
    began = time.monotonic()
    session = await record(
        rest, caller, 2.0, subject_id="s-01", experiment_type="rest", tags=["pilot"]
    )
    elapsed = time.monotonic() - began
    fetched = (
        await rest.get(f"/v1/sessions/{session['session_id']}", headers=caller.headers)
    ).json()
    assert fetched["status"] == "stopped"
    assert fetched["channel_numbers"] == [1, 2, 3, 4]
    assert 0.8 * 250 * elapsed < fetched["data_points"] <= 250 * elapsed + 50
    assert fetched["duration_seconds"] == fetched["data_points"] / 250
    assert fetched["end_time"] > fetched["start_time"]
    assert 0 <= fetched["quality_metrics"]["artifact_percentage"] <= 100
    assert fetched["tags"] == ["pilot"] and fetched["experiment_type"] == "rest"

    header, stamps, values, markers = csv_rows(
        (await export(rest, caller, session["session_id"], "csv")).text
    )
    assert header == ["sample_index", "timestamp", "Fz", "C3", "Cz", "C4", "marker"]
    assert len(values) == fetched["data_points"]
    assert np.all(np.diff(stamps) > 0)
    assert markers.count("stimulus") == 1


async def test_the_edf_export_carries_channels_rate_and_markers(
    new_caller: NewCaller, rest: httpx.AsyncClient, tmp_path: Path
):
    caller = await new_caller()
    session = await record(rest, caller, 2.0)
    reply = await export(rest, caller, session["session_id"], "edf")
    assert f"{session['session_id']}.edf" in reply.headers["content-disposition"]
    path = tmp_path / "recording.edf"
    path.write_bytes(reply.content)
    _, _, values, markers = csv_rows(
        (await export(rest, caller, session["session_id"], "csv")).text
    )
    with pyedflib.EdfReader(str(path)) as edf:
        assert edf.getSignalLabels() == ["Fz", "C3", "Cz", "C4"]
        assert edf.getSampleFrequency(0) == 250
        onsets, _, descriptions = edf.readAnnotations()
        first = edf.readSignal(0)[: len(values)]
    assert any(d.startswith("stimulus") for d in descriptions)
    marker_row = markers.index("stimulus")
    assert (
        abs(
            onsets[
                list(descriptions).index(next(d for d in descriptions if d.startswith("stimulus")))
            ]
            - marker_row / 250
        )
        < 1 / 250 + 1e-4
    )
    assert np.allclose(first, values[:, 0], atol=np.ptp(values[:, 0]) / 65534 + 1e-3)


async def test_a_recording_exported_as_brainflow_replays_the_same_samples(
    stack: Stack, new_caller: NewCaller, rest: httpx.AsyncClient
):
    caller = await new_caller()
    session = await record(rest, caller, 2.0)
    _, _, recorded, _ = csv_rows((await export(rest, caller, session["session_id"], "csv")).text)
    brainflow = await export(rest, caller, session["session_id"], "brainflow")
    assert len(brainflow.content.splitlines()) == len(recorded)

    player = await rest.post(
        "/v1/devices",
        headers=caller.headers,
        json={
            "name": "replay",
            "type": "playback_file",
            "params": {"session_id": session["session_id"]},
        },
    )
    assert player.status_code == 200, player.text
    player_id = player.json()["device_id"]
    await rest.post(
        f"/v1/devices/{player_id}/stream/start",
        headers=caller.headers,
        json={"channels": [1, 2, 3, 4]},
    )
    stub = neural_pb2_grpc.NeuralServiceStub(stack.channel())
    call = stub.StreamNeuralData(
        neural_pb2.StreamRequest(device_id=player_id, block_size=50), metadata=caller.metadata
    )
    packets = [packet async for packet in call]
    assert packets[-1].end.reason == "playback_finished"
    replayed = np.concatenate(
        [np.asarray(p.samples).reshape(p.sample_count, 4) for p in packets if p.sample_count]
    )
    # The subscriber may join a few samples in: compare from where it joined.
    start = packets[0].first_sample_index
    assert start < 25
    assert len(replayed) == len(recorded) - start
    assert np.allclose(replayed, recorded[start:], atol=1e-5)
    status = (await rest.get(f"/v1/devices/{player_id}", headers=caller.headers)).json()
    assert status["status"] == "disconnected"


async def test_one_session_per_device_at_a_time(new_caller: NewCaller, rest: httpx.AsyncClient):
    caller = await new_caller()
    device_id = await synthetic_device(rest, caller)
    first = await rest.post("/v1/sessions", headers=caller.headers, json={"device_id": device_id})
    assert first.status_code == 200
    second = await rest.post("/v1/sessions", headers=caller.headers, json={"device_id": device_id})
    assert_envelope(second, 409, "DEVICE_BUSY")
    busy = await rest.delete(f"/v1/sessions/{first.json()['session_id']}", headers=caller.headers)
    assert_envelope(busy, 409, "DEVICE_BUSY")
    deleting_device = await rest.delete(f"/v1/devices/{device_id}", headers=caller.headers)
    assert_envelope(deleting_device, 409, "DEVICE_BUSY")
    await rest.post(
        f"/v1/sessions/{first.json()['session_id']}/stop", headers=caller.headers, json={}
    )
    deleted = await rest.delete(
        f"/v1/sessions/{first.json()['session_id']}", headers=caller.headers
    )
    assert deleted.status_code == 200
    gone = await rest.get(f"/v1/sessions/{first.json()['session_id']}", headers=caller.headers)
    assert_envelope(gone, 404, "SESSION_NOT_FOUND")


async def test_stopping_the_stream_stops_its_session(
    new_caller: NewCaller, rest: httpx.AsyncClient
):
    caller = await new_caller()
    device_id = await synthetic_device(rest, caller)
    session = (
        await rest.post("/v1/sessions", headers=caller.headers, json={"device_id": device_id})
    ).json()
    await asyncio.sleep(0.5)
    await rest.post(f"/v1/devices/{device_id}/stream/stop", headers=caller.headers, json={})
    for _ in range(50):
        fetched = (
            await rest.get(f"/v1/sessions/{session['session_id']}", headers=caller.headers)
        ).json()
        if fetched["status"] != "recording":
            break
        await asyncio.sleep(0.05)
    assert fetched["status"] == "stopped"
    assert fetched["data_points"] > 0


@pytest.mark.parametrize(
    ("payload", "status", "code", "parameter"),
    [
        ({"device_id": "dev_missing"}, 404, "DEVICE_NOT_FOUND", "device_id"),
        ({"duration_minutes": 100_000}, 400, "INVALID_PARAMETER", "duration_minutes"),
        ({"tags": [""]}, 400, "INVALID_PARAMETER", "tags"),
        ({"subject_id": "x" * 201}, 400, "INVALID_PARAMETER", "subject_id"),
        ({"dataset_id": "ds_missing"}, 404, "INVALID_DATASET", "dataset_id"),
    ],
)
async def test_bad_session_requests_are_refused_and_record_nothing(
    payload: dict,
    status: int,
    code: str,
    parameter: str,
    new_caller: NewCaller,
    rest: httpx.AsyncClient,
):
    caller = await new_caller()
    device_id = await synthetic_device(rest, caller)
    reply = await rest.post(
        "/v1/sessions", headers=caller.headers, json={"device_id": device_id, **payload}
    )
    assert assert_envelope(reply, status, code)["details"]["parameter"] == parameter
    listed = (await rest.get("/v1/sessions", headers=caller.headers)).json()
    assert listed["total"] == 0


async def test_sessions_are_listed_with_filters_and_pages(
    new_caller: NewCaller, rest: httpx.AsyncClient
):
    caller = await new_caller()
    first = await record(rest, caller, 0.4, tags=["a"])
    second = await record(rest, caller, 0.4, tags=["b"])
    everything = (await rest.get("/v1/sessions", headers=caller.headers)).json()
    assert [s["session_id"] for s in everything["sessions"]] == [
        second["session_id"],
        first["session_id"],
    ]
    tagged = (await rest.get("/v1/sessions?tag=a", headers=caller.headers)).json()
    assert [s["session_id"] for s in tagged["sessions"]] == [first["session_id"]]
    stopped = (
        await rest.get("/v1/sessions?status=stopped&page_size=1", headers=caller.headers)
    ).json()
    assert stopped["total"] == 2 and len(stopped["sessions"]) == 1
    following = (
        await rest.get(
            "/v1/sessions",
            headers=caller.headers,
            params={"status": "stopped", "page_size": 1, "page_token": stopped["next_page_token"]},
        )
    ).json()
    assert following["sessions"][0]["session_id"] == first["session_id"]
    later = (
        await rest.get(
            "/v1/sessions", headers=caller.headers, params={"started_after": second["start_time"]}
        )
    ).json()
    assert [s["session_id"] for s in later["sessions"]] == [second["session_id"]]
    bad = await rest.get("/v1/sessions?status=paused", headers=caller.headers)
    assert assert_envelope(bad, 400, "INVALID_PARAMETER")["details"]["valid_choices"]


async def test_another_accounts_session_is_404(new_caller: NewCaller, rest: httpx.AsyncClient):
    owner, other = await new_caller(), await new_caller()
    session = await record(rest, owner, 0.4)
    for method, path in (
        ("GET", ""),
        ("POST", "/stop"),
        ("GET", "/export?format=csv"),
        ("DELETE", ""),
    ):
        reply = await rest.request(
            method,
            f"/v1/sessions/{session['session_id']}{path}",
            headers=other.headers,
            json={} if method == "POST" else None,
        )
        assert_envelope(reply, 404, "SESSION_NOT_FOUND")


async def test_subject_ids_are_pseudonymised_and_never_stored(
    stack: Stack, new_caller: NewCaller, rest: httpx.AsyncClient
):
    caller = await new_caller()
    first = await record(rest, caller, 0.4, subject_id="patient-secret-4711")
    second = await record(rest, caller, 0.4, subject_id="patient-secret-4711")
    third = await record(rest, caller, 0.4, subject_id="someone-else")
    assert first["subject_pseudonym"].startswith("sub_")
    assert first["subject_pseudonym"] == second["subject_pseudonym"]
    assert third["subject_pseudonym"] != first["subject_pseudonym"]
    exported = await export(rest, caller, first["session_id"], "edf")
    stored = b"".join(path.read_bytes() for path in stack.settings.data_dir.glob("neurogate.db*"))
    for place in (stored, exported.content, stack.server_log().encode()):
        assert b"patient-secret-4711" not in place


async def test_a_session_of_a_server_that_died_is_interrupted_with_its_committed_data(
    tmp_path: Path,
):
    async with server_process(tmp_path / "data") as first_server:
        account = await first_server.accounts.create_account("crash", Tier.PRO)
        async with grpc.aio.insecure_channel(first_server.settings.grpc_target) as channel:
            metadata = (("authorization", f"Bearer {await grpc_token(channel, account)}"),)
            device_id = (
                (
                    await device_control_pb2_grpc.DeviceControlStub(channel).ListDevices(
                        dc.ListDevicesRequest(), metadata=metadata
                    )
                )
                .devices[0]
                .device_id
            )
            session = await neural_pb2_grpc.NeuralServiceStub(channel).CreateSession(
                neural_pb2.CreateSessionRequest(device_id=device_id), metadata=metadata
            )
            await asyncio.sleep(2.5)  # a couple of chunks committed
        first_server.process.send_signal(signal.SIGKILL)
        first_server.process.wait(10)
    async with (
        server_process(tmp_path / "data") as second_server,
        grpc.aio.insecure_channel(second_server.settings.grpc_target) as channel,
    ):
        metadata = (("authorization", f"Bearer {await grpc_token(channel, account)}"),)
        fetched = await neural_pb2_grpc.NeuralServiceStub(channel).GetSession(
            neural_pb2.GetSessionRequest(session_id=session.session_id), metadata=metadata
        )
    assert fetched.status == "interrupted"
    assert fetched.data_points >= 250


async def test_a_board_that_goes_silent_is_reported_lost_and_disconnected(
    stack: Stack, new_caller: NewCaller, rest: httpx.AsyncClient
):
    """A streaming board whose producer stops: the stream ends with reason
    device_lost, the Control stream hears board_lost, the device is
    disconnected and a session recording it is interrupted."""
    from neurogate.server.devices.brainflow_runtime import ensure_brainflow

    ensure_brainflow()
    from brainflow.board_shim import BoardIds, BoardShim, BrainFlowInputParams

    caller = await new_caller()
    port = 6600 + int(time.time() * 1000) % 300
    producer_params = BrainFlowInputParams()
    producer_params.other_info = f"producer-{port}"
    producer = BoardShim(BoardIds.SYNTHETIC_BOARD, producer_params)
    producer.prepare_session()
    try:
        producer.start_stream(45000, f"streaming_board://225.1.1.1:{port}")
        device = (
            await rest.post(
                "/v1/devices",
                headers=caller.headers,
                json={
                    "name": "remote",
                    "type": "streaming_board",
                    "params": {"ip_address": "225.1.1.1", "ip_port": port},
                },
            )
        ).json()
        device_id = device["device_id"]
        session = (
            await rest.post("/v1/sessions", headers=caller.headers, json={"device_id": device_id})
        ).json()
        control = device_control_pb2_grpc.DeviceControlStub(stack.channel()).Control(
            metadata=caller.metadata
        )
        await control.write(
            dc.ControlRequest(command_id="watch", device_id=device_id, ping=dc.PingCommand())
        )
        stream = neural_pb2_grpc.NeuralServiceStub(stack.channel()).StreamNeuralData(
            neural_pb2.StreamRequest(device_id=device_id), metadata=caller.metadata
        )
        first = await anext(aiter(stream))
        assert first.sample_count > 0
        producer.stop_stream()
        rest_of_stream = []
        try:
            async for packet in stream:
                rest_of_stream.append(packet)
        except grpc.aio.AioRpcError as error:
            assert error.code() is grpc.StatusCode.UNAVAILABLE
        assert rest_of_stream[-1].end.reason == "device_lost"
        events = []
        while not any(e == "board_lost" for e in events):
            response = await asyncio.wait_for(control.read(), 5)
            if response.HasField("event"):
                events.append(response.event.type)
        await control.done_writing()
    finally:
        producer.release_session()
        del producer  # BrainFlow's finaliser must not run at interpreter exit
    fetched = (await rest.get(f"/v1/devices/{device_id}", headers=caller.headers)).json()
    assert fetched["status"] == "disconnected"
    recorded = (
        await rest.get(f"/v1/sessions/{session['session_id']}", headers=caller.headers)
    ).json()
    assert recorded["status"] == "interrupted" and recorded["data_points"] > 0
