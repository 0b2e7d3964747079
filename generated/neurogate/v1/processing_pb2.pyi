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
    __slots__ = ("type", "low", "high", "frequency", "order", "quality", "detrend")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    LOW_FIELD_NUMBER: _ClassVar[int]
    HIGH_FIELD_NUMBER: _ClassVar[int]
    FREQUENCY_FIELD_NUMBER: _ClassVar[int]
    ORDER_FIELD_NUMBER: _ClassVar[int]
    QUALITY_FIELD_NUMBER: _ClassVar[int]
    DETREND_FIELD_NUMBER: _ClassVar[int]
    type: str
    low: float
    high: float
    frequency: float
    order: int
    quality: float
    detrend: str
    def __init__(self, type: _Optional[str] = ..., low: _Optional[float] = ..., high: _Optional[float] = ..., frequency: _Optional[float] = ..., order: _Optional[int] = ..., quality: _Optional[float] = ..., detrend: _Optional[str] = ...) -> None: ...

class FilterRequest(_message.Message):
    __slots__ = ("data", "sample_rate", "filters", "layout", "mode")
    DATA_FIELD_NUMBER: _ClassVar[int]
    SAMPLE_RATE_FIELD_NUMBER: _ClassVar[int]
    FILTERS_FIELD_NUMBER: _ClassVar[int]
    LAYOUT_FIELD_NUMBER: _ClassVar[int]
    MODE_FIELD_NUMBER: _ClassVar[int]
    data: _containers.RepeatedCompositeFieldContainer[_struct_pb2.ListValue]
    sample_rate: float
    filters: _containers.RepeatedCompositeFieldContainer[FilterSpec]
    layout: str
    mode: str
    def __init__(self, data: _Optional[_Iterable[_Union[_struct_pb2.ListValue, _Mapping]]] = ..., sample_rate: _Optional[float] = ..., filters: _Optional[_Iterable[_Union[FilterSpec, _Mapping]]] = ..., layout: _Optional[str] = ..., mode: _Optional[str] = ...) -> None: ...

class FilterResponse(_message.Message):
    __slots__ = ("data", "sample_rate", "filters", "layout", "mode")
    DATA_FIELD_NUMBER: _ClassVar[int]
    SAMPLE_RATE_FIELD_NUMBER: _ClassVar[int]
    FILTERS_FIELD_NUMBER: _ClassVar[int]
    LAYOUT_FIELD_NUMBER: _ClassVar[int]
    MODE_FIELD_NUMBER: _ClassVar[int]
    data: _containers.RepeatedCompositeFieldContainer[_struct_pb2.ListValue]
    sample_rate: float
    filters: _containers.RepeatedCompositeFieldContainer[FilterSpec]
    layout: str
    mode: str
    def __init__(self, data: _Optional[_Iterable[_Union[_struct_pb2.ListValue, _Mapping]]] = ..., sample_rate: _Optional[float] = ..., filters: _Optional[_Iterable[_Union[FilterSpec, _Mapping]]] = ..., layout: _Optional[str] = ..., mode: _Optional[str] = ...) -> None: ...

class FrequencyBand(_message.Message):
    __slots__ = ("name", "low", "high")
    NAME_FIELD_NUMBER: _ClassVar[int]
    LOW_FIELD_NUMBER: _ClassVar[int]
    HIGH_FIELD_NUMBER: _ClassVar[int]
    name: str
    low: float
    high: float
    def __init__(self, name: _Optional[str] = ..., low: _Optional[float] = ..., high: _Optional[float] = ...) -> None: ...

class BandPowerRequest(_message.Message):
    __slots__ = ("data", "sample_rate", "layout", "bands", "segment_seconds")
    DATA_FIELD_NUMBER: _ClassVar[int]
    SAMPLE_RATE_FIELD_NUMBER: _ClassVar[int]
    LAYOUT_FIELD_NUMBER: _ClassVar[int]
    BANDS_FIELD_NUMBER: _ClassVar[int]
    SEGMENT_SECONDS_FIELD_NUMBER: _ClassVar[int]
    data: _containers.RepeatedCompositeFieldContainer[_struct_pb2.ListValue]
    sample_rate: float
    layout: str
    bands: _containers.RepeatedCompositeFieldContainer[FrequencyBand]
    segment_seconds: float
    def __init__(self, data: _Optional[_Iterable[_Union[_struct_pb2.ListValue, _Mapping]]] = ..., sample_rate: _Optional[float] = ..., layout: _Optional[str] = ..., bands: _Optional[_Iterable[_Union[FrequencyBand, _Mapping]]] = ..., segment_seconds: _Optional[float] = ...) -> None: ...

class ChannelBandPower(_message.Message):
    __slots__ = ("channel", "absolute", "relative")
    class AbsoluteEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: float
        def __init__(self, key: _Optional[str] = ..., value: _Optional[float] = ...) -> None: ...
    class RelativeEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: float
        def __init__(self, key: _Optional[str] = ..., value: _Optional[float] = ...) -> None: ...
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    ABSOLUTE_FIELD_NUMBER: _ClassVar[int]
    RELATIVE_FIELD_NUMBER: _ClassVar[int]
    channel: int
    absolute: _containers.ScalarMap[str, float]
    relative: _containers.ScalarMap[str, float]
    def __init__(self, channel: _Optional[int] = ..., absolute: _Optional[_Mapping[str, float]] = ..., relative: _Optional[_Mapping[str, float]] = ...) -> None: ...

class BandPowerResponse(_message.Message):
    __slots__ = ("channels", "bands", "frequency_resolution", "method")
    CHANNELS_FIELD_NUMBER: _ClassVar[int]
    BANDS_FIELD_NUMBER: _ClassVar[int]
    FREQUENCY_RESOLUTION_FIELD_NUMBER: _ClassVar[int]
    METHOD_FIELD_NUMBER: _ClassVar[int]
    channels: _containers.RepeatedCompositeFieldContainer[ChannelBandPower]
    bands: _containers.RepeatedCompositeFieldContainer[FrequencyBand]
    frequency_resolution: float
    method: str
    def __init__(self, channels: _Optional[_Iterable[_Union[ChannelBandPower, _Mapping]]] = ..., bands: _Optional[_Iterable[_Union[FrequencyBand, _Mapping]]] = ..., frequency_resolution: _Optional[float] = ..., method: _Optional[str] = ...) -> None: ...
