"""The bidirectional control stream over gRPC (``DeviceControl.Control``, and
``NeuralService.DeviceControl`` with the same messages): every command is
answered by an ack or an error naming its command_id, a bad command never
ends the stream, and status events of the devices the stream has named are
pushed as they happen."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

import grpc
import pytest
import pytest_asyncio
from google.protobuf import field_mask_pb2
from google.protobuf.json_format import MessageToDict

from conftest import Caller, NewCaller, Stack
from neurogate.v1 import device_control_pb2 as dc
from neurogate.v1 import device_control_pb2_grpc, neural_pb2_grpc

READ_TIMEOUT = 10.0


@dataclass
class Control:
    """One open control stream and the status events read while waiting for
    answers."""

    call: grpc.aio.StreamStreamCall
    events: list[dc.StatusEvent] = field(default_factory=list)

    async def send(self, command_id: str, device_id: str = "", **command: object) -> None:
        await self.call.write(
            dc.ControlRequest(command_id=command_id, device_id=device_id, **command)
        )

    async def _read(self) -> dc.ControlResponse:
        response = await asyncio.wait_for(self.call.read(), READ_TIMEOUT)
        assert response is not grpc.aio.EOF, "the control stream ended"
        return response

    async def answer(self, command_id: str) -> dc.ControlResponse:
        """The ack or error that answers ``command_id`` (commands are answered
        in order); events read on the way are kept in ``events``."""
        while True:
            response = await self._read()
            kind = response.WhichOneof("kind")
            if kind == "event":
                self.events.append(response.event)
                continue
            answered = getattr(response, kind).command_id
            assert answered == command_id, f"expected the answer to {command_id}: {response}"
            return response

    async def ack(self, command_id: str, **command: object) -> dict:
        """Sends a command that must succeed; its ack's result."""
        await self.send(command_id, **command)
        response = await self.answer(command_id)
        assert response.WhichOneof("kind") == "ack", response
        return MessageToDict(response.ack.result)

    async def error(self, command_id: str, **command: object) -> dc.CommandError:
        """Sends a command that must fail; its error."""
        await self.send(command_id, **command)
        response = await self.answer(command_id)
        assert response.WhichOneof("kind") == "error", response
        return response.error

    async def event(
        self,
        device_id: str,
        event_type: str,
        where: Callable[[dict], bool] = lambda _data: True,
        **data: object,
    ) -> dc.StatusEvent:
        """The first event (kept or still to come) of this device and type
        whose data holds ``data`` and satisfies ``where``."""

        def matches(event: dc.StatusEvent) -> bool:
            found = MessageToDict(event.data)
            return (
                event.device_id == device_id
                and event.type == event_type
                and all(found.get(key) == value for key, value in data.items())
                and where(found)
            )

        for event in self.events:
            if matches(event):
                return event
        while True:
            response = await self._read()
            assert response.WhichOneof("kind") == "event", f"no {event_type} event: {response}"
            self.events.append(response.event)
            if matches(response.event):
                return response.event

    async def close(self) -> grpc.StatusCode:
        """Ends the client side; the rest of the stream's responses must be
        events, and the status the call ended with."""
        await self.call.done_writing()
        while True:
            response = await asyncio.wait_for(self.call.read(), READ_TIMEOUT)
            if response is grpc.aio.EOF:
                return await self.call.code()
            assert response.WhichOneof("kind") == "event", response


@pytest.fixture(params=["DeviceControl.Control", "NeuralService.DeviceControl"])
def open_control(request: pytest.FixtureRequest, stack: Stack):
    """Opens a control stream for a caller, on either service."""

    def opener(caller: Caller) -> Control:
        channel = stack.channel()
        if request.param == "DeviceControl.Control":
            call = device_control_pb2_grpc.DeviceControlStub(channel).Control(
                metadata=caller.metadata
            )
        else:
            call = neural_pb2_grpc.NeuralServiceStub(channel).DeviceControl(
                metadata=caller.metadata
            )
        return Control(call)

    return opener


@dataclass(frozen=True)
class Board:
    caller: Caller
    device_id: str


async def first_device(stack: Stack, caller: Caller) -> str:
    stub = device_control_pb2_grpc.DeviceControlStub(stack.channel())
    listed = await stub.ListDevices(dc.ListDevicesRequest(), metadata=caller.metadata)
    return listed.devices[0].device_id


@pytest_asyncio.fixture
async def board(stack: Stack, new_caller: NewCaller) -> AsyncIterator[Board]:
    """A fresh account's synthetic board, disconnected again after the test."""
    caller = await new_caller()
    device_id = await first_device(stack, caller)
    yield Board(caller, device_id)
    await device_control_pb2_grpc.DeviceControlStub(stack.channel()).DisconnectDevice(
        dc.DisconnectDeviceRequest(device_id=device_id), metadata=caller.metadata
    )


async def register_external(stack: Stack, caller: Caller) -> str:
    params = {"sample_rate": 256, "channel_count": 2}
    request = dc.RegisterDeviceRequest(name="external", type="external")
    request.params.update(params)
    stub = device_control_pb2_grpc.DeviceControlStub(stack.channel())
    return (await stub.RegisterDevice(request, metadata=caller.metadata)).device_id


# ---------------------------------------------------------------- answers


async def test_ping_is_acked_echoing_the_command_id(open_control, board: Board):
    control = open_control(board.caller)

    result = await control.ack("ping-1", ping=dc.PingCommand())

    assert result["pong"] is True
    assert result["server_time"] > 0
    assert await control.close() is grpc.StatusCode.OK


async def test_bad_commands_are_answered_with_errors_and_the_stream_stays_open(
    open_control, board: Board, new_caller: NewCaller, stack: Stack
):
    others = await first_device(stack, await new_caller())
    control = open_control(board.caller)

    no_device = await control.error("no-device", connect=dc.ConnectCommand())
    empty = await control.error("empty")
    unknown = await control.error(
        "unknown", device_id="dev_0123456789abcdef01234567", connect=dc.ConnectCommand()
    )
    not_mine = await control.error("not-mine", device_id=others, connect=dc.ConnectCommand())
    bad_start = await control.error(
        "bad-start",
        device_id=board.device_id,
        start=dc.StartCommand(config=dc.StreamConfig(channels=[1, 17])),
    )
    still_open = await control.ack("ping", ping=dc.PingCommand())

    assert (no_device.code, MessageToDict(no_device.details)) == (
        "INVALID_PARAMETER",
        {"parameter": "device_id"},
    )
    assert empty.code == "INVALID_PARAMETER"
    assert MessageToDict(empty.details)["parameter"] == "command"
    assert "ping" in MessageToDict(empty.details)["valid_choices"]
    assert unknown.code == "DEVICE_NOT_FOUND"
    assert MessageToDict(unknown.details)["value"] == "dev_0123456789abcdef01234567"
    assert (not_mine.code, not_mine.message) == ("DEVICE_NOT_FOUND", f"no device {others!r}")
    assert bad_start.code == "INVALID_CONFIGURATION"
    assert MessageToDict(bad_start.details)["parameter"] == "channels"
    assert MessageToDict(bad_start.details)["value"] == 17
    assert all(error.message for error in (no_device, empty, unknown, bad_start))
    assert still_open["pong"] is True
    assert await control.close() is grpc.StatusCode.OK


async def test_commands_that_need_a_stream_are_refused_before_it_starts(open_control, board: Board):
    control = open_control(board.caller)

    marker = await control.error(
        "marker", device_id=board.device_id, insert_marker=dc.InsertMarkerCommand(type="x")
    )
    impedance = await control.error(
        "impedance", device_id=board.device_id, impedance_check=dc.ImpedanceCheckCommand()
    )

    assert (marker.code, impedance.code) == ("STREAM_UNAVAILABLE", "STREAM_UNAVAILABLE")
    assert await control.close() is grpc.StatusCode.OK


# ---------------------------------------------------------------- a device's life


async def test_connect_start_marker_and_stop_are_acked_with_state_events(
    open_control, board: Board
):
    control = open_control(board.caller)
    device = board.device_id

    connected = await control.ack("connect", device_id=device, connect=dc.ConnectCommand())
    await control.event(device, "state_changed", state="connected")
    started = await control.ack(
        "start",
        device_id=device,
        start=dc.StartCommand(config=dc.StreamConfig(channels=[1, 2], sample_rate=250)),
    )
    await control.event(device, "state_changed", state="streaming", stream_id=started["stream_id"])
    marker = await control.ack(
        "marker",
        device_id=device,
        insert_marker=dc.InsertMarkerCommand(type="stimulus", metadata={"side": "left"}),
    )
    await control.event(device, "marker", marker_id=marker["marker_id"], type="stimulus")
    stopped = await control.ack("stop", device_id=device, stop=dc.StopCommand())
    await control.event(device, "state_changed", state="connected", reason="stopped")

    assert connected == {"state": "connected", "stream_id": ""}
    assert started["state"] == "streaming" and started["stream_id"].startswith("str_")
    assert marker["marker_id"].startswith("mrk_") and marker["timestamp"] > 0
    assert stopped == {"state": "connected", "stream_id": started["stream_id"]}
    assert {event.device_id for event in control.events} == {device}
    assert all(event.timestamp.seconds > 0 for event in control.events)
    assert await control.close() is grpc.StatusCode.OK


async def test_start_without_a_config_uses_the_saved_one_and_configure_changes_filters(
    open_control, board: Board
):
    control = open_control(board.caller)
    device = board.device_id

    started = await control.ack("start", device_id=device, start=dc.StartCommand())
    configured = await control.ack(
        "configure",
        device_id=device,
        configure=dc.ConfigureCommand(
            config=dc.StreamConfig(filters=dc.FilterConfig(notch=50)),
            update_mask=field_mask_pb2.FieldMask(paths=["filters.notch"]),
        ),
    )
    event = await control.event(
        device, "configured", where=lambda data: data["config"]["filters"]["notch"] == 50
    )

    assert started["state"] == "streaming"
    assert configured == {"state": "streaming", "stream_id": started["stream_id"]}
    config = MessageToDict(event.data)["config"]
    assert config["channels"] == list(range(1, 17))
    assert config["filters"]["notch"] == 50
    assert await control.close() is grpc.StatusCode.OK


async def samples_arrive(stack: Stack, board: Board, deadline: float = 5.0) -> None:
    """Returns once the board's stream has acquired samples."""
    stub = device_control_pb2_grpc.DeviceControlStub(stack.channel())
    request = dc.GetDeviceStatusRequest(device_id=board.device_id)
    async with asyncio.timeout(deadline):
        while True:
            reply = await stub.GetDeviceStatus(request, metadata=board.caller.metadata)
            if reply.metrics.samples_acquired:
                return
            await asyncio.sleep(0.05)


async def test_impedance_check_on_the_synthetic_board_acks_readings(
    open_control, board: Board, stack: Stack
):
    control = open_control(board.caller)
    await control.ack("start", device_id=board.device_id, start=dc.StartCommand())
    await samples_arrive(stack, board)

    result = await control.ack(
        "impedance", device_id=board.device_id, impedance_check=dc.ImpedanceCheckCommand()
    )

    readings = result["impedance"]
    assert readings, result
    assert all(set(r) == {"channel", "ohms"} for r in readings)
    assert all(r["channel"] >= 1 and r["ohms"] > 0 for r in readings)
    event = await control.event(board.device_id, "impedance")
    assert len(MessageToDict(event.data)["readings"]) == len(readings)
    assert await control.close() is grpc.StatusCode.OK


async def test_impedance_check_on_an_external_device_is_invalid_configuration(
    open_control, stack: Stack, new_caller: NewCaller
):
    caller = await new_caller()
    device_id = await register_external(stack, caller)
    control = open_control(caller)

    error = await control.error(
        "impedance", device_id=device_id, impedance_check=dc.ImpedanceCheckCommand()
    )

    assert error.code == "INVALID_CONFIGURATION"
    assert "external" in error.message
    assert MessageToDict(error.details) == {"parameter": "command", "value": "impedance_check"}
    assert await control.close() is grpc.StatusCode.OK


async def test_events_of_devices_the_stream_has_not_named_are_not_pushed(
    open_control, board: Board, new_caller: NewCaller, stack: Stack
):
    other = await new_caller()
    others_device = await first_device(stack, other)
    control = open_control(board.caller)
    await control.error("not-mine", device_id=others_device, connect=dc.ConnectCommand())
    stub = device_control_pb2_grpc.DeviceControlStub(stack.channel())

    try:
        await stub.ConnectDevice(
            dc.ConnectDeviceRequest(device_id=others_device), metadata=other.metadata
        )
        await stub.ConnectDevice(
            dc.ConnectDeviceRequest(device_id=board.device_id), metadata=board.caller.metadata
        )
        await control.ack("ping", ping=dc.PingCommand())
    finally:
        await stub.DisconnectDevice(
            dc.DisconnectDeviceRequest(device_id=others_device), metadata=other.metadata
        )

    assert control.events == []  # neither the other account's board nor an unnamed one
    assert await control.close() is grpc.StatusCode.OK


async def test_closing_the_client_side_ends_the_call_with_ok(open_control, board: Board):
    control = open_control(board.caller)
    await control.ack("connect", device_id=board.device_id, connect=dc.ConnectCommand())

    code = await control.close()

    assert code is grpc.StatusCode.OK
    assert await control.call.details() in ("", None)
