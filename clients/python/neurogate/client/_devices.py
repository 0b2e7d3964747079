"""``client.devices``: acquisition devices, their streams and live packets.

Reads and deletes are retried; commands that change a device's state
(connect, start, stop, markers) are not, since a lost answer may hide a
command that took effect. ``update_config`` sets fields to given values and
is safe to repeat.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from google.protobuf import field_mask_pb2

from neurogate.client._calls import Unary
from neurogate.client._convert import plain, struct
from neurogate.client._namespace import Namespace, stream_request
from neurogate.client.models import Device, DeviceStatus, Marker, StreamInfo
from neurogate.v1 import device_control_pb2 as dc

SERVICE = "DeviceControl"


def _filters(filters: Mapping[str, Any] | None) -> dc.FilterConfig | None:
    """``{"notch": 50, "bandpass": [1, 40], "highpass": .., "lowpass": ..}``."""
    return dc.FilterConfig(**dict(filters)) if filters else None


class DevicesNamespace(Namespace):
    def _call(self, method: str, request: Any, convert: Any, idempotent: bool) -> Any:
        return self._run(Unary(f"{SERVICE}/{method}", request, convert, idempotent))

    def list(self) -> list[Device]:
        return self._call(
            "ListDevices",
            dc.ListDevicesRequest(),
            lambda reply: [Device.from_proto(d) for d in reply.devices],
            True,
        )

    def get(self, device_id: str) -> Device:
        return self._call(
            "GetDevice", dc.GetDeviceRequest(device_id=device_id), Device.from_proto, True
        )

    def status(self, device_id: str) -> DeviceStatus:
        return self._call(
            "GetDeviceStatus",
            dc.GetDeviceStatusRequest(device_id=device_id),
            DeviceStatus.from_proto,
            True,
        )

    def register(self, name: str, type: str, params: Mapping[str, Any] | None = None) -> Device:
        """A new device: ``synthetic``, ``playback_file``, ``streaming_board``,
        ``cyton``, ``ganglion``, ``cyton_daisy`` or ``external`` (fed through
        ``client.ingest``), with its type's ``params``."""
        request = dc.RegisterDeviceRequest(name=name, type=type, params=struct(params))
        return self._call("RegisterDevice", request, Device.from_proto, False)

    def delete(self, device_id: str) -> None:
        return self._call(
            "DeleteDevice", dc.DeleteDeviceRequest(device_id=device_id), lambda _: None, True
        )

    def connect(self, device_id: str) -> str:
        """Connects the board; the device's new status."""
        return self._call(
            "ConnectDevice",
            dc.ConnectDeviceRequest(device_id=device_id),
            lambda reply: reply.status,
            False,
        )

    def disconnect(self, device_id: str) -> str:
        return self._call(
            "DisconnectDevice",
            dc.DisconnectDeviceRequest(device_id=device_id),
            lambda reply: reply.status,
            False,
        )

    def start_stream(
        self,
        device_id: str,
        channels: list[int] | None = None,
        sample_rate: float | None = None,
        filters: Mapping[str, Any] | None = None,
    ) -> StreamInfo:
        request = dc.StartStreamRequest(
            device_id=device_id,
            channels=channels or [],
            sample_rate=sample_rate or 0.0,
            filters=_filters(filters),
        )
        return self._call("StartStream", request, StreamInfo.from_proto, False)

    def stop_stream(self, device_id: str) -> None:
        return self._call(
            "StopStream", dc.StopStreamRequest(device_id=device_id), lambda _: None, False
        )

    def update_config(
        self,
        device_id: str,
        channels: list[int] | None = None,
        sample_rate: float | None = None,
        filters: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Changes only the settings given; the device's whole stream configuration."""
        given = {"channels": channels, "sample_rate": sample_rate, "filters": filters}
        paths = [name for name, value in given.items() if value is not None]
        if not paths:
            raise ValueError("give at least one of channels, sample_rate or filters")
        config = dc.StreamConfig(
            channels=channels or [], sample_rate=sample_rate or 0.0, filters=_filters(filters)
        )
        request = dc.UpdateConfigRequest(
            device_id=device_id, config=config, update_mask=field_mask_pb2.FieldMask(paths=paths)
        )
        return self._call("UpdateConfig", request, lambda reply: plain(reply.config), True)

    def insert_marker(
        self, device_id: str, label: str, metadata: Mapping[str, str] | None = None
    ) -> Marker:
        """Puts a marker of type ``label`` into the live stream and recording."""
        request = dc.InsertMarkerRequest(
            device_id=device_id, type=label, metadata=dict(metadata or {})
        )
        return self._call(
            "InsertMarker",
            request,
            lambda reply: Marker(label, reply.timestamp, dict(metadata or {}), reply.marker_id),
            False,
        )

    def stream(
        self,
        device_id: str,
        channels: list[int] | None = None,
        block_size: int = 10,
        max_latency_ms: int = 0,
        sample_encoding: str = "float64",
    ) -> Any:
        """Live packets of a streaming device: an iterator of :class:`Packet`
        (an async iterator with ``AsyncClient``) that reconnects and reports gaps."""
        return self._stream(
            stream_request(
                device_id=device_id,
                channels=channels,
                block_size=block_size,
                max_latency_ms=max_latency_ms,
                sample_encoding=sample_encoding,
            )
        )
