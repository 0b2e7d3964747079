import datetime

from google.api import annotations_pb2 as _annotations_pb2
from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from neurogate.v1 import access_pb2 as _access_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class StreamSource(_message.Message):
    __slots__ = ("device_id", "session_id")
    DEVICE_ID_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    device_id: str
    session_id: str
    def __init__(self, device_id: _Optional[str] = ..., session_id: _Optional[str] = ...) -> None: ...

class WindowSpec(_message.Message):
    __slots__ = ("type", "size_seconds", "slide_seconds")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    SIZE_SECONDS_FIELD_NUMBER: _ClassVar[int]
    SLIDE_SECONDS_FIELD_NUMBER: _ClassVar[int]
    type: str
    size_seconds: float
    slide_seconds: float
    def __init__(self, type: _Optional[str] = ..., size_seconds: _Optional[float] = ..., slide_seconds: _Optional[float] = ...) -> None: ...

class Aggregation(_message.Message):
    __slots__ = ("function", "channels", "parameters")
    FUNCTION_FIELD_NUMBER: _ClassVar[int]
    CHANNELS_FIELD_NUMBER: _ClassVar[int]
    PARAMETERS_FIELD_NUMBER: _ClassVar[int]
    function: str
    channels: _containers.RepeatedScalarFieldContainer[int]
    parameters: _struct_pb2.Struct
    def __init__(self, function: _Optional[str] = ..., channels: _Optional[_Iterable[int]] = ..., parameters: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class CreateStreamRequest(_message.Message):
    __slots__ = ("name", "source", "window", "aggregations")
    NAME_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    WINDOW_FIELD_NUMBER: _ClassVar[int]
    AGGREGATIONS_FIELD_NUMBER: _ClassVar[int]
    name: str
    source: StreamSource
    window: WindowSpec
    aggregations: _containers.RepeatedCompositeFieldContainer[Aggregation]
    def __init__(self, name: _Optional[str] = ..., source: _Optional[_Union[StreamSource, _Mapping]] = ..., window: _Optional[_Union[WindowSpec, _Mapping]] = ..., aggregations: _Optional[_Iterable[_Union[Aggregation, _Mapping]]] = ...) -> None: ...

class CreateStreamResponse(_message.Message):
    __slots__ = ("stream_id", "status", "created_at")
    STREAM_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    stream_id: str
    status: str
    created_at: _timestamp_pb2.Timestamp
    def __init__(self, stream_id: _Optional[str] = ..., status: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class GetStreamMetricsRequest(_message.Message):
    __slots__ = ("stream_id",)
    STREAM_ID_FIELD_NUMBER: _ClassVar[int]
    stream_id: str
    def __init__(self, stream_id: _Optional[str] = ...) -> None: ...

class GetStreamMetricsResponse(_message.Message):
    __slots__ = ("stream_id", "status", "windows_processed", "latest", "updated_at")
    STREAM_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    WINDOWS_PROCESSED_FIELD_NUMBER: _ClassVar[int]
    LATEST_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    stream_id: str
    status: str
    windows_processed: int
    latest: _struct_pb2.Struct
    updated_at: _timestamp_pb2.Timestamp
    def __init__(self, stream_id: _Optional[str] = ..., status: _Optional[str] = ..., windows_processed: _Optional[int] = ..., latest: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
