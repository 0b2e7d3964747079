import datetime

from google.api import annotations_pb2 as _annotations_pb2
from google.protobuf import field_mask_pb2 as _field_mask_pb2
from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from neurogate.v1 import access_pb2 as _access_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ChannelInfo(_message.Message):
    __slots__ = ("channel_number", "name", "type")
    CHANNEL_NUMBER_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    channel_number: int
    name: str
    type: str
    def __init__(self, channel_number: _Optional[int] = ..., name: _Optional[str] = ..., type: _Optional[str] = ...) -> None: ...

class Device(_message.Message):
    __slots__ = ("device_id", "name", "type", "status", "channels", "sample_rate")
    DEVICE_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    CHANNELS_FIELD_NUMBER: _ClassVar[int]
    SAMPLE_RATE_FIELD_NUMBER: _ClassVar[int]
    device_id: str
    name: str
    type: str
    status: str
    channels: _containers.RepeatedCompositeFieldContainer[ChannelInfo]
    sample_rate: float
    def __init__(self, device_id: _Optional[str] = ..., name: _Optional[str] = ..., type: _Optional[str] = ..., status: _Optional[str] = ..., channels: _Optional[_Iterable[_Union[ChannelInfo, _Mapping]]] = ..., sample_rate: _Optional[float] = ...) -> None: ...

class FilterConfig(_message.Message):
    __slots__ = ("notch", "bandpass", "highpass", "lowpass")
    NOTCH_FIELD_NUMBER: _ClassVar[int]
    BANDPASS_FIELD_NUMBER: _ClassVar[int]
    HIGHPASS_FIELD_NUMBER: _ClassVar[int]
    LOWPASS_FIELD_NUMBER: _ClassVar[int]
    notch: float
    bandpass: _containers.RepeatedScalarFieldContainer[float]
    highpass: float
    lowpass: float
    def __init__(self, notch: _Optional[float] = ..., bandpass: _Optional[_Iterable[float]] = ..., highpass: _Optional[float] = ..., lowpass: _Optional[float] = ...) -> None: ...

class StreamConfig(_message.Message):
    __slots__ = ("channels", "sample_rate", "filters")
    CHANNELS_FIELD_NUMBER: _ClassVar[int]
    SAMPLE_RATE_FIELD_NUMBER: _ClassVar[int]
    FILTERS_FIELD_NUMBER: _ClassVar[int]
    channels: _containers.RepeatedScalarFieldContainer[int]
    sample_rate: float
    filters: FilterConfig
    def __init__(self, channels: _Optional[_Iterable[int]] = ..., sample_rate: _Optional[float] = ..., filters: _Optional[_Union[FilterConfig, _Mapping]] = ...) -> None: ...

class ListDevicesRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListDevicesResponse(_message.Message):
    __slots__ = ("devices",)
    DEVICES_FIELD_NUMBER: _ClassVar[int]
    devices: _containers.RepeatedCompositeFieldContainer[Device]
    def __init__(self, devices: _Optional[_Iterable[_Union[Device, _Mapping]]] = ...) -> None: ...

class RegisterDeviceRequest(_message.Message):
    __slots__ = ("name", "type", "params")
    NAME_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    PARAMS_FIELD_NUMBER: _ClassVar[int]
    name: str
    type: str
    params: _struct_pb2.Struct
    def __init__(self, name: _Optional[str] = ..., type: _Optional[str] = ..., params: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class RegisterDeviceResponse(_message.Message):
    __slots__ = ("device_id", "name", "type", "status", "channels", "sample_rate")
    DEVICE_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    CHANNELS_FIELD_NUMBER: _ClassVar[int]
    SAMPLE_RATE_FIELD_NUMBER: _ClassVar[int]
    device_id: str
    name: str
    type: str
    status: str
    channels: _containers.RepeatedCompositeFieldContainer[ChannelInfo]
    sample_rate: float
    def __init__(self, device_id: _Optional[str] = ..., name: _Optional[str] = ..., type: _Optional[str] = ..., status: _Optional[str] = ..., channels: _Optional[_Iterable[_Union[ChannelInfo, _Mapping]]] = ..., sample_rate: _Optional[float] = ...) -> None: ...

class GetDeviceRequest(_message.Message):
    __slots__ = ("device_id",)
    DEVICE_ID_FIELD_NUMBER: _ClassVar[int]
    device_id: str
    def __init__(self, device_id: _Optional[str] = ...) -> None: ...

class GetDeviceResponse(_message.Message):
    __slots__ = ("device_id", "name", "type", "status", "channels", "sample_rate", "params", "config")
    DEVICE_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    CHANNELS_FIELD_NUMBER: _ClassVar[int]
    SAMPLE_RATE_FIELD_NUMBER: _ClassVar[int]
    PARAMS_FIELD_NUMBER: _ClassVar[int]
    CONFIG_FIELD_NUMBER: _ClassVar[int]
    device_id: str
    name: str
    type: str
    status: str
    channels: _containers.RepeatedCompositeFieldContainer[ChannelInfo]
    sample_rate: float
    params: _struct_pb2.Struct
    config: StreamConfig
    def __init__(self, device_id: _Optional[str] = ..., name: _Optional[str] = ..., type: _Optional[str] = ..., status: _Optional[str] = ..., channels: _Optional[_Iterable[_Union[ChannelInfo, _Mapping]]] = ..., sample_rate: _Optional[float] = ..., params: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., config: _Optional[_Union[StreamConfig, _Mapping]] = ...) -> None: ...

class DeleteDeviceRequest(_message.Message):
    __slots__ = ("device_id",)
    DEVICE_ID_FIELD_NUMBER: _ClassVar[int]
    device_id: str
    def __init__(self, device_id: _Optional[str] = ...) -> None: ...

class DeleteDeviceResponse(_message.Message):
    __slots__ = ("device_id",)
    DEVICE_ID_FIELD_NUMBER: _ClassVar[int]
    device_id: str
    def __init__(self, device_id: _Optional[str] = ...) -> None: ...

class GetDeviceStatusRequest(_message.Message):
    __slots__ = ("device_id",)
    DEVICE_ID_FIELD_NUMBER: _ClassVar[int]
    device_id: str
    def __init__(self, device_id: _Optional[str] = ...) -> None: ...

class ChannelQuality(_message.Message):
    __slots__ = ("channel", "impedance", "quality")
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    IMPEDANCE_FIELD_NUMBER: _ClassVar[int]
    QUALITY_FIELD_NUMBER: _ClassVar[int]
    channel: int
    impedance: float
    quality: str
    def __init__(self, channel: _Optional[int] = ..., impedance: _Optional[float] = ..., quality: _Optional[str] = ...) -> None: ...

class SignalQuality(_message.Message):
    __slots__ = ("overall", "channels")
    OVERALL_FIELD_NUMBER: _ClassVar[int]
    CHANNELS_FIELD_NUMBER: _ClassVar[int]
    overall: str
    channels: _containers.RepeatedCompositeFieldContainer[ChannelQuality]
    def __init__(self, overall: _Optional[str] = ..., channels: _Optional[_Iterable[_Union[ChannelQuality, _Mapping]]] = ...) -> None: ...

class StreamMetrics(_message.Message):
    __slots__ = ("samples_acquired", "subscribers", "dropped_samples", "measured_sample_rate")
    SAMPLES_ACQUIRED_FIELD_NUMBER: _ClassVar[int]
    SUBSCRIBERS_FIELD_NUMBER: _ClassVar[int]
    DROPPED_SAMPLES_FIELD_NUMBER: _ClassVar[int]
    MEASURED_SAMPLE_RATE_FIELD_NUMBER: _ClassVar[int]
    samples_acquired: int
    subscribers: int
    dropped_samples: int
    measured_sample_rate: float
    def __init__(self, samples_acquired: _Optional[int] = ..., subscribers: _Optional[int] = ..., dropped_samples: _Optional[int] = ..., measured_sample_rate: _Optional[float] = ...) -> None: ...

class GetDeviceStatusResponse(_message.Message):
    __slots__ = ("device_id", "connected", "battery_level", "signal_quality", "streaming", "uptime_seconds", "metrics", "quality_method", "status")
    DEVICE_ID_FIELD_NUMBER: _ClassVar[int]
    CONNECTED_FIELD_NUMBER: _ClassVar[int]
    BATTERY_LEVEL_FIELD_NUMBER: _ClassVar[int]
    SIGNAL_QUALITY_FIELD_NUMBER: _ClassVar[int]
    STREAMING_FIELD_NUMBER: _ClassVar[int]
    UPTIME_SECONDS_FIELD_NUMBER: _ClassVar[int]
    METRICS_FIELD_NUMBER: _ClassVar[int]
    QUALITY_METHOD_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    device_id: str
    connected: bool
    battery_level: float
    signal_quality: SignalQuality
    streaming: bool
    uptime_seconds: float
    metrics: StreamMetrics
    quality_method: str
    status: str
    def __init__(self, device_id: _Optional[str] = ..., connected: _Optional[bool] = ..., battery_level: _Optional[float] = ..., signal_quality: _Optional[_Union[SignalQuality, _Mapping]] = ..., streaming: _Optional[bool] = ..., uptime_seconds: _Optional[float] = ..., metrics: _Optional[_Union[StreamMetrics, _Mapping]] = ..., quality_method: _Optional[str] = ..., status: _Optional[str] = ...) -> None: ...

class ConnectDeviceRequest(_message.Message):
    __slots__ = ("device_id",)
    DEVICE_ID_FIELD_NUMBER: _ClassVar[int]
    device_id: str
    def __init__(self, device_id: _Optional[str] = ...) -> None: ...

class ConnectDeviceResponse(_message.Message):
    __slots__ = ("device_id", "status")
    DEVICE_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    device_id: str
    status: str
    def __init__(self, device_id: _Optional[str] = ..., status: _Optional[str] = ...) -> None: ...

class DisconnectDeviceRequest(_message.Message):
    __slots__ = ("device_id",)
    DEVICE_ID_FIELD_NUMBER: _ClassVar[int]
    device_id: str
    def __init__(self, device_id: _Optional[str] = ...) -> None: ...

class DisconnectDeviceResponse(_message.Message):
    __slots__ = ("device_id", "status")
    DEVICE_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    device_id: str
    status: str
    def __init__(self, device_id: _Optional[str] = ..., status: _Optional[str] = ...) -> None: ...

class StartStreamRequest(_message.Message):
    __slots__ = ("device_id", "channels", "sample_rate", "filters")
    DEVICE_ID_FIELD_NUMBER: _ClassVar[int]
    CHANNELS_FIELD_NUMBER: _ClassVar[int]
    SAMPLE_RATE_FIELD_NUMBER: _ClassVar[int]
    FILTERS_FIELD_NUMBER: _ClassVar[int]
    device_id: str
    channels: _containers.RepeatedScalarFieldContainer[int]
    sample_rate: float
    filters: FilterConfig
    def __init__(self, device_id: _Optional[str] = ..., channels: _Optional[_Iterable[int]] = ..., sample_rate: _Optional[float] = ..., filters: _Optional[_Union[FilterConfig, _Mapping]] = ...) -> None: ...

class StartStreamResponse(_message.Message):
    __slots__ = ("stream_id", "device_id", "channels", "sample_rate", "filters", "started_at")
    STREAM_ID_FIELD_NUMBER: _ClassVar[int]
    DEVICE_ID_FIELD_NUMBER: _ClassVar[int]
    CHANNELS_FIELD_NUMBER: _ClassVar[int]
    SAMPLE_RATE_FIELD_NUMBER: _ClassVar[int]
    FILTERS_FIELD_NUMBER: _ClassVar[int]
    STARTED_AT_FIELD_NUMBER: _ClassVar[int]
    stream_id: str
    device_id: str
    channels: _containers.RepeatedScalarFieldContainer[int]
    sample_rate: float
    filters: FilterConfig
    started_at: _timestamp_pb2.Timestamp
    def __init__(self, stream_id: _Optional[str] = ..., device_id: _Optional[str] = ..., channels: _Optional[_Iterable[int]] = ..., sample_rate: _Optional[float] = ..., filters: _Optional[_Union[FilterConfig, _Mapping]] = ..., started_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class StopStreamRequest(_message.Message):
    __slots__ = ("device_id",)
    DEVICE_ID_FIELD_NUMBER: _ClassVar[int]
    device_id: str
    def __init__(self, device_id: _Optional[str] = ...) -> None: ...

class StopStreamResponse(_message.Message):
    __slots__ = ("device_id", "stream_id", "stopped_at")
    DEVICE_ID_FIELD_NUMBER: _ClassVar[int]
    STREAM_ID_FIELD_NUMBER: _ClassVar[int]
    STOPPED_AT_FIELD_NUMBER: _ClassVar[int]
    device_id: str
    stream_id: str
    stopped_at: _timestamp_pb2.Timestamp
    def __init__(self, device_id: _Optional[str] = ..., stream_id: _Optional[str] = ..., stopped_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class UpdateConfigRequest(_message.Message):
    __slots__ = ("device_id", "config", "update_mask")
    DEVICE_ID_FIELD_NUMBER: _ClassVar[int]
    CONFIG_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    device_id: str
    config: StreamConfig
    update_mask: _field_mask_pb2.FieldMask
    def __init__(self, device_id: _Optional[str] = ..., config: _Optional[_Union[StreamConfig, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ...) -> None: ...

class UpdateConfigResponse(_message.Message):
    __slots__ = ("device_id", "config")
    DEVICE_ID_FIELD_NUMBER: _ClassVar[int]
    CONFIG_FIELD_NUMBER: _ClassVar[int]
    device_id: str
    config: StreamConfig
    def __init__(self, device_id: _Optional[str] = ..., config: _Optional[_Union[StreamConfig, _Mapping]] = ...) -> None: ...

class InsertMarkerRequest(_message.Message):
    __slots__ = ("device_id", "type", "metadata")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    DEVICE_ID_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    device_id: str
    type: str
    metadata: _containers.ScalarMap[str, str]
    def __init__(self, device_id: _Optional[str] = ..., type: _Optional[str] = ..., metadata: _Optional[_Mapping[str, str]] = ...) -> None: ...

class InsertMarkerResponse(_message.Message):
    __slots__ = ("marker_id", "timestamp")
    MARKER_ID_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    marker_id: str
    timestamp: float
    def __init__(self, marker_id: _Optional[str] = ..., timestamp: _Optional[float] = ...) -> None: ...

class ConnectCommand(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class StartCommand(_message.Message):
    __slots__ = ("config",)
    CONFIG_FIELD_NUMBER: _ClassVar[int]
    config: StreamConfig
    def __init__(self, config: _Optional[_Union[StreamConfig, _Mapping]] = ...) -> None: ...

class StopCommand(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ConfigureCommand(_message.Message):
    __slots__ = ("config", "update_mask")
    CONFIG_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    config: StreamConfig
    update_mask: _field_mask_pb2.FieldMask
    def __init__(self, config: _Optional[_Union[StreamConfig, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ...) -> None: ...

class InsertMarkerCommand(_message.Message):
    __slots__ = ("type", "metadata")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    TYPE_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    type: str
    metadata: _containers.ScalarMap[str, str]
    def __init__(self, type: _Optional[str] = ..., metadata: _Optional[_Mapping[str, str]] = ...) -> None: ...

class ImpedanceCheckCommand(_message.Message):
    __slots__ = ("channels",)
    CHANNELS_FIELD_NUMBER: _ClassVar[int]
    channels: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, channels: _Optional[_Iterable[int]] = ...) -> None: ...

class PingCommand(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ControlRequest(_message.Message):
    __slots__ = ("command_id", "device_id", "connect", "start", "stop", "configure", "insert_marker", "impedance_check", "ping")
    COMMAND_ID_FIELD_NUMBER: _ClassVar[int]
    DEVICE_ID_FIELD_NUMBER: _ClassVar[int]
    CONNECT_FIELD_NUMBER: _ClassVar[int]
    START_FIELD_NUMBER: _ClassVar[int]
    STOP_FIELD_NUMBER: _ClassVar[int]
    CONFIGURE_FIELD_NUMBER: _ClassVar[int]
    INSERT_MARKER_FIELD_NUMBER: _ClassVar[int]
    IMPEDANCE_CHECK_FIELD_NUMBER: _ClassVar[int]
    PING_FIELD_NUMBER: _ClassVar[int]
    command_id: str
    device_id: str
    connect: ConnectCommand
    start: StartCommand
    stop: StopCommand
    configure: ConfigureCommand
    insert_marker: InsertMarkerCommand
    impedance_check: ImpedanceCheckCommand
    ping: PingCommand
    def __init__(self, command_id: _Optional[str] = ..., device_id: _Optional[str] = ..., connect: _Optional[_Union[ConnectCommand, _Mapping]] = ..., start: _Optional[_Union[StartCommand, _Mapping]] = ..., stop: _Optional[_Union[StopCommand, _Mapping]] = ..., configure: _Optional[_Union[ConfigureCommand, _Mapping]] = ..., insert_marker: _Optional[_Union[InsertMarkerCommand, _Mapping]] = ..., impedance_check: _Optional[_Union[ImpedanceCheckCommand, _Mapping]] = ..., ping: _Optional[_Union[PingCommand, _Mapping]] = ...) -> None: ...

class CommandAck(_message.Message):
    __slots__ = ("command_id", "result")
    COMMAND_ID_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    command_id: str
    result: _struct_pb2.Struct
    def __init__(self, command_id: _Optional[str] = ..., result: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class CommandError(_message.Message):
    __slots__ = ("command_id", "code", "message", "details")
    COMMAND_ID_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    DETAILS_FIELD_NUMBER: _ClassVar[int]
    command_id: str
    code: str
    message: str
    details: _struct_pb2.Struct
    def __init__(self, command_id: _Optional[str] = ..., code: _Optional[str] = ..., message: _Optional[str] = ..., details: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class StatusEvent(_message.Message):
    __slots__ = ("device_id", "type", "timestamp", "data")
    DEVICE_ID_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    device_id: str
    type: str
    timestamp: _timestamp_pb2.Timestamp
    data: _struct_pb2.Struct
    def __init__(self, device_id: _Optional[str] = ..., type: _Optional[str] = ..., timestamp: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., data: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class ControlResponse(_message.Message):
    __slots__ = ("ack", "error", "event")
    ACK_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    EVENT_FIELD_NUMBER: _ClassVar[int]
    ack: CommandAck
    error: CommandError
    event: StatusEvent
    def __init__(self, ack: _Optional[_Union[CommandAck, _Mapping]] = ..., error: _Optional[_Union[CommandError, _Mapping]] = ..., event: _Optional[_Union[StatusEvent, _Mapping]] = ...) -> None: ...
