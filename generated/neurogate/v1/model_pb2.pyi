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

class TrainRequest(_message.Message):
    __slots__ = ("dataset_id", "target", "features", "model_type", "task", "test_size", "hyperparameters", "cv_folds", "random_seed", "name")
    DATASET_ID_FIELD_NUMBER: _ClassVar[int]
    TARGET_FIELD_NUMBER: _ClassVar[int]
    FEATURES_FIELD_NUMBER: _ClassVar[int]
    MODEL_TYPE_FIELD_NUMBER: _ClassVar[int]
    TASK_FIELD_NUMBER: _ClassVar[int]
    TEST_SIZE_FIELD_NUMBER: _ClassVar[int]
    HYPERPARAMETERS_FIELD_NUMBER: _ClassVar[int]
    CV_FOLDS_FIELD_NUMBER: _ClassVar[int]
    RANDOM_SEED_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    dataset_id: str
    target: str
    features: _containers.RepeatedScalarFieldContainer[str]
    model_type: str
    task: str
    test_size: float
    hyperparameters: _struct_pb2.Struct
    cv_folds: int
    random_seed: int
    name: str
    def __init__(self, dataset_id: _Optional[str] = ..., target: _Optional[str] = ..., features: _Optional[_Iterable[str]] = ..., model_type: _Optional[str] = ..., task: _Optional[str] = ..., test_size: _Optional[float] = ..., hyperparameters: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., cv_folds: _Optional[int] = ..., random_seed: _Optional[int] = ..., name: _Optional[str] = ...) -> None: ...

class CrossValidation(_message.Message):
    __slots__ = ("folds", "metric", "mean", "std", "scores")
    FOLDS_FIELD_NUMBER: _ClassVar[int]
    METRIC_FIELD_NUMBER: _ClassVar[int]
    MEAN_FIELD_NUMBER: _ClassVar[int]
    STD_FIELD_NUMBER: _ClassVar[int]
    SCORES_FIELD_NUMBER: _ClassVar[int]
    folds: int
    metric: str
    mean: float
    std: float
    scores: _containers.RepeatedScalarFieldContainer[float]
    def __init__(self, folds: _Optional[int] = ..., metric: _Optional[str] = ..., mean: _Optional[float] = ..., std: _Optional[float] = ..., scores: _Optional[_Iterable[float]] = ...) -> None: ...

class Model(_message.Message):
    __slots__ = ("model_id", "model_type", "task", "dataset_id", "target", "features", "metrics", "created_at", "kind", "name")
    class MetricsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: float
        def __init__(self, key: _Optional[str] = ..., value: _Optional[float] = ...) -> None: ...
    MODEL_ID_FIELD_NUMBER: _ClassVar[int]
    MODEL_TYPE_FIELD_NUMBER: _ClassVar[int]
    TASK_FIELD_NUMBER: _ClassVar[int]
    DATASET_ID_FIELD_NUMBER: _ClassVar[int]
    TARGET_FIELD_NUMBER: _ClassVar[int]
    FEATURES_FIELD_NUMBER: _ClassVar[int]
    METRICS_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    model_id: str
    model_type: str
    task: str
    dataset_id: str
    target: str
    features: _containers.RepeatedScalarFieldContainer[str]
    metrics: _containers.ScalarMap[str, float]
    created_at: _timestamp_pb2.Timestamp
    kind: str
    name: str
    def __init__(self, model_id: _Optional[str] = ..., model_type: _Optional[str] = ..., task: _Optional[str] = ..., dataset_id: _Optional[str] = ..., target: _Optional[str] = ..., features: _Optional[_Iterable[str]] = ..., metrics: _Optional[_Mapping[str, float]] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., kind: _Optional[str] = ..., name: _Optional[str] = ...) -> None: ...

class TrainResponse(_message.Message):
    __slots__ = ("status", "model_id", "model_type", "task", "metrics", "feature_importance", "created_at", "training_time_ms", "classes", "confusion_matrix", "cross_validation", "train_rows", "test_rows")
    class MetricsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: float
        def __init__(self, key: _Optional[str] = ..., value: _Optional[float] = ...) -> None: ...
    class FeatureImportanceEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: float
        def __init__(self, key: _Optional[str] = ..., value: _Optional[float] = ...) -> None: ...
    STATUS_FIELD_NUMBER: _ClassVar[int]
    MODEL_ID_FIELD_NUMBER: _ClassVar[int]
    MODEL_TYPE_FIELD_NUMBER: _ClassVar[int]
    TASK_FIELD_NUMBER: _ClassVar[int]
    METRICS_FIELD_NUMBER: _ClassVar[int]
    FEATURE_IMPORTANCE_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    TRAINING_TIME_MS_FIELD_NUMBER: _ClassVar[int]
    CLASSES_FIELD_NUMBER: _ClassVar[int]
    CONFUSION_MATRIX_FIELD_NUMBER: _ClassVar[int]
    CROSS_VALIDATION_FIELD_NUMBER: _ClassVar[int]
    TRAIN_ROWS_FIELD_NUMBER: _ClassVar[int]
    TEST_ROWS_FIELD_NUMBER: _ClassVar[int]
    status: str
    model_id: str
    model_type: str
    task: str
    metrics: _containers.ScalarMap[str, float]
    feature_importance: _containers.ScalarMap[str, float]
    created_at: _timestamp_pb2.Timestamp
    training_time_ms: float
    classes: _containers.RepeatedScalarFieldContainer[str]
    confusion_matrix: _containers.RepeatedCompositeFieldContainer[_struct_pb2.ListValue]
    cross_validation: CrossValidation
    train_rows: int
    test_rows: int
    def __init__(self, status: _Optional[str] = ..., model_id: _Optional[str] = ..., model_type: _Optional[str] = ..., task: _Optional[str] = ..., metrics: _Optional[_Mapping[str, float]] = ..., feature_importance: _Optional[_Mapping[str, float]] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., training_time_ms: _Optional[float] = ..., classes: _Optional[_Iterable[str]] = ..., confusion_matrix: _Optional[_Iterable[_Union[_struct_pb2.ListValue, _Mapping]]] = ..., cross_validation: _Optional[_Union[CrossValidation, _Mapping]] = ..., train_rows: _Optional[int] = ..., test_rows: _Optional[int] = ...) -> None: ...

class PredictRequest(_message.Message):
    __slots__ = ("model_id", "data")
    MODEL_ID_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    model_id: str
    data: _containers.RepeatedCompositeFieldContainer[_struct_pb2.Struct]
    def __init__(self, model_id: _Optional[str] = ..., data: _Optional[_Iterable[_Union[_struct_pb2.Struct, _Mapping]]] = ...) -> None: ...

class PredictResponse(_message.Message):
    __slots__ = ("model_id", "predictions", "probabilities")
    MODEL_ID_FIELD_NUMBER: _ClassVar[int]
    PREDICTIONS_FIELD_NUMBER: _ClassVar[int]
    PROBABILITIES_FIELD_NUMBER: _ClassVar[int]
    model_id: str
    predictions: _containers.RepeatedCompositeFieldContainer[_struct_pb2.Value]
    probabilities: _containers.RepeatedCompositeFieldContainer[_struct_pb2.Struct]
    def __init__(self, model_id: _Optional[str] = ..., predictions: _Optional[_Iterable[_Union[_struct_pb2.Value, _Mapping]]] = ..., probabilities: _Optional[_Iterable[_Union[_struct_pb2.Struct, _Mapping]]] = ...) -> None: ...

class EegInput(_message.Message):
    __slots__ = ("eeg", "duration_ms", "sample_rate")
    EEG_FIELD_NUMBER: _ClassVar[int]
    DURATION_MS_FIELD_NUMBER: _ClassVar[int]
    SAMPLE_RATE_FIELD_NUMBER: _ClassVar[int]
    eeg: _containers.RepeatedCompositeFieldContainer[_struct_pb2.ListValue]
    duration_ms: float
    sample_rate: float
    def __init__(self, eeg: _Optional[_Iterable[_Union[_struct_pb2.ListValue, _Mapping]]] = ..., duration_ms: _Optional[float] = ..., sample_rate: _Optional[float] = ...) -> None: ...

class InferRequest(_message.Message):
    __slots__ = ("model_id", "input_data", "model_version")
    MODEL_ID_FIELD_NUMBER: _ClassVar[int]
    INPUT_DATA_FIELD_NUMBER: _ClassVar[int]
    MODEL_VERSION_FIELD_NUMBER: _ClassVar[int]
    model_id: str
    input_data: EegInput
    model_version: str
    def __init__(self, model_id: _Optional[str] = ..., input_data: _Optional[_Union[EegInput, _Mapping]] = ..., model_version: _Optional[str] = ...) -> None: ...

class InferencePrediction(_message.Message):
    __slots__ = ("confidence", "probabilities")
    class ProbabilitiesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: float
        def __init__(self, key: _Optional[str] = ..., value: _Optional[float] = ...) -> None: ...
    CLASS_FIELD_NUMBER: _ClassVar[int]
    CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    PROBABILITIES_FIELD_NUMBER: _ClassVar[int]
    confidence: float
    probabilities: _containers.ScalarMap[str, float]
    def __init__(self, confidence: _Optional[float] = ..., probabilities: _Optional[_Mapping[str, float]] = ..., **kwargs) -> None: ...

class InferResponse(_message.Message):
    __slots__ = ("predictions", "inference_time_ms", "model_id")
    PREDICTIONS_FIELD_NUMBER: _ClassVar[int]
    INFERENCE_TIME_MS_FIELD_NUMBER: _ClassVar[int]
    MODEL_ID_FIELD_NUMBER: _ClassVar[int]
    predictions: InferencePrediction
    inference_time_ms: float
    model_id: str
    def __init__(self, predictions: _Optional[_Union[InferencePrediction, _Mapping]] = ..., inference_time_ms: _Optional[float] = ..., model_id: _Optional[str] = ...) -> None: ...

class TrainEegModelRequest(_message.Message):
    __slots__ = ("session_ids", "channels", "epoch_start_seconds", "epoch_seconds", "marker_types", "label_key", "features", "classifier", "cv_folds", "name")
    SESSION_IDS_FIELD_NUMBER: _ClassVar[int]
    CHANNELS_FIELD_NUMBER: _ClassVar[int]
    EPOCH_START_SECONDS_FIELD_NUMBER: _ClassVar[int]
    EPOCH_SECONDS_FIELD_NUMBER: _ClassVar[int]
    MARKER_TYPES_FIELD_NUMBER: _ClassVar[int]
    LABEL_KEY_FIELD_NUMBER: _ClassVar[int]
    FEATURES_FIELD_NUMBER: _ClassVar[int]
    CLASSIFIER_FIELD_NUMBER: _ClassVar[int]
    CV_FOLDS_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    session_ids: _containers.RepeatedScalarFieldContainer[str]
    channels: _containers.RepeatedScalarFieldContainer[int]
    epoch_start_seconds: float
    epoch_seconds: float
    marker_types: _containers.RepeatedScalarFieldContainer[str]
    label_key: str
    features: str
    classifier: str
    cv_folds: int
    name: str
    def __init__(self, session_ids: _Optional[_Iterable[str]] = ..., channels: _Optional[_Iterable[int]] = ..., epoch_start_seconds: _Optional[float] = ..., epoch_seconds: _Optional[float] = ..., marker_types: _Optional[_Iterable[str]] = ..., label_key: _Optional[str] = ..., features: _Optional[str] = ..., classifier: _Optional[str] = ..., cv_folds: _Optional[int] = ..., name: _Optional[str] = ...) -> None: ...

class TrainEegModelResponse(_message.Message):
    __slots__ = ("status", "model_id", "classes", "epochs", "epochs_per_class", "cross_validation", "features", "classifier", "sample_rate", "channels", "training_time_ms", "created_at")
    class EpochsPerClassEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    STATUS_FIELD_NUMBER: _ClassVar[int]
    MODEL_ID_FIELD_NUMBER: _ClassVar[int]
    CLASSES_FIELD_NUMBER: _ClassVar[int]
    EPOCHS_FIELD_NUMBER: _ClassVar[int]
    EPOCHS_PER_CLASS_FIELD_NUMBER: _ClassVar[int]
    CROSS_VALIDATION_FIELD_NUMBER: _ClassVar[int]
    FEATURES_FIELD_NUMBER: _ClassVar[int]
    CLASSIFIER_FIELD_NUMBER: _ClassVar[int]
    SAMPLE_RATE_FIELD_NUMBER: _ClassVar[int]
    CHANNELS_FIELD_NUMBER: _ClassVar[int]
    TRAINING_TIME_MS_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    status: str
    model_id: str
    classes: _containers.RepeatedScalarFieldContainer[str]
    epochs: int
    epochs_per_class: _containers.ScalarMap[str, int]
    cross_validation: CrossValidation
    features: str
    classifier: str
    sample_rate: float
    channels: _containers.RepeatedScalarFieldContainer[int]
    training_time_ms: float
    created_at: _timestamp_pb2.Timestamp
    def __init__(self, status: _Optional[str] = ..., model_id: _Optional[str] = ..., classes: _Optional[_Iterable[str]] = ..., epochs: _Optional[int] = ..., epochs_per_class: _Optional[_Mapping[str, int]] = ..., cross_validation: _Optional[_Union[CrossValidation, _Mapping]] = ..., features: _Optional[str] = ..., classifier: _Optional[str] = ..., sample_rate: _Optional[float] = ..., channels: _Optional[_Iterable[int]] = ..., training_time_ms: _Optional[float] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListModelsRequest(_message.Message):
    __slots__ = ("page_size", "page_token")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListModelsResponse(_message.Message):
    __slots__ = ("models", "total", "next_page_token")
    MODELS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    models: _containers.RepeatedCompositeFieldContainer[Model]
    total: int
    next_page_token: str
    def __init__(self, models: _Optional[_Iterable[_Union[Model, _Mapping]]] = ..., total: _Optional[int] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetModelRequest(_message.Message):
    __slots__ = ("model_id",)
    MODEL_ID_FIELD_NUMBER: _ClassVar[int]
    model_id: str
    def __init__(self, model_id: _Optional[str] = ...) -> None: ...

class GetModelResponse(_message.Message):
    __slots__ = ("model_id", "model_type", "task", "dataset_id", "target", "features", "metrics", "created_at", "hyperparameters", "feature_importance", "classes", "kind", "name", "details")
    class MetricsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: float
        def __init__(self, key: _Optional[str] = ..., value: _Optional[float] = ...) -> None: ...
    class FeatureImportanceEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: float
        def __init__(self, key: _Optional[str] = ..., value: _Optional[float] = ...) -> None: ...
    MODEL_ID_FIELD_NUMBER: _ClassVar[int]
    MODEL_TYPE_FIELD_NUMBER: _ClassVar[int]
    TASK_FIELD_NUMBER: _ClassVar[int]
    DATASET_ID_FIELD_NUMBER: _ClassVar[int]
    TARGET_FIELD_NUMBER: _ClassVar[int]
    FEATURES_FIELD_NUMBER: _ClassVar[int]
    METRICS_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    HYPERPARAMETERS_FIELD_NUMBER: _ClassVar[int]
    FEATURE_IMPORTANCE_FIELD_NUMBER: _ClassVar[int]
    CLASSES_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    DETAILS_FIELD_NUMBER: _ClassVar[int]
    model_id: str
    model_type: str
    task: str
    dataset_id: str
    target: str
    features: _containers.RepeatedScalarFieldContainer[str]
    metrics: _containers.ScalarMap[str, float]
    created_at: _timestamp_pb2.Timestamp
    hyperparameters: _struct_pb2.Struct
    feature_importance: _containers.ScalarMap[str, float]
    classes: _containers.RepeatedScalarFieldContainer[str]
    kind: str
    name: str
    details: _struct_pb2.Struct
    def __init__(self, model_id: _Optional[str] = ..., model_type: _Optional[str] = ..., task: _Optional[str] = ..., dataset_id: _Optional[str] = ..., target: _Optional[str] = ..., features: _Optional[_Iterable[str]] = ..., metrics: _Optional[_Mapping[str, float]] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., hyperparameters: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., feature_importance: _Optional[_Mapping[str, float]] = ..., classes: _Optional[_Iterable[str]] = ..., kind: _Optional[str] = ..., name: _Optional[str] = ..., details: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class DeleteModelRequest(_message.Message):
    __slots__ = ("model_id",)
    MODEL_ID_FIELD_NUMBER: _ClassVar[int]
    model_id: str
    def __init__(self, model_id: _Optional[str] = ...) -> None: ...

class DeleteModelResponse(_message.Message):
    __slots__ = ("model_id",)
    MODEL_ID_FIELD_NUMBER: _ClassVar[int]
    model_id: str
    def __init__(self, model_id: _Optional[str] = ...) -> None: ...
