from google.api import annotations_pb2 as _annotations_pb2
from google.protobuf import struct_pb2 as _struct_pb2
from neurogate.v1 import access_pb2 as _access_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class FilterSpec(_message.Message):
    __slots__ = ("type", "low", "high", "frequency", "order", "quality")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    LOW_FIELD_NUMBER: _ClassVar[int]
    HIGH_FIELD_NUMBER: _ClassVar[int]
    FREQUENCY_FIELD_NUMBER: _ClassVar[int]
    ORDER_FIELD_NUMBER: _ClassVar[int]
    QUALITY_FIELD_NUMBER: _ClassVar[int]
    type: str
    low: float
    high: float
    frequency: float
    order: int
    quality: float
    def __init__(self, type: _Optional[str] = ..., low: _Optional[float] = ..., high: _Optional[float] = ..., frequency: _Optional[float] = ..., order: _Optional[int] = ..., quality: _Optional[float] = ...) -> None: ...

class FilterRequest(_message.Message):
    __slots__ = ("data", "sample_rate", "filters", "zero_phase")
    DATA_FIELD_NUMBER: _ClassVar[int]
    SAMPLE_RATE_FIELD_NUMBER: _ClassVar[int]
    FILTERS_FIELD_NUMBER: _ClassVar[int]
    ZERO_PHASE_FIELD_NUMBER: _ClassVar[int]
    data: _containers.RepeatedCompositeFieldContainer[_struct_pb2.ListValue]
    sample_rate: float
    filters: _containers.RepeatedCompositeFieldContainer[FilterSpec]
    zero_phase: bool
    def __init__(self, data: _Optional[_Iterable[_Union[_struct_pb2.ListValue, _Mapping]]] = ..., sample_rate: _Optional[float] = ..., filters: _Optional[_Iterable[_Union[FilterSpec, _Mapping]]] = ..., zero_phase: _Optional[bool] = ...) -> None: ...

class FilterResponse(_message.Message):
    __slots__ = ("data", "sample_rate", "filters", "zero_phase")
    DATA_FIELD_NUMBER: _ClassVar[int]
    SAMPLE_RATE_FIELD_NUMBER: _ClassVar[int]
    FILTERS_FIELD_NUMBER: _ClassVar[int]
    ZERO_PHASE_FIELD_NUMBER: _ClassVar[int]
    data: _containers.RepeatedCompositeFieldContainer[_struct_pb2.ListValue]
    sample_rate: float
    filters: _containers.RepeatedCompositeFieldContainer[FilterSpec]
    zero_phase: bool
    def __init__(self, data: _Optional[_Iterable[_Union[_struct_pb2.ListValue, _Mapping]]] = ..., sample_rate: _Optional[float] = ..., filters: _Optional[_Iterable[_Union[FilterSpec, _Mapping]]] = ..., zero_phase: _Optional[bool] = ...) -> None: ...
