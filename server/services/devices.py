"""DeviceControl (and NeuralService.DeviceControl): devices, their streams
and the bidirectional control stream."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from typing import Any

import grpc
from google.protobuf import field_mask_pb2

from neurogate.server.context import current_account
from neurogate.server.devices import boards
from neurogate.server.devices.config import StreamConfig, make_config
from neurogate.server.devices.controller import QUALITY_METHOD, DeviceController, DeviceState
from neurogate.server.devices.events import StatusEvent
from neurogate.server.devices.manager import DeviceManager
from neurogate.server.error_mapping import bounded
from neurogate.server.errors import InvalidParameter, NeuroGateError
from neurogate.server.names import checked_name
from neurogate.server.services._convert import struct, struct_to_dict, timestamp_at
from neurogate.server.storage.models import Device
from neurogate.v1 import device_control_pb2 as pb
from neurogate.v1 import device_control_pb2_grpc

log = logging.getLogger(__name__)

MAX_MARKER_TYPE_LENGTH = 100

CONFIG_PATHS = (
    "channels",
    "sample_rate",
    "filters",
    "filters.notch",
    "filters.bandpass",
    "filters.highpass",
    "filters.lowpass",
)


def _channels(layout: boards.BoardLayout) -> list[pb.ChannelInfo]:
    return [
        pb.ChannelInfo(channel_number=c.number, name=c.name, type="eeg") for c in layout.channels
    ]


def _device_fields(device: Device, state: DeviceState) -> dict[str, Any]:
    layout = boards.layout(device.type, device.params)
    return {
        "device_id": device.id,
        "name": device.name,
        "type": device.type,
        "status": state.value,
        "channels": _channels(layout),
        "sample_rate": layout.sample_rate,
    }


def config_message(config: StreamConfig) -> pb.StreamConfig:
    return pb.StreamConfig(
        channels=config.channels, sample_rate=config.sample_rate, filters=filters_message(config)
    )


def filters_message(config: StreamConfig) -> pb.FilterConfig:
    filters = config.filters
    return pb.FilterConfig(
        notch=filters.notch,
        bandpass=filters.bandpass,
        highpass=filters.highpass,
        lowpass=filters.lowpass,
    )


def _filters_dict(message: pb.FilterConfig) -> dict[str, Any]:
    return {
        "notch": message.notch,
        "bandpass": list(message.bandpass),
        "highpass": message.highpass,
        "lowpass": message.lowpass,
    }


def requested_config(
    controller: DeviceController, message: pb.StreamConfig | pb.StartStreamRequest
) -> StreamConfig:
    """The configuration a message asks for (both carry channels, sample_rate
    and filters)."""
    return make_config(
        controller.layout,
        list(message.channels),
        message.sample_rate,
        _filters_dict(message.filters),
    )


def _populated_paths(update: pb.StreamConfig) -> list[str]:
    """The paths of the fields ``update`` gives a value; proto3 lists only
    those, and a message field only when it is set."""
    paths = []
    for field, value in update.ListFields():
        if field.name == "filters":
            paths += [f"filters.{inner.name}" for inner, _ in value.ListFields()]
        else:
            paths.append(field.name)
    return paths


def merged_config(
    controller: DeviceController, update: pb.StreamConfig, mask: field_mask_pb2.FieldMask
) -> StreamConfig:
    """``update`` applied to the device's configuration along ``mask``; an
    empty mask means every field the update gives a value (AIP-134), down
    into the filters, so ``{"filters": {"notch": 50}}`` keeps the other
    filters. Turning a filter off (a zero) takes a mask naming it."""
    paths = list(mask.paths)
    unknown = [path for path in paths if path not in CONFIG_PATHS]
    if unknown:
        raise InvalidParameter(
            f"update_mask names an unknown field {unknown[0]!r}",
            parameter="update_mask",
            value=unknown[0],
            valid_choices=list(CONFIG_PATHS),
        )
    if not paths:
        paths = _populated_paths(update)
    current = controller.config.to_dict()
    for path in paths:
        if path == "channels":
            current["channels"] = list(update.channels)
        elif path == "sample_rate":
            current["sample_rate"] = update.sample_rate
        elif path == "filters":
            current["filters"] = _filters_dict(update.filters)
        else:
            key = path.split(".", 1)[1]
            current["filters"][key] = _filters_dict(update.filters)[key]
    return make_config(
        controller.layout, current["channels"], current["sample_rate"], current["filters"]
    )


def status_event(event: StatusEvent) -> pb.StatusEvent:
    return pb.StatusEvent(
        device_id=event.device_id,
        type=event.type,
        timestamp=timestamp_at(event.timestamp),
        data=struct(event.data),
    )


class DeviceControlServicer(device_control_pb2_grpc.DeviceControlServicer):
    def __init__(self, devices: DeviceManager) -> None:
        self._devices = devices

    async def _controller(self, device_id: str) -> DeviceController:
        return await self._devices.controller(current_account(), device_id)

    async def ListDevices(
        self, request: pb.ListDevicesRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListDevicesResponse:
        listed = await self._devices.list(current_account())
        return pb.ListDevicesResponse(
            devices=[pb.Device(**_device_fields(device, state)) for device, state in listed]
        )

    async def RegisterDevice(
        self, request: pb.RegisterDeviceRequest, context: grpc.aio.ServicerContext
    ) -> pb.RegisterDeviceResponse:
        device = await self._devices.register(
            current_account(),
            request.name,
            request.type.strip().lower(),
            struct_to_dict(request.params),
        )
        return pb.RegisterDeviceResponse(**_device_fields(device, DeviceState.DISCONNECTED))

    async def GetDevice(
        self, request: pb.GetDeviceRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetDeviceResponse:
        device = await self._devices.store.get(current_account(), request.device_id)
        controller = await self._controller(request.device_id)
        return pb.GetDeviceResponse(
            **_device_fields(device, controller.state),
            params=struct(device.params),
            config=config_message(controller.config),
        )

    async def DeleteDevice(
        self, request: pb.DeleteDeviceRequest, context: grpc.aio.ServicerContext
    ) -> pb.DeleteDeviceResponse:
        await self._devices.delete(current_account(), request.device_id)
        return pb.DeleteDeviceResponse(device_id=request.device_id)

    async def GetDeviceStatus(
        self, request: pb.GetDeviceStatusRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetDeviceStatusResponse:
        controller = await self._controller(request.device_id)
        status = controller.status()
        response = pb.GetDeviceStatusResponse(
            device_id=request.device_id,
            connected=status.state is not DeviceState.DISCONNECTED,
            streaming=status.state is DeviceState.STREAMING,
            status=status.state.value,
            uptime_seconds=round(status.uptime_seconds, 3),
            signal_quality=pb.SignalQuality(
                overall=status.overall_quality,
                channels=[
                    pb.ChannelQuality(channel=c.channel, quality=c.quality) for c in status.channels
                ],
            ),
            metrics=pb.StreamMetrics(
                samples_acquired=status.samples_acquired,
                subscribers=status.subscribers,
                dropped_samples=status.dropped_samples,
                measured_sample_rate=round(status.measured_sample_rate, 3),
            ),
            quality_method=QUALITY_METHOD,
        )
        if status.battery_level is not None:
            response.battery_level = status.battery_level
        return response

    async def ConnectDevice(
        self, request: pb.ConnectDeviceRequest, context: grpc.aio.ServicerContext
    ) -> pb.ConnectDeviceResponse:
        controller = await self._controller(request.device_id)
        await controller.connect()
        return pb.ConnectDeviceResponse(device_id=request.device_id, status=controller.state)

    async def DisconnectDevice(
        self, request: pb.DisconnectDeviceRequest, context: grpc.aio.ServicerContext
    ) -> pb.DisconnectDeviceResponse:
        controller = await self._controller(request.device_id)
        await controller.disconnect()
        return pb.DisconnectDeviceResponse(device_id=request.device_id, status=controller.state)

    async def StartStream(
        self, request: pb.StartStreamRequest, context: grpc.aio.ServicerContext
    ) -> pb.StartStreamResponse:
        controller = await self._controller(request.device_id)
        config = requested_config(controller, request)
        await self._devices.start_stream(controller, config)
        return pb.StartStreamResponse(
            stream_id=controller.stream_id,
            device_id=request.device_id,
            channels=config.channels,
            sample_rate=config.sample_rate,
            filters=filters_message(config),
            started_at=timestamp_at(time.time()),
        )

    async def StopStream(
        self, request: pb.StopStreamRequest, context: grpc.aio.ServicerContext
    ) -> pb.StopStreamResponse:
        controller = await self._controller(request.device_id)
        stream_id = controller.stream_id
        await controller.stop()
        return pb.StopStreamResponse(
            device_id=request.device_id, stream_id=stream_id, stopped_at=timestamp_at(time.time())
        )

    async def UpdateConfig(
        self, request: pb.UpdateConfigRequest, context: grpc.aio.ServicerContext
    ) -> pb.UpdateConfigResponse:
        controller = await self._controller(request.device_id)
        config = merged_config(controller, request.config, request.update_mask)
        await self._devices.save_config(controller, config)
        return pb.UpdateConfigResponse(device_id=request.device_id, config=config_message(config))

    async def InsertMarker(
        self, request: pb.InsertMarkerRequest, context: grpc.aio.ServicerContext
    ) -> pb.InsertMarkerResponse:
        controller = await self._controller(request.device_id)
        marker_id, placed = controller.insert_marker(
            _marker_type(request.type), dict(request.metadata)
        )
        return pb.InsertMarkerResponse(marker_id=marker_id, timestamp=placed)

    async def Control(
        self, request_iterator: AsyncIterator[pb.ControlRequest], context: grpc.aio.ServicerContext
    ) -> AsyncIterator[pb.ControlResponse]:
        session = ControlSession(self, current_account())
        async for response in session.run(request_iterator):
            yield response


def _marker_type(value: str) -> str:
    return checked_name(value, "type", "a marker type", MAX_MARKER_TYPE_LENGTH) or "marker"


class ControlSession:
    """One Control stream: commands answered in order (each with an ack or an
    error naming its command_id; a bad command never ends the stream), and
    status events of the devices the stream has named pushed as they happen."""

    def __init__(self, servicer: DeviceControlServicer, account_id: str) -> None:
        self._servicer = servicer
        self._account_id = account_id
        self._watched: set[str] = set()
        self._outbox: asyncio.Queue[pb.ControlResponse | None] = asyncio.Queue()

    async def run(
        self, requests: AsyncIterator[pb.ControlRequest]
    ) -> AsyncIterator[pb.ControlResponse]:
        listener = self._servicer._devices.events.listen()
        reader = asyncio.create_task(self._read(requests))
        next_event = asyncio.create_task(listener.get())
        next_response = asyncio.create_task(self._outbox.get())
        try:
            while True:
                done, _ = await asyncio.wait(
                    {next_event, next_response}, return_when=asyncio.FIRST_COMPLETED
                )
                if next_event in done:
                    event = next_event.result()
                    if event.device_id in self._watched:
                        yield pb.ControlResponse(event=status_event(event))
                    next_event = asyncio.create_task(listener.get())
                if next_response in done:
                    response = next_response.result()
                    if response is None:  # the client finished sending commands
                        return
                    yield response
                    next_response = asyncio.create_task(self._outbox.get())
        finally:
            listener.close()
            for task in (reader, next_event, next_response):
                task.cancel()
            await asyncio.gather(reader, next_event, next_response, return_exceptions=True)

    async def _read(self, requests: AsyncIterator[pb.ControlRequest]) -> None:
        try:
            async for request in requests:
                await self._outbox.put(await self._answer(request))
        finally:
            await self._outbox.put(None)

    async def _answer(self, request: pb.ControlRequest) -> pb.ControlResponse:
        try:
            result = await self._execute(request)
        except NeuroGateError as raised:
            error = bounded(raised)
            return pb.ControlResponse(
                error=pb.CommandError(
                    command_id=request.command_id,
                    code=error.code,
                    message=error.message,
                    details=struct(error.details),
                )
            )
        except Exception:
            log.exception("control command failed", extra={"command_id": request.command_id})
            return pb.ControlResponse(
                error=pb.CommandError(
                    command_id=request.command_id,
                    code="INTERNAL",
                    message="the command failed unexpectedly",
                )
            )
        return pb.ControlResponse(
            ack=pb.CommandAck(command_id=request.command_id, result=struct(result))
        )

    async def _execute(self, request: pb.ControlRequest) -> dict[str, Any]:
        command = request.WhichOneof("command")
        if command is None:
            raise InvalidParameter(
                "the request carries no command",
                parameter="command",
                valid_choices=[
                    f.name for f in pb.ControlRequest.DESCRIPTOR.oneofs_by_name["command"].fields
                ],
            )
        if command == "ping" and not request.device_id:
            return {"pong": True, "server_time": time.time()}
        controller = await self._servicer._devices.controller(self._account_id, request.device_id)
        self._watched.add(request.device_id)
        if command == "ping":  # also subscribes the stream to the device's events
            return {"pong": True, "server_time": time.time(), "state": controller.state.value}
        devices = self._servicer._devices
        if command == "connect":
            await controller.connect()
        elif command == "start":
            config = (
                requested_config(controller, request.start.config)
                if request.start.HasField("config")
                else controller.config
            )
            await devices.start_stream(controller, config)
        elif command == "stop":
            await controller.stop()
        elif command == "configure":
            config = merged_config(
                controller, request.configure.config, request.configure.update_mask
            )
            await devices.save_config(controller, config)
        elif command == "insert_marker":
            marker_id, placed = controller.insert_marker(
                _marker_type(request.insert_marker.type), dict(request.insert_marker.metadata)
            )
            return {"marker_id": marker_id, "timestamp": placed}
        elif command == "impedance_check":
            readings = controller.impedance(list(request.impedance_check.channels))
            return {"impedance": [{"channel": r.channel, "ohms": r.impedance} for r in readings]}
        return {"state": controller.state.value, "stream_id": controller.stream_id}
