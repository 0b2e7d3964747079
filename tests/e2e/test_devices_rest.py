"""The device registry and device configuration over REST through Envoy:
listing, registering each device type (every refusal stores nothing),
deletion, tenancy, connecting, starting and stopping streams, status,
field-mask configuration updates and markers."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import numpy as np
import pytest
import pytest_asyncio

from conftest import Caller, NewCaller, Stack, assert_envelope
from neurogate.server.devices.brainflow_runtime import ensure_brainflow

SYNTHETIC_NAMES = [
    *("Fz", "C3", "Cz", "C4", "Pz", "PO7", "Oz", "PO8"),
    *("F5", "F7", "F3", "F1", "F2", "F4", "F6", "F8"),
]
GRADES = {"excellent", "good", "fair", "poor"}
NO_FILTERS = {"notch": 0, "bandpass": [], "highpass": 0, "lowpass": 0}


async def list_devices(rest: httpx.AsyncClient, caller: Caller, version: str = "v1") -> list[dict]:
    reply = await rest.get(f"/{version}/devices", headers=caller.headers)
    assert reply.status_code == 200, reply.text
    return reply.json()["devices"]


async def register(
    rest: httpx.AsyncClient, caller: Caller, device_type: str, name: str = "test", **params: object
) -> httpx.Response:
    return await rest.post(
        "/v1/devices",
        headers=caller.headers,
        json={"name": name, "type": device_type, "params": params},
    )


async def status(rest: httpx.AsyncClient, caller: Caller, device_id: str) -> dict:
    reply = await rest.get(f"/v1/devices/{device_id}/status", headers=caller.headers)
    assert reply.status_code == 200, reply.text
    return reply.json()


async def start_stream(
    rest: httpx.AsyncClient, caller: Caller, device_id: str, version: str = "v1", **config: object
) -> httpx.Response:
    return await rest.post(
        f"/{version}/devices/{device_id}/stream/start", headers=caller.headers, json=config
    )


async def patch_config(
    rest: httpx.AsyncClient, caller: Caller, device_id: str, mask: str, config: dict
) -> httpx.Response:
    return await rest.patch(
        f"/v2/devices/{device_id}/config",
        headers=caller.headers,
        params={"update_mask": mask},
        json=config,
    )


@dataclass(frozen=True)
class Board:
    """An account and its synthetic board."""

    caller: Caller
    device_id: str


@pytest_asyncio.fixture
async def board(new_caller: NewCaller, rest: httpx.AsyncClient) -> AsyncIterator[Board]:
    """A fresh account's synthetic board, disconnected again after the test."""
    caller = await new_caller()
    device_id = (await list_devices(rest, caller))[0]["device_id"]
    yield Board(caller, device_id)
    await rest.post(f"/v1/devices/{device_id}/disconnect", headers=caller.headers, json={})


# ---------------------------------------------------------------- registry


async def test_every_account_lists_its_synthetic_board_on_v1_and_v2(
    new_caller: NewCaller, rest: httpx.AsyncClient
):
    caller = await new_caller()

    v1, v2 = await list_devices(rest, caller, "v1"), await list_devices(rest, caller, "v2")

    assert v1 == v2
    [device] = v1
    assert device["device_id"].startswith("dev_")
    assert (device["type"], device["status"], device["sample_rate"]) == (
        "synthetic",
        "disconnected",
        250,
    )
    assert device["channels"] == [
        {"channel_number": number, "name": name, "type": "eeg"}
        for number, name in enumerate(SYNTHETIC_NAMES, start=1)
    ]


async def test_get_device_adds_params_and_the_stream_config_on_v1_and_v2(
    board: Board, rest: httpx.AsyncClient
):
    v1 = await rest.get(f"/v1/devices/{board.device_id}", headers=board.caller.headers)
    v2 = await rest.get(f"/v2/devices/{board.device_id}", headers=board.caller.headers)

    assert v1.status_code == 200, v1.text
    assert v1.json() == v2.json()
    device = v1.json()
    assert (device["device_id"], device["type"], device["status"]) == (
        board.device_id,
        "synthetic",
        "disconnected",
    )
    assert [c["name"] for c in device["channels"]] == SYNTHETIC_NAMES
    assert device["params"] == {}
    assert device["config"] == {
        "channels": list(range(1, 17)),
        "sample_rate": 250,
        "filters": NO_FILTERS,
    }


def _write_brainflow_file(stack: Stack, name: str) -> None:
    """A real BrainFlow file (synthetic board layout) in the playback dir."""
    ensure_brainflow()
    from brainflow.data_filter import DataFilter

    directory = stack.settings.resolved_playback_dir
    directory.mkdir(parents=True, exist_ok=True)
    rows = np.zeros((32, 50))
    rows[30] = time.time() + np.arange(50) / 250
    DataFilter.write_file(rows, str(directory / name), "w")


REGISTRATIONS = [
    pytest.param("synthetic", {}, {}, 16, 250, SYNTHETIC_NAMES, id="synthetic"),
    pytest.param(
        "external",
        {"sample_rate": 256, "channels": ["Fz", "Cz", "Pz"]},
        {"sample_rate": 256, "channels": ["Fz", "Cz", "Pz"]},
        3,
        256,
        ["Fz", "Cz", "Pz"],
        id="external with channel names",
    ),
    pytest.param(
        "external",
        {"sample_rate": 500, "channel_count": 4},
        {"sample_rate": 500, "channels": ["ch1", "ch2", "ch3", "ch4"]},
        4,
        500,
        ["ch1", "ch2", "ch3", "ch4"],
        id="external with a channel count",
    ),
    pytest.param(
        "cyton",
        {"serial_port": "/dev/ttyUSB0"},
        {"serial_port": "/dev/ttyUSB0"},
        8,
        250,
        None,
        id="cyton",
    ),
    pytest.param(
        "cyton_daisy",
        {"serial_port": "COM3"},
        {"serial_port": "COM3"},
        16,
        125,
        None,
        id="cyton_daisy",
    ),
    pytest.param(
        "ganglion",
        {"serial_port": "/dev/ttyACM0"},
        {"serial_port": "/dev/ttyACM0"},
        4,
        200,
        None,
        id="ganglion with a dongle",
    ),
    pytest.param(
        "ganglion",
        {"mac_address": "00:A0:C9:14:C8:29"},
        {"mac_address": "00:A0:C9:14:C8:29"},
        4,
        200,
        None,
        id="ganglion by mac address",
    ),
    pytest.param(
        "streaming_board",
        {"ip_address": "225.1.1.1", "ip_port": 6677},
        {"ip_address": "225.1.1.1", "ip_port": 6677, "master_board": "synthetic"},
        16,
        250,
        SYNTHETIC_NAMES,
        id="streaming_board",
    ),
    pytest.param(
        "playback_file",
        {"file": "recording.csv", "loop": True},
        {"file": "recording.csv", "loop": True, "master_board": "synthetic"},
        16,
        250,
        SYNTHETIC_NAMES,
        id="playback_file",
    ),
]


@pytest.mark.parametrize(
    ("device_type", "params", "stored", "channels", "rate", "names"), REGISTRATIONS
)
async def test_each_device_type_registers_with_its_layout_and_params(
    device_type: str,
    params: dict,
    stored: dict,
    channels: int,
    rate: float,
    names: list[str] | None,
    stack: Stack,
    new_caller: NewCaller,
    rest: httpx.AsyncClient,
):
    caller = await new_caller()
    if device_type == "playback_file":
        _write_brainflow_file(stack, "recording.csv")

    reply = await register(rest, caller, device_type, name=f"my {device_type}", **params)

    assert reply.status_code == 200, reply.text
    device = reply.json()
    assert device["device_id"].startswith("dev_")
    assert (device["name"], device["type"], device["status"]) == (
        f"my {device_type}",
        device_type,
        "disconnected",
    )
    assert (len(device["channels"]), device["sample_rate"]) == (channels, rate)
    assert [c["channel_number"] for c in device["channels"]] == list(range(1, channels + 1))
    if names:
        assert [c["name"] for c in device["channels"]] == names
    listed = await list_devices(rest, caller)
    assert [d["device_id"] for d in listed][1:] == [device["device_id"]]
    fetched = (await rest.get(f"/v1/devices/{device['device_id']}", headers=caller.headers)).json()
    assert fetched["params"] == stored
    assert fetched["config"]["channels"] == list(range(1, channels + 1))


REFUSALS = [
    pytest.param("sonar", {}, "type", "sonar", id="unknown type"),
    pytest.param("", {}, "type", "", id="no type"),
    pytest.param(
        "synthetic", {"serial_port": "x"}, "params.serial_port", None, id="synthetic param"
    ),
    pytest.param(
        "external",
        {"sample_rate": 256, "channel_count": 2, "gain": 24},
        "params.gain",
        None,
        id="unknown external param",
    ),
    pytest.param("external", {"channels": ["Fz"]}, "params.sample_rate", None, id="no sample_rate"),
    pytest.param(
        "external",
        {"sample_rate": -1, "channels": ["Fz"]},
        "params.sample_rate",
        -1,
        id="negative sample_rate",
    ),
    pytest.param("external", {"sample_rate": 256}, "params.channel_count", None, id="no channels"),
    pytest.param(
        "external",
        {"sample_rate": 256, "channels": ["Fz", "Fz"]},
        "params.channels",
        None,
        id="repeated channel names",
    ),
    pytest.param("cyton", {}, "params.serial_port", None, id="cyton without serial_port"),
    pytest.param("cyton_daisy", {}, "params.serial_port", None, id="daisy without serial_port"),
    pytest.param("ganglion", {}, "params.serial_port", None, id="ganglion without port or mac"),
    pytest.param(
        "ganglion",
        {"mac_address": "00:A0:C9:14"},
        "params.mac_address",
        "00:A0:C9:14",
        id="ganglion with a bad mac",
    ),
    pytest.param(
        "streaming_board",
        {"ip_address": "10.0.0.1", "ip_port": 6677},
        "params.ip_address",
        "10.0.0.1",
        id="unicast ip_address",
    ),
    pytest.param(
        "streaming_board", {"ip_address": "225.1.1.1"}, "params.ip_port", None, id="no ip_port"
    ),
    pytest.param(
        "streaming_board",
        {"ip_address": "225.1.1.1", "ip_port": 70000},
        "params.ip_port",
        70000,
        id="ip_port out of range",
    ),
    pytest.param("playback_file", {}, "params.file", None, id="playback without a source"),
    pytest.param(
        "playback_file",
        {"file": "a.csv", "session_id": "ses_x"},
        "params.file",
        None,
        id="playback with file and session_id",
    ),
    pytest.param(
        "playback_file",
        {"file": "missing.csv"},
        "params.file",
        "missing.csv",
        id="missing playback file",
    ),
    pytest.param(
        "playback_file",
        {"file": "../etc/passwd"},
        "params.file",
        "../etc/passwd",
        id="path traversal",
    ),
    pytest.param(
        "playback_file",
        {"file": "/etc/passwd"},
        "params.file",
        "/etc/passwd",
        id="absolute path",
    ),
]


@pytest.mark.parametrize(("device_type", "params", "parameter", "value"), REFUSALS)
async def test_invalid_registrations_are_refused_naming_the_parameter_and_store_nothing(
    device_type: str,
    params: dict,
    parameter: str,
    value: object,
    new_caller: NewCaller,
    rest: httpx.AsyncClient,
):
    caller = await new_caller()
    before = await list_devices(rest, caller)

    reply = await register(rest, caller, device_type, **params)

    error = assert_envelope(reply, 400, "INVALID_PARAMETER")
    assert error["details"]["parameter"] == parameter
    if value is not None:
        assert error["details"]["value"] == value
    assert await list_devices(rest, caller) == before


async def test_unknown_type_lists_the_valid_choices(new_caller: NewCaller, rest: httpx.AsyncClient):
    caller = await new_caller()
    error = assert_envelope(await register(rest, caller, "sonar"), 400, "INVALID_PARAMETER")
    assert error["details"]["valid_choices"] == [
        "synthetic",
        "playback_file",
        "streaming_board",
        "cyton",
        "ganglion",
        "cyton_daisy",
        "external",
    ]
    assert "sonar" in error["message"]


async def test_unknown_param_is_named_in_the_message(
    new_caller: NewCaller, rest: httpx.AsyncClient
):
    caller = await new_caller()
    reply = await register(rest, caller, "cyton", serial_port="/dev/ttyUSB0", baud=115200)
    error = assert_envelope(reply, 400, "INVALID_PARAMETER")
    assert "baud" in error["message"]
    assert error["details"]["valid_choices"] == ["serial_port"]


async def test_playback_of_an_unknown_or_another_accounts_session_is_404(
    new_caller: NewCaller, rest: httpx.AsyncClient
):
    caller, other = await new_caller(), await new_caller()
    external = (await register(rest, other, "external", sample_rate=256, channel_count=1)).json()
    created = await rest.post(
        "/v1/sessions", headers=other.headers, json={"device_id": external["device_id"]}
    )
    assert created.status_code == 200, created.text
    others_session = created.json()["session_id"]
    await rest.post(f"/v1/sessions/{others_session}/stop", headers=other.headers, json={})
    before = await list_devices(rest, caller)

    for session_id in ("ses_0123456789abcdef01234567", others_session):
        reply = await register(rest, caller, "playback_file", session_id=session_id)
        error = assert_envelope(reply, 404, "SESSION_NOT_FOUND")
        assert error["details"] == {"parameter": "session_id", "value": session_id}

    assert await list_devices(rest, caller) == before


async def test_deleted_device_is_gone(new_caller: NewCaller, rest: httpx.AsyncClient):
    caller = await new_caller()
    before = await list_devices(rest, caller)
    device_id = (await register(rest, caller, "external", sample_rate=256, channel_count=2)).json()[
        "device_id"
    ]

    deleted = await rest.delete(f"/v1/devices/{device_id}", headers=caller.headers)

    assert deleted.status_code == 200, deleted.text
    assert deleted.json() == {"device_id": device_id}
    assert await list_devices(rest, caller) == before
    gone = await rest.get(f"/v1/devices/{device_id}", headers=caller.headers)
    assert assert_envelope(gone, 404, "DEVICE_NOT_FOUND")["details"]["value"] == device_id
    again = await rest.delete(f"/v1/devices/{device_id}", headers=caller.headers)
    assert_envelope(again, 404, "DEVICE_NOT_FOUND")


async def test_a_device_that_a_session_records_cannot_be_deleted_until_it_stops(
    new_caller: NewCaller, rest: httpx.AsyncClient
):
    caller = await new_caller()
    registered = await register(rest, caller, "external", sample_rate=256, channel_count=2)
    device_id = registered.json()["device_id"]
    session = await rest.post("/v1/sessions", headers=caller.headers, json={"device_id": device_id})
    session_id = session.json()["session_id"]

    busy = await rest.delete(f"/v1/devices/{device_id}", headers=caller.headers)
    await rest.post(f"/v1/sessions/{session_id}/stop", headers=caller.headers, json={})
    deleted = await rest.delete(f"/v1/devices/{device_id}", headers=caller.headers)

    assert assert_envelope(busy, 409, "DEVICE_BUSY")["details"] == {"device_id": device_id}
    assert deleted.status_code == 200, deleted.text
    assert [d["type"] for d in await list_devices(rest, caller)] == ["synthetic"]


async def test_another_accounts_device_is_not_found_exactly_like_a_missing_one(
    board: Board, new_caller: NewCaller, rest: httpx.AsyncClient
):
    intruder = await new_caller()
    missing = "dev_0123456789abcdef01234567"

    def calls(device_id: str) -> list[tuple[str, str, dict | None]]:
        return [
            ("GET", f"/v1/devices/{device_id}", None),
            ("GET", f"/v2/devices/{device_id}", None),
            ("GET", f"/v1/devices/{device_id}/status", None),
            ("POST", f"/v1/devices/{device_id}/connect", {}),
            ("POST", f"/v1/devices/{device_id}/stream/start", {}),
            ("POST", f"/v1/devices/{device_id}/markers", {"type": "x"}),
            ("PATCH", f"/v2/devices/{device_id}/config", {"channels": [1]}),
            ("DELETE", f"/v1/devices/{device_id}", None),
        ]

    for (method, path, body), (_, missing_path, _) in zip(
        calls(board.device_id), calls(missing), strict=True
    ):
        theirs = await rest.request(method, path, headers=intruder.headers, json=body)
        nobodys = await rest.request(method, missing_path, headers=intruder.headers, json=body)
        error = assert_envelope(theirs, 404, "DEVICE_NOT_FOUND")
        expected = assert_envelope(nobodys, 404, "DEVICE_NOT_FOUND")
        assert error["message"] == expected["message"].replace(missing, board.device_id), path
        assert error["details"] == {"parameter": "device_id", "value": board.device_id}

    still = await list_devices(rest, board.caller)
    assert [(d["device_id"], d["status"]) for d in still] == [(board.device_id, "disconnected")]


# ---------------------------------------------------------------- hardware


@pytest.mark.parametrize(
    "port",
    [
        pytest.param("/dev/ttyNEUROGATE-missing", id="missing /dev path"),
        pytest.param("COM3", id="port name that is not a path"),
    ],
)
async def test_cyton_on_a_missing_serial_port_registers_but_cannot_connect_or_stream(
    port: str, new_caller: NewCaller, rest: httpx.AsyncClient
):
    caller = await new_caller()
    registered = await register(rest, caller, "cyton", serial_port=port)
    assert registered.status_code == 200, registered.text
    device_id = registered.json()["device_id"]

    for path in ("connect", "stream/start"):
        reply = await rest.post(f"/v1/devices/{device_id}/{path}", headers=caller.headers, json={})
        error = assert_envelope(reply, 422, "STREAM_UNAVAILABLE")
        assert port in error["message"]
        assert error["details"]["parameter"] == "params.serial_port"
        assert error["details"]["value"] == port

    after = await status(rest, caller, device_id)
    assert (after["connected"], after["streaming"], after["status"]) == (
        False,
        False,
        "disconnected",
    )


# ---------------------------------------------------------------- streams


FULL_CONFIG = {
    "channels": [1, 2, 3, 4],
    "sample_rate": 250,
    "filters": {"notch": 50, "bandpass": [1, 40], "highpass": 0.5, "lowpass": 45},
}


async def test_stream_start_answers_a_stream_id_and_the_applied_config(
    board: Board, rest: httpx.AsyncClient
):
    reply = await start_stream(rest, board.caller, board.device_id, **FULL_CONFIG)

    assert reply.status_code == 200, reply.text
    started = reply.json()
    assert started["stream_id"].startswith("str_")
    assert started["device_id"] == board.device_id
    assert (started["channels"], started["sample_rate"]) == ([1, 2, 3, 4], 250)
    assert started["filters"] == FULL_CONFIG["filters"]
    assert started["started_at"].endswith("Z")
    device = (await rest.get(f"/v1/devices/{board.device_id}", headers=board.caller.headers)).json()
    assert device["status"] == "streaming"
    assert device["config"] == FULL_CONFIG


async def test_starting_again_with_the_same_config_is_idempotent_and_another_is_busy(
    board: Board, rest: httpx.AsyncClient
):
    first = (await start_stream(rest, board.caller, board.device_id, **FULL_CONFIG)).json()

    again = await start_stream(rest, board.caller, board.device_id, **FULL_CONFIG)
    other = await start_stream(
        rest, board.caller, board.device_id, **{**FULL_CONFIG, "channels": [1, 2]}
    )

    assert again.status_code == 200, again.text
    assert again.json()["stream_id"] == first["stream_id"]
    error = assert_envelope(other, 409, "DEVICE_BUSY")
    assert error["details"]["current"]["channels"] == [1, 2, 3, 4]
    assert (await status(rest, board.caller, board.device_id))["streaming"] is True


async def test_v2_stop_ends_the_stream_and_the_v2_start_alias_starts_a_new_one(
    board: Board, rest: httpx.AsyncClient
):
    first = (await start_stream(rest, board.caller, board.device_id, channels=[1])).json()

    stopped = await rest.post(
        f"/v2/devices/{board.device_id}/stream/stop", headers=board.caller.headers, json={}
    )

    assert stopped.status_code == 200, stopped.text
    assert stopped.json()["stream_id"] == first["stream_id"]
    assert stopped.json()["stopped_at"].endswith("Z")
    after_stop = await status(rest, board.caller, board.device_id)
    assert (after_stop["status"], after_stop["streaming"], after_stop["connected"]) == (
        "connected",
        False,
        True,
    )
    restarted = await start_stream(rest, board.caller, board.device_id, "v2", channels=[1, 2])
    assert restarted.status_code == 200, restarted.text
    assert restarted.json()["stream_id"] not in ("", first["stream_id"])
    assert restarted.json()["channels"] == [1, 2]
    assert (await status(rest, board.caller, board.device_id))["status"] == "streaming"


INVALID_CONFIGS = [
    pytest.param(
        {"channels": [1, 17]},
        "channels",
        17,
        {"valid_choices": list(range(1, 17))},
        id="unknown channel",
    ),
    pytest.param(
        {"sample_rate": 500}, "sample_rate", 500, {"valid_choices": [250]}, id="unsupported rate"
    ),
    pytest.param(
        {"filters": {"bandpass": [40, 10]}},
        "filters.bandpass",
        [40, 10],
        {},
        id="bandpass low above high",
    ),
    pytest.param(
        {"filters": {"bandpass": [1, 2, 3]}},
        "filters.bandpass",
        [1, 2, 3],
        {},
        id="bandpass of three values",
    ),
    pytest.param(
        {"filters": {"lowpass": 200}},
        "filters.lowpass",
        200,
        {"valid_range": [0, 125]},
        id="lowpass above Nyquist",
    ),
    pytest.param(
        {"filters": {"notch": 125}},
        "filters.notch",
        125,
        {"valid_range": [0, 125]},
        id="notch at Nyquist",
    ),
    pytest.param({"filters": {"highpass": -1}}, "filters.highpass", -1, {}, id="negative highpass"),
]


@pytest.mark.parametrize(("config", "parameter", "value", "extra"), INVALID_CONFIGS)
async def test_impossible_stream_configs_are_invalid_configuration_and_start_nothing(
    config: dict,
    parameter: str,
    value: object,
    extra: dict,
    board: Board,
    rest: httpx.AsyncClient,
):
    reply = await start_stream(rest, board.caller, board.device_id, **config)

    error = assert_envelope(reply, 400, "INVALID_CONFIGURATION")
    assert (error["details"]["parameter"], error["details"]["value"]) == (parameter, value)
    for key, expected in extra.items():
        assert error["details"][key] == expected
    after = await status(rest, board.caller, board.device_id)
    assert (after["status"], after["streaming"]) == ("disconnected", False)


async def poll_status(
    rest: httpx.AsyncClient, caller: Caller, device_id: str, ready, deadline: float = 6.0
) -> dict:
    """The device's status once ``ready(status)`` holds (polled four times a second)."""
    give_up = time.monotonic() + deadline
    while True:
        current = await status(rest, caller, device_id)
        if ready(current) or time.monotonic() > give_up:
            return current
        await asyncio.sleep(0.25)


async def test_status_while_streaming_reports_uptime_battery_quality_and_metrics(
    board: Board, rest: httpx.AsyncClient
):
    await start_stream(rest, board.caller, board.device_id, channels=[1, 2, 3, 4])

    current = await poll_status(
        rest,
        board.caller,
        board.device_id,
        lambda s: s["uptime_seconds"] >= 1.5 and s["signal_quality"]["overall"],
    )

    assert current["device_id"] == board.device_id
    assert (current["connected"], current["streaming"], current["status"]) == (
        True,
        True,
        "streaming",
    )
    assert current["uptime_seconds"] >= 1.5
    assert 0 <= current["battery_level"] <= 100  # the synthetic board reports one
    quality = current["signal_quality"]
    assert quality["overall"] in GRADES
    assert [c["channel"] for c in quality["channels"]] == [1, 2, 3, 4]
    assert {c["quality"] for c in quality["channels"]} <= GRADES
    metrics = current["metrics"]
    assert isinstance(metrics["samples_acquired"], str)  # int64 in JSON
    assert int(metrics["samples_acquired"]) >= 250
    assert (metrics["subscribers"], metrics["dropped_samples"]) == (0, "0")
    assert metrics["measured_sample_rate"] == pytest.approx(250, rel=0.1)
    assert current["quality_method"]


async def test_a_board_without_a_battery_reading_has_no_battery_level(
    new_caller: NewCaller, rest: httpx.AsyncClient
):
    caller = await new_caller()
    registered = await register(rest, caller, "external", sample_rate=256, channel_count=2)
    device_id = registered.json()["device_id"]
    started = await start_stream(rest, caller, device_id)
    assert started.status_code == 200, started.text

    current = await status(rest, caller, device_id)

    assert (current["status"], current["streaming"]) == ("streaming", True)
    assert "battery_level" not in current
    assert current["metrics"]["samples_acquired"] == "0"  # external samples arrive by ingest


async def test_disconnect_ends_the_connection_in_the_status(board: Board, rest: httpx.AsyncClient):
    await start_stream(rest, board.caller, board.device_id, channels=[1])

    reply = await rest.post(
        f"/v1/devices/{board.device_id}/disconnect", headers=board.caller.headers, json={}
    )

    assert reply.status_code == 200, reply.text
    assert reply.json() == {"device_id": board.device_id, "status": "disconnected"}
    after = await status(rest, board.caller, board.device_id)
    assert (after["connected"], after["streaming"], after["status"]) == (
        False,
        False,
        "disconnected",
    )
    assert after["uptime_seconds"] == 0


async def test_connect_without_streaming_reports_connected(board: Board, rest: httpx.AsyncClient):
    reply = await rest.post(
        f"/v1/devices/{board.device_id}/connect", headers=board.caller.headers, json={}
    )

    assert reply.status_code == 200, reply.text
    assert reply.json() == {"device_id": board.device_id, "status": "connected"}
    current = await status(rest, board.caller, board.device_id)
    assert (current["connected"], current["streaming"], current["status"]) == (
        True,
        False,
        "connected",
    )


# ---------------------------------------------------------------- configuration


async def test_patch_with_an_update_mask_changes_only_the_named_field(
    board: Board, rest: httpx.AsyncClient
):
    update = {"channels": [1], "filters": {"notch": 60, "lowpass": 30}}

    reply = await patch_config(rest, board.caller, board.device_id, "filters.notch", update)

    assert reply.status_code == 200, reply.text
    expected = {
        "channels": list(range(1, 17)),
        "sample_rate": 250,
        "filters": {**NO_FILTERS, "notch": 60},
    }
    assert reply.json() == {"device_id": board.device_id, "config": expected}
    device = (await rest.get(f"/v2/devices/{board.device_id}", headers=board.caller.headers)).json()
    assert device["config"] == expected


async def test_patch_without_a_mask_changes_every_field_it_sets(
    board: Board, rest: httpx.AsyncClient
):
    reply = await rest.patch(
        f"/v1/devices/{board.device_id}/config",
        headers=board.caller.headers,
        json={"channels": [3, 4], "filters": {"bandpass": [8, 13]}},
    )

    assert reply.status_code == 200, reply.text
    assert reply.json()["config"] == {
        "channels": [3, 4],
        "sample_rate": 250,
        "filters": {**NO_FILTERS, "bandpass": [8, 13]},
    }


async def test_patch_without_a_mask_keeps_the_filters_it_does_not_mention(
    board: Board, rest: httpx.AsyncClient
):
    bands = {"highpass": 1, "lowpass": 40}
    await patch_config(rest, board.caller, board.device_id, "filters", {"filters": bands})

    reply = await rest.patch(
        f"/v2/devices/{board.device_id}/config",
        headers=board.caller.headers,
        json={"filters": {"notch": 50}},
    )

    assert reply.status_code == 200, reply.text
    applied = {**NO_FILTERS, **bands, "notch": 50}
    assert reply.json()["config"]["filters"] == applied
    device = (await rest.get(f"/v2/devices/{board.device_id}", headers=board.caller.headers)).json()
    assert device["config"]["filters"] == applied


async def test_patch_with_an_unknown_mask_path_is_refused_and_changes_nothing(
    board: Board, rest: httpx.AsyncClient
):
    reply = await patch_config(
        rest, board.caller, board.device_id, "filters.bandstop", {"filters": {"notch": 60}}
    )

    error = assert_envelope(reply, 400, "INVALID_PARAMETER")
    assert (error["details"]["parameter"], error["details"]["value"]) == (
        "update_mask",
        "filters.bandstop",
    )
    assert "filters.notch" in error["details"]["valid_choices"]
    device = (await rest.get(f"/v1/devices/{board.device_id}", headers=board.caller.headers)).json()
    assert device["config"]["filters"] == NO_FILTERS


async def test_patch_with_an_impossible_value_is_invalid_configuration(
    board: Board, rest: httpx.AsyncClient
):
    reply = await patch_config(
        rest, board.caller, board.device_id, "filters.lowpass", {"filters": {"lowpass": 125}}
    )

    error = assert_envelope(reply, 400, "INVALID_CONFIGURATION")
    assert error["details"]["parameter"] == "filters.lowpass"
    device = (await rest.get(f"/v1/devices/{board.device_id}", headers=board.caller.headers)).json()
    assert device["config"]["filters"] == NO_FILTERS


async def test_while_streaming_channels_are_busy_but_filters_can_change(
    board: Board, rest: httpx.AsyncClient
):
    await start_stream(rest, board.caller, board.device_id, channels=[1, 2])

    channels = await patch_config(
        rest, board.caller, board.device_id, "channels", {"channels": [1]}
    )
    filters = await patch_config(
        rest, board.caller, board.device_id, "filters", {"filters": {"notch": 50, "lowpass": 40}}
    )

    assert_envelope(channels, 409, "DEVICE_BUSY")
    assert filters.status_code == 200, filters.text
    applied = {
        "channels": [1, 2],
        "sample_rate": 250,
        "filters": {**NO_FILTERS, "notch": 50, "lowpass": 40},
    }
    assert filters.json()["config"] == applied
    device = (await rest.get(f"/v1/devices/{board.device_id}", headers=board.caller.headers)).json()
    assert (device["status"], device["config"]) == ("streaming", applied)


# ---------------------------------------------------------------- markers


async def test_marker_on_a_device_that_is_not_streaming_is_stream_unavailable(
    board: Board, rest: httpx.AsyncClient
):
    reply = await rest.post(
        f"/v1/devices/{board.device_id}/markers",
        headers=board.caller.headers,
        json={"type": "stimulus"},
    )
    assert_envelope(reply, 422, "STREAM_UNAVAILABLE")


async def test_marker_on_a_streaming_device_answers_its_id_and_time(
    board: Board, rest: httpx.AsyncClient
):
    await start_stream(rest, board.caller, board.device_id, channels=[1])

    reply = await rest.post(
        f"/v1/devices/{board.device_id}/markers",
        headers=board.caller.headers,
        json={"type": "stimulus", "metadata": {"condition": "left"}},
    )

    assert reply.status_code == 200, reply.text
    assert reply.json()["marker_id"].startswith("mrk_")
    assert reply.json()["timestamp"] == pytest.approx(time.time(), abs=5)


@pytest.mark.parametrize(
    "metadata", [{"k": {}}, {"k": {"nested": "x"}}], ids=["empty-object", "object"]
)
async def test_marker_metadata_holding_an_object_is_invalid_parameter_not_a_crash(
    board: Board, rest: httpx.AsyncClient, metadata: dict
):
    await start_stream(rest, board.caller, board.device_id, channels=[1])

    reply = await rest.post(
        f"/v1/devices/{board.device_id}/markers",
        headers=board.caller.headers,
        json={"type": "stimulus", "metadata": metadata},
    )

    assert_envelope(reply, 400, "INVALID_PARAMETER")


@pytest.mark.parametrize(
    "marker_type",
    ["a\x00b", "red\x1b[31m", "x\r\ny", "rtl\u202eexe"],
    ids=["nul", "ansi", "crlf", "rtl"],
)
async def test_a_marker_type_with_control_or_bidi_characters_is_refused(
    board: Board, rest: httpx.AsyncClient, marker_type: str
):
    await start_stream(rest, board.caller, board.device_id, channels=[1])

    reply = await rest.post(
        f"/v1/devices/{board.device_id}/markers",
        headers=board.caller.headers,
        json={"type": marker_type},
    )

    assert assert_envelope(reply, 400, "INVALID_PARAMETER")["details"]["parameter"] == "type"
