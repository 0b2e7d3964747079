from google.api import annotations_pb2 as _annotations_pb2
from google.protobuf import struct_pb2 as _struct_pb2
from neurogate.v1 import access_pb2 as _access_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class AnalysisDescriptiveRequest(_message.Message):
    __slots__ = ("dataset_id", "columns", "statistics", "percentiles")
    DATASET_ID_FIELD_NUMBER: _ClassVar[int]
    COLUMNS_FIELD_NUMBER: _ClassVar[int]
    STATISTICS_FIELD_NUMBER: _ClassVar[int]
    PERCENTILES_FIELD_NUMBER: _ClassVar[int]
    dataset_id: str
    columns: _containers.RepeatedScalarFieldContainer[str]
    statistics: _containers.RepeatedScalarFieldContainer[str]
    percentiles: _containers.RepeatedScalarFieldContainer[float]
    def __init__(self, dataset_id: _Optional[str] = ..., columns: _Optional[_Iterable[str]] = ..., statistics: _Optional[_Iterable[str]] = ..., percentiles: _Optional[_Iterable[float]] = ...) -> None: ...

class ColumnStatistics(_message.Message):
    __slots__ = ("count", "missing", "mean", "std", "var", "min", "max", "median", "sum", "skewness", "kurtosis", "percentiles", "mode", "column_type")
    class PercentilesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: float
        def __init__(self, key: _Optional[str] = ..., value: _Optional[float] = ...) -> None: ...
    COUNT_FIELD_NUMBER: _ClassVar[int]
    MISSING_FIELD_NUMBER: _ClassVar[int]
    MEAN_FIELD_NUMBER: _ClassVar[int]
    STD_FIELD_NUMBER: _ClassVar[int]
    VAR_FIELD_NUMBER: _ClassVar[int]
    MIN_FIELD_NUMBER: _ClassVar[int]
    MAX_FIELD_NUMBER: _ClassVar[int]
    MEDIAN_FIELD_NUMBER: _ClassVar[int]
    SUM_FIELD_NUMBER: _ClassVar[int]
    SKEWNESS_FIELD_NUMBER: _ClassVar[int]
    KURTOSIS_FIELD_NUMBER: _ClassVar[int]
    PERCENTILES_FIELD_NUMBER: _ClassVar[int]
    MODE_FIELD_NUMBER: _ClassVar[int]
    COLUMN_TYPE_FIELD_NUMBER: _ClassVar[int]
    count: int
    missing: int
    mean: float
    std: float
    var: float
    min: float
    max: float
    median: float
    sum: float
    skewness: float
    kurtosis: float
    percentiles: _containers.ScalarMap[str, float]
    mode: _struct_pb2.Value
    column_type: str
    def __init__(self, count: _Optional[int] = ..., missing: _Optional[int] = ..., mean: _Optional[float] = ..., std: _Optional[float] = ..., var: _Optional[float] = ..., min: _Optional[float] = ..., max: _Optional[float] = ..., median: _Optional[float] = ..., sum: _Optional[float] = ..., skewness: _Optional[float] = ..., kurtosis: _Optional[float] = ..., percentiles: _Optional[_Mapping[str, float]] = ..., mode: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., column_type: _Optional[str] = ...) -> None: ...

class AnalysisDescriptiveResponse(_message.Message):
    __slots__ = ("results",)
    class ResultsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: ColumnStatistics
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[ColumnStatistics, _Mapping]] = ...) -> None: ...
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    results: _containers.MessageMap[str, ColumnStatistics]
    def __init__(self, results: _Optional[_Mapping[str, ColumnStatistics]] = ...) -> None: ...

class HypothesisTestRequest(_message.Message):
    __slots__ = ("dataset_id", "test_type", "column", "group_column", "second_column", "alpha", "alternative", "population_mean", "equal_var", "groups", "expected_proportions")
    class ExpectedProportionsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: float
        def __init__(self, key: _Optional[str] = ..., value: _Optional[float] = ...) -> None: ...
    DATASET_ID_FIELD_NUMBER: _ClassVar[int]
    TEST_TYPE_FIELD_NUMBER: _ClassVar[int]
    COLUMN_FIELD_NUMBER: _ClassVar[int]
    GROUP_COLUMN_FIELD_NUMBER: _ClassVar[int]
    SECOND_COLUMN_FIELD_NUMBER: _ClassVar[int]
    ALPHA_FIELD_NUMBER: _ClassVar[int]
    ALTERNATIVE_FIELD_NUMBER: _ClassVar[int]
    POPULATION_MEAN_FIELD_NUMBER: _ClassVar[int]
    EQUAL_VAR_FIELD_NUMBER: _ClassVar[int]
    GROUPS_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_PROPORTIONS_FIELD_NUMBER: _ClassVar[int]
    dataset_id: str
    test_type: str
    column: str
    group_column: str
    second_column: str
    alpha: float
    alternative: str
    population_mean: float
    equal_var: bool
    groups: _containers.RepeatedScalarFieldContainer[str]
    expected_proportions: _containers.ScalarMap[str, float]
    def __init__(self, dataset_id: _Optional[str] = ..., test_type: _Optional[str] = ..., column: _Optional[str] = ..., group_column: _Optional[str] = ..., second_column: _Optional[str] = ..., alpha: _Optional[float] = ..., alternative: _Optional[str] = ..., population_mean: _Optional[float] = ..., equal_var: _Optional[bool] = ..., groups: _Optional[_Iterable[str]] = ..., expected_proportions: _Optional[_Mapping[str, float]] = ...) -> None: ...

class EffectSize(_message.Message):
    __slots__ = ("name", "value")
    NAME_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    name: str
    value: float
    def __init__(self, name: _Optional[str] = ..., value: _Optional[float] = ...) -> None: ...

class ConfidenceInterval(_message.Message):
    __slots__ = ("lower", "upper", "level")
    LOWER_FIELD_NUMBER: _ClassVar[int]
    UPPER_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    lower: float
    upper: float
    level: float
    def __init__(self, lower: _Optional[float] = ..., upper: _Optional[float] = ..., level: _Optional[float] = ...) -> None: ...

class GroupSummary(_message.Message):
    __slots__ = ("name", "n", "mean", "std")
    NAME_FIELD_NUMBER: _ClassVar[int]
    N_FIELD_NUMBER: _ClassVar[int]
    MEAN_FIELD_NUMBER: _ClassVar[int]
    STD_FIELD_NUMBER: _ClassVar[int]
    name: str
    n: int
    mean: float
    std: float
    def __init__(self, name: _Optional[str] = ..., n: _Optional[int] = ..., mean: _Optional[float] = ..., std: _Optional[float] = ...) -> None: ...

class HypothesisTestResponse(_message.Message):
    __slots__ = ("test_type", "statistic", "p_value", "df", "alpha", "reject_null", "effect_size", "confidence_interval", "groups", "interpretation", "method", "alternative")
    TEST_TYPE_FIELD_NUMBER: _ClassVar[int]
    STATISTIC_FIELD_NUMBER: _ClassVar[int]
    P_VALUE_FIELD_NUMBER: _ClassVar[int]
    DF_FIELD_NUMBER: _ClassVar[int]
    ALPHA_FIELD_NUMBER: _ClassVar[int]
    REJECT_NULL_FIELD_NUMBER: _ClassVar[int]
    EFFECT_SIZE_FIELD_NUMBER: _ClassVar[int]
    CONFIDENCE_INTERVAL_FIELD_NUMBER: _ClassVar[int]
    GROUPS_FIELD_NUMBER: _ClassVar[int]
    INTERPRETATION_FIELD_NUMBER: _ClassVar[int]
    METHOD_FIELD_NUMBER: _ClassVar[int]
    ALTERNATIVE_FIELD_NUMBER: _ClassVar[int]
    test_type: str
    statistic: float
    p_value: float
    df: float
    alpha: float
    reject_null: bool
    effect_size: EffectSize
    confidence_interval: ConfidenceInterval
    groups: _containers.RepeatedCompositeFieldContainer[GroupSummary]
    interpretation: str
    method: str
    alternative: str
    def __init__(self, test_type: _Optional[str] = ..., statistic: _Optional[float] = ..., p_value: _Optional[float] = ..., df: _Optional[float] = ..., alpha: _Optional[float] = ..., reject_null: _Optional[bool] = ..., effect_size: _Optional[_Union[EffectSize, _Mapping]] = ..., confidence_interval: _Optional[_Union[ConfidenceInterval, _Mapping]] = ..., groups: _Optional[_Iterable[_Union[GroupSummary, _Mapping]]] = ..., interpretation: _Optional[str] = ..., method: _Optional[str] = ..., alternative: _Optional[str] = ...) -> None: ...
