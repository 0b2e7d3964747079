import datetime

from google.api import annotations_pb2 as _annotations_pb2
from google.api import httpbody_pb2 as _httpbody_pb2
from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from neurogate.v1 import access_pb2 as _access_pb2
from neurogate.v1 import device_control_pb2 as _device_control_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class StreamRequest(_message.Message):
    __slots__ = ("session_id", "device_ids", "channels", "block_size", "max_latency_ms", "device_id", "after_sequence", "sample_encoding")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    DEVICE_IDS_FIELD_NUMBER: _ClassVar[int]
    CHANNELS_FIELD_NUMBER: _ClassVar[int]
    BLOCK_SIZE_FIELD_NUMBER: _ClassVar[int]
    MAX_LATENCY_MS_FIELD_NUMBER: _ClassVar[int]
    DEVICE_ID_FIELD_NUMBER: _ClassVar[int]
    AFTER_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    SAMPLE_ENCODING_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    device_ids: _containers.RepeatedScalarFieldContainer[str]
    channels: _containers.RepeatedScalarFieldContainer[int]
    block_size: int
    max_latency_ms: int
    device_id: str
    after_sequence: int
    sample_encoding: str
    def __init__(self, session_id: _Optional[str] = ..., device_ids: _Optional[_Iterable[str]] = ..., channels: _Optional[_Iterable[int]] = ..., block_size: _Optional[int] = ..., max_latency_ms: _Optional[int] = ..., device_id: _Optional[str] = ..., after_sequence: _Optional[int] = ..., sample_encoding: _Optional[str] = ...) -> None: ...

class ChannelData(_message.Message):
    __slots__ = ("channel_number", "value", "quality")
    CHANNEL_NUMBER_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    QUALITY_FIELD_NUMBER: _ClassVar[int]
    channel_number: int
    value: float
    quality: str
    def __init__(self, channel_number: _Optional[int] = ..., value: _Optional[float] = ..., quality: _Optional[str] = ...) -> None: ...

class Event(_message.Message):
    __slots__ = ("type", "timestamp", "metadata")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    TYPE_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    type: str
    timestamp: float
    metadata: _containers.ScalarMap[str, str]
    def __init__(self, type: _Optional[str] = ..., timestamp: _Optional[float] = ..., metadata: _Optional[_Mapping[str, str]] = ...) -> None: ...

class StreamEnd(_message.Message):
    __slots__ = ("reason", "code", "message")
    REASON_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    reason: str
    code: str
    message: str
    def __init__(self, reason: _Optional[str] = ..., code: _Optional[str] = ..., message: _Optional[str] = ...) -> None: ...

class NeuralDataPacket(_message.Message):
    __slots__ = ("device_id", "timestamp", "channels", "events", "session_id", "sequence", "sample_rate", "channel_numbers", "sample_count", "samples", "timestamps", "samples_f32", "first_sample_index", "dropped_samples", "end")
    DEVICE_ID_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    CHANNELS_FIELD_NUMBER: _ClassVar[int]
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    SAMPLE_RATE_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_NUMBERS_FIELD_NUMBER: _ClassVar[int]
    SAMPLE_COUNT_FIELD_NUMBER: _ClassVar[int]
    SAMPLES_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMPS_FIELD_NUMBER: _ClassVar[int]
    SAMPLES_F32_FIELD_NUMBER: _ClassVar[int]
    FIRST_SAMPLE_INDEX_FIELD_NUMBER: _ClassVar[int]
    DROPPED_SAMPLES_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    device_id: str
    timestamp: float
    channels: _containers.RepeatedCompositeFieldContainer[ChannelData]
    events: _containers.RepeatedCompositeFieldContainer[Event]
    session_id: str
    sequence: int
    sample_rate: float
    channel_numbers: _containers.RepeatedScalarFieldContainer[int]
    sample_count: int
    samples: _containers.RepeatedScalarFieldContainer[float]
    timestamps: _containers.RepeatedScalarFieldContainer[float]
    samples_f32: bytes
    first_sample_index: int
    dropped_samples: int
    end: StreamEnd
    def __init__(self, device_id: _Optional[str] = ..., timestamp: _Optional[float] = ..., channels: _Optional[_Iterable[_Union[ChannelData, _Mapping]]] = ..., events: _Optional[_Iterable[_Union[Event, _Mapping]]] = ..., session_id: _Optional[str] = ..., sequence: _Optional[int] = ..., sample_rate: _Optional[float] = ..., channel_numbers: _Optional[_Iterable[int]] = ..., sample_count: _Optional[int] = ..., samples: _Optional[_Iterable[float]] = ..., timestamps: _Optional[_Iterable[float]] = ..., samples_f32: _Optional[bytes] = ..., first_sample_index: _Optional[int] = ..., dropped_samples: _Optional[int] = ..., end: _Optional[_Union[StreamEnd, _Mapping]] = ...) -> None: ...

class AnalysisRequest(_message.Message):
    __slots__ = ("session_id", "device_id", "analysis_type", "channels", "window_seconds", "parameters")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    DEVICE_ID_FIELD_NUMBER: _ClassVar[int]
    ANALYSIS_TYPE_FIELD_NUMBER: _ClassVar[int]
    CHANNELS_FIELD_NUMBER: _ClassVar[int]
    WINDOW_SECONDS_FIELD_NUMBER: _ClassVar[int]
    PARAMETERS_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    device_id: str
    analysis_type: str
    channels: _containers.RepeatedScalarFieldContainer[int]
    window_seconds: float
    parameters: _struct_pb2.Struct
    def __init__(self, session_id: _Optional[str] = ..., device_id: _Optional[str] = ..., analysis_type: _Optional[str] = ..., channels: _Optional[_Iterable[int]] = ..., window_seconds: _Optional[float] = ..., parameters: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class AnalysisResult(_message.Message):
    __slots__ = ("analysis_type", "results", "computed_at")
    ANALYSIS_TYPE_FIELD_NUMBER: _ClassVar[int]
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    COMPUTED_AT_FIELD_NUMBER: _ClassVar[int]
    analysis_type: str
    results: _struct_pb2.Struct
    computed_at: _timestamp_pb2.Timestamp
    def __init__(self, analysis_type: _Optional[str] = ..., results: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., computed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class IngestData(_message.Message):
    __slots__ = ("eeg", "sample_rate", "channels", "samples_f32")
    EEG_FIELD_NUMBER: _ClassVar[int]
    SAMPLE_RATE_FIELD_NUMBER: _ClassVar[int]
    CHANNELS_FIELD_NUMBER: _ClassVar[int]
    SAMPLES_F32_FIELD_NUMBER: _ClassVar[int]
    eeg: _containers.RepeatedCompositeFieldContainer[_struct_pb2.ListValue]
    sample_rate: float
    channels: _containers.RepeatedScalarFieldContainer[str]
    samples_f32: bytes
    def __init__(self, eeg: _Optional[_Iterable[_Union[_struct_pb2.ListValue, _Mapping]]] = ..., sample_rate: _Optional[float] = ..., channels: _Optional[_Iterable[str]] = ..., samples_f32: _Optional[bytes] = ...) -> None: ...

class IngestMetadata(_message.Message):
    __slots__ = ("task", "subject_id")
    TASK_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_ID_FIELD_NUMBER: _ClassVar[int]
    task: str
    subject_id: str
    def __init__(self, task: _Optional[str] = ..., subject_id: _Optional[str] = ...) -> None: ...

class IngestNeuralDataRequest(_message.Message):
    __slots__ = ("device_id", "session_id", "timestamp", "data", "metadata", "ingestion_id", "sequence")
    DEVICE_ID_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    INGESTION_ID_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    device_id: str
    session_id: str
    timestamp: _timestamp_pb2.Timestamp
    data: IngestData
    metadata: IngestMetadata
    ingestion_id: str
    sequence: int
    def __init__(self, device_id: _Optional[str] = ..., session_id: _Optional[str] = ..., timestamp: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., data: _Optional[_Union[IngestData, _Mapping]] = ..., metadata: _Optional[_Union[IngestMetadata, _Mapping]] = ..., ingestion_id: _Optional[str] = ..., sequence: _Optional[int] = ...) -> None: ...

class IngestNeuralDataResponse(_message.Message):
    __slots__ = ("status", "ingestion_id", "processing_time_ms", "samples")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    INGESTION_ID_FIELD_NUMBER: _ClassVar[int]
    PROCESSING_TIME_MS_FIELD_NUMBER: _ClassVar[int]
    SAMPLES_FIELD_NUMBER: _ClassVar[int]
    status: str
    ingestion_id: str
    processing_time_ms: float
    samples: int
    def __init__(self, status: _Optional[str] = ..., ingestion_id: _Optional[str] = ..., processing_time_ms: _Optional[float] = ..., samples: _Optional[int] = ...) -> None: ...

class IngestNeuralDataStreamResponse(_message.Message):
    __slots__ = ("status", "messages", "samples", "duplicates", "processing_time_ms")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    MESSAGES_FIELD_NUMBER: _ClassVar[int]
    SAMPLES_FIELD_NUMBER: _ClassVar[int]
    DUPLICATES_FIELD_NUMBER: _ClassVar[int]
    PROCESSING_TIME_MS_FIELD_NUMBER: _ClassVar[int]
    status: str
    messages: int
    samples: int
    duplicates: int
    processing_time_ms: float
    def __init__(self, status: _Optional[str] = ..., messages: _Optional[int] = ..., samples: _Optional[int] = ..., duplicates: _Optional[int] = ..., processing_time_ms: _Optional[float] = ...) -> None: ...

class QualityMetrics(_message.Message):
    __slots__ = ("artifact_percentage", "signal_quality")
    ARTIFACT_PERCENTAGE_FIELD_NUMBER: _ClassVar[int]
    SIGNAL_QUALITY_FIELD_NUMBER: _ClassVar[int]
    artifact_percentage: float
    signal_quality: str
    def __init__(self, artifact_percentage: _Optional[float] = ..., signal_quality: _Optional[str] = ...) -> None: ...

class Session(_message.Message):
    __slots__ = ("session_id", "status", "device_id", "start_time", "end_time", "duration_seconds", "data_points", "quality_metrics", "experiment_type", "tags", "subject_pseudonym", "duration_minutes", "sample_rate", "channel_numbers", "dataset_id")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    DEVICE_ID_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    DURATION_SECONDS_FIELD_NUMBER: _ClassVar[int]
    DATA_POINTS_FIELD_NUMBER: _ClassVar[int]
    QUALITY_METRICS_FIELD_NUMBER: _ClassVar[int]
    EXPERIMENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_PSEUDONYM_FIELD_NUMBER: _ClassVar[int]
    DURATION_MINUTES_FIELD_NUMBER: _ClassVar[int]
    SAMPLE_RATE_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_NUMBERS_FIELD_NUMBER: _ClassVar[int]
    DATASET_ID_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    status: str
    device_id: str
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    duration_seconds: float
    data_points: int
    quality_metrics: QualityMetrics
    experiment_type: str
    tags: _containers.RepeatedScalarFieldContainer[str]
    subject_pseudonym: str
    duration_minutes: int
    sample_rate: float
    channel_numbers: _containers.RepeatedScalarFieldContainer[int]
    dataset_id: str
    def __init__(self, session_id: _Optional[str] = ..., status: _Optional[str] = ..., device_id: _Optional[str] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., duration_seconds: _Optional[float] = ..., data_points: _Optional[int] = ..., quality_metrics: _Optional[_Union[QualityMetrics, _Mapping]] = ..., experiment_type: _Optional[str] = ..., tags: _Optional[_Iterable[str]] = ..., subject_pseudonym: _Optional[str] = ..., duration_minutes: _Optional[int] = ..., sample_rate: _Optional[float] = ..., channel_numbers: _Optional[_Iterable[int]] = ..., dataset_id: _Optional[str] = ...) -> None: ...

class CreateSessionRequest(_message.Message):
    __slots__ = ("device_id", "subject_id", "experiment_type", "duration_minutes", "dataset_id", "tags")
    DEVICE_ID_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_ID_FIELD_NUMBER: _ClassVar[int]
    EXPERIMENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    DURATION_MINUTES_FIELD_NUMBER: _ClassVar[int]
    DATASET_ID_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    device_id: str
    subject_id: str
    experiment_type: str
    duration_minutes: int
    dataset_id: str
    tags: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, device_id: _Optional[str] = ..., subject_id: _Optional[str] = ..., experiment_type: _Optional[str] = ..., duration_minutes: _Optional[int] = ..., dataset_id: _Optional[str] = ..., tags: _Optional[_Iterable[str]] = ...) -> None: ...

class CreateSessionResponse(_message.Message):
    __slots__ = ("session_id", "status", "device_id", "start_time", "duration_minutes", "experiment_type", "tags", "subject_pseudonym", "sample_rate", "channel_numbers", "dataset_id")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    DEVICE_ID_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    DURATION_MINUTES_FIELD_NUMBER: _ClassVar[int]
    EXPERIMENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_PSEUDONYM_FIELD_NUMBER: _ClassVar[int]
    SAMPLE_RATE_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_NUMBERS_FIELD_NUMBER: _ClassVar[int]
    DATASET_ID_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    status: str
    device_id: str
    start_time: _timestamp_pb2.Timestamp
    duration_minutes: int
    experiment_type: str
    tags: _containers.RepeatedScalarFieldContainer[str]
    subject_pseudonym: str
    sample_rate: float
    channel_numbers: _containers.RepeatedScalarFieldContainer[int]
    dataset_id: str
    def __init__(self, session_id: _Optional[str] = ..., status: _Optional[str] = ..., device_id: _Optional[str] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., duration_minutes: _Optional[int] = ..., experiment_type: _Optional[str] = ..., tags: _Optional[_Iterable[str]] = ..., subject_pseudonym: _Optional[str] = ..., sample_rate: _Optional[float] = ..., channel_numbers: _Optional[_Iterable[int]] = ..., dataset_id: _Optional[str] = ...) -> None: ...

class GetSessionRequest(_message.Message):
    __slots__ = ("session_id",)
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    def __init__(self, session_id: _Optional[str] = ...) -> None: ...

class GetSessionResponse(_message.Message):
    __slots__ = ("session_id", "status", "start_time", "duration_seconds", "data_points", "quality_metrics", "device_id", "end_time", "experiment_type", "tags", "subject_pseudonym", "duration_minutes", "sample_rate", "channel_numbers", "dataset_id")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    DURATION_SECONDS_FIELD_NUMBER: _ClassVar[int]
    DATA_POINTS_FIELD_NUMBER: _ClassVar[int]
    QUALITY_METRICS_FIELD_NUMBER: _ClassVar[int]
    DEVICE_ID_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    EXPERIMENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_PSEUDONYM_FIELD_NUMBER: _ClassVar[int]
    DURATION_MINUTES_FIELD_NUMBER: _ClassVar[int]
    SAMPLE_RATE_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_NUMBERS_FIELD_NUMBER: _ClassVar[int]
    DATASET_ID_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    status: str
    start_time: _timestamp_pb2.Timestamp
    duration_seconds: float
    data_points: int
    quality_metrics: QualityMetrics
    device_id: str
    end_time: _timestamp_pb2.Timestamp
    experiment_type: str
    tags: _containers.RepeatedScalarFieldContainer[str]
    subject_pseudonym: str
    duration_minutes: int
    sample_rate: float
    channel_numbers: _containers.RepeatedScalarFieldContainer[int]
    dataset_id: str
    def __init__(self, session_id: _Optional[str] = ..., status: _Optional[str] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., duration_seconds: _Optional[float] = ..., data_points: _Optional[int] = ..., quality_metrics: _Optional[_Union[QualityMetrics, _Mapping]] = ..., device_id: _Optional[str] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., experiment_type: _Optional[str] = ..., tags: _Optional[_Iterable[str]] = ..., subject_pseudonym: _Optional[str] = ..., duration_minutes: _Optional[int] = ..., sample_rate: _Optional[float] = ..., channel_numbers: _Optional[_Iterable[int]] = ..., dataset_id: _Optional[str] = ...) -> None: ...

class ListSessionsRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "device_id", "status", "started_after", "started_before", "tag")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    DEVICE_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    STARTED_AFTER_FIELD_NUMBER: _ClassVar[int]
    STARTED_BEFORE_FIELD_NUMBER: _ClassVar[int]
    TAG_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    device_id: str
    status: str
    started_after: _timestamp_pb2.Timestamp
    started_before: _timestamp_pb2.Timestamp
    tag: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., device_id: _Optional[str] = ..., status: _Optional[str] = ..., started_after: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., started_before: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., tag: _Optional[str] = ...) -> None: ...

class ListSessionsResponse(_message.Message):
    __slots__ = ("sessions", "total", "next_page_token")
    SESSIONS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    sessions: _containers.RepeatedCompositeFieldContainer[Session]
    total: int
    next_page_token: str
    def __init__(self, sessions: _Optional[_Iterable[_Union[Session, _Mapping]]] = ..., total: _Optional[int] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class StopSessionRequest(_message.Message):
    __slots__ = ("session_id",)
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    def __init__(self, session_id: _Optional[str] = ...) -> None: ...

class StopSessionResponse(_message.Message):
    __slots__ = ("session_id", "status", "duration_seconds", "data_points")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    DURATION_SECONDS_FIELD_NUMBER: _ClassVar[int]
    DATA_POINTS_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    status: str
    duration_seconds: float
    data_points: int
    def __init__(self, session_id: _Optional[str] = ..., status: _Optional[str] = ..., duration_seconds: _Optional[float] = ..., data_points: _Optional[int] = ...) -> None: ...

class DeleteSessionRequest(_message.Message):
    __slots__ = ("session_id",)
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    def __init__(self, session_id: _Optional[str] = ...) -> None: ...

class DeleteSessionResponse(_message.Message):
    __slots__ = ("session_id",)
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    def __init__(self, session_id: _Optional[str] = ...) -> None: ...

class ExportSessionRequest(_message.Message):
    __slots__ = ("session_id", "format")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    format: str
    def __init__(self, session_id: _Optional[str] = ..., format: _Optional[str] = ...) -> None: ...
