from google.api import annotations_pb2 as _annotations_pb2
from google.protobuf import struct_pb2 as _struct_pb2
from neurogate.v1 import access_pb2 as _access_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class DateRange(_message.Message):
    __slots__ = ("column", "start", "end")
    COLUMN_FIELD_NUMBER: _ClassVar[int]
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    column: str
    start: str
    end: str
    def __init__(self, column: _Optional[str] = ..., start: _Optional[str] = ..., end: _Optional[str] = ...) -> None: ...

class AnalyticsFilters(_message.Message):
    __slots__ = ("date_range", "where")
    DATE_RANGE_FIELD_NUMBER: _ClassVar[int]
    WHERE_FIELD_NUMBER: _ClassVar[int]
    date_range: DateRange
    where: _struct_pb2.Struct
    def __init__(self, date_range: _Optional[_Union[DateRange, _Mapping]] = ..., where: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class AnalyticsDescriptiveRequest(_message.Message):
    __slots__ = ("dataset_id", "column", "metrics", "group_by", "filters")
    DATASET_ID_FIELD_NUMBER: _ClassVar[int]
    COLUMN_FIELD_NUMBER: _ClassVar[int]
    METRICS_FIELD_NUMBER: _ClassVar[int]
    GROUP_BY_FIELD_NUMBER: _ClassVar[int]
    FILTERS_FIELD_NUMBER: _ClassVar[int]
    dataset_id: str
    column: str
    metrics: _containers.RepeatedScalarFieldContainer[str]
    group_by: str
    filters: AnalyticsFilters
    def __init__(self, dataset_id: _Optional[str] = ..., column: _Optional[str] = ..., metrics: _Optional[_Iterable[str]] = ..., group_by: _Optional[str] = ..., filters: _Optional[_Union[AnalyticsFilters, _Mapping]] = ...) -> None: ...

class Summary(_message.Message):
    __slots__ = ("count", "mean", "median", "std", "min", "max")
    COUNT_FIELD_NUMBER: _ClassVar[int]
    MEAN_FIELD_NUMBER: _ClassVar[int]
    MEDIAN_FIELD_NUMBER: _ClassVar[int]
    STD_FIELD_NUMBER: _ClassVar[int]
    MIN_FIELD_NUMBER: _ClassVar[int]
    MAX_FIELD_NUMBER: _ClassVar[int]
    count: int
    mean: float
    median: float
    std: float
    min: float
    max: float
    def __init__(self, count: _Optional[int] = ..., mean: _Optional[float] = ..., median: _Optional[float] = ..., std: _Optional[float] = ..., min: _Optional[float] = ..., max: _Optional[float] = ...) -> None: ...

class Quartiles(_message.Message):
    __slots__ = ("q1", "q2", "q3")
    Q1_FIELD_NUMBER: _ClassVar[int]
    Q2_FIELD_NUMBER: _ClassVar[int]
    Q3_FIELD_NUMBER: _ClassVar[int]
    q1: float
    q2: float
    q3: float
    def __init__(self, q1: _Optional[float] = ..., q2: _Optional[float] = ..., q3: _Optional[float] = ...) -> None: ...

class CategorySummary(_message.Message):
    __slots__ = ("category", "summary", "quartiles")
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    QUARTILES_FIELD_NUMBER: _ClassVar[int]
    category: str
    summary: Summary
    quartiles: Quartiles
    def __init__(self, category: _Optional[str] = ..., summary: _Optional[_Union[Summary, _Mapping]] = ..., quartiles: _Optional[_Union[Quartiles, _Mapping]] = ...) -> None: ...

class DescriptiveResults(_message.Message):
    __slots__ = ("summary", "quartiles", "by_category")
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    QUARTILES_FIELD_NUMBER: _ClassVar[int]
    BY_CATEGORY_FIELD_NUMBER: _ClassVar[int]
    summary: Summary
    quartiles: Quartiles
    by_category: _containers.RepeatedCompositeFieldContainer[CategorySummary]
    def __init__(self, summary: _Optional[_Union[Summary, _Mapping]] = ..., quartiles: _Optional[_Union[Quartiles, _Mapping]] = ..., by_category: _Optional[_Iterable[_Union[CategorySummary, _Mapping]]] = ...) -> None: ...

class AnalyticsDescriptiveResponse(_message.Message):
    __slots__ = ("status", "results", "execution_time_ms", "rows_matched")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    EXECUTION_TIME_MS_FIELD_NUMBER: _ClassVar[int]
    ROWS_MATCHED_FIELD_NUMBER: _ClassVar[int]
    status: str
    results: DescriptiveResults
    execution_time_ms: float
    rows_matched: int
    def __init__(self, status: _Optional[str] = ..., results: _Optional[_Union[DescriptiveResults, _Mapping]] = ..., execution_time_ms: _Optional[float] = ..., rows_matched: _Optional[int] = ...) -> None: ...

class TrainingData(_message.Message):
    __slots__ = ("dataset_id", "features", "target", "date_column")
    DATASET_ID_FIELD_NUMBER: _ClassVar[int]
    FEATURES_FIELD_NUMBER: _ClassVar[int]
    TARGET_FIELD_NUMBER: _ClassVar[int]
    DATE_COLUMN_FIELD_NUMBER: _ClassVar[int]
    dataset_id: str
    features: _containers.RepeatedScalarFieldContainer[str]
    target: str
    date_column: str
    def __init__(self, dataset_id: _Optional[str] = ..., features: _Optional[_Iterable[str]] = ..., target: _Optional[str] = ..., date_column: _Optional[str] = ...) -> None: ...

class PredictionConfig(_message.Message):
    __slots__ = ("horizon", "interval", "confidence_level", "test_size")
    HORIZON_FIELD_NUMBER: _ClassVar[int]
    INTERVAL_FIELD_NUMBER: _ClassVar[int]
    CONFIDENCE_LEVEL_FIELD_NUMBER: _ClassVar[int]
    TEST_SIZE_FIELD_NUMBER: _ClassVar[int]
    horizon: int
    interval: str
    confidence_level: float
    test_size: float
    def __init__(self, horizon: _Optional[int] = ..., interval: _Optional[str] = ..., confidence_level: _Optional[float] = ..., test_size: _Optional[float] = ...) -> None: ...

class PredictiveRequest(_message.Message):
    __slots__ = ("model_type", "training_data", "prediction_config")
    MODEL_TYPE_FIELD_NUMBER: _ClassVar[int]
    TRAINING_DATA_FIELD_NUMBER: _ClassVar[int]
    PREDICTION_CONFIG_FIELD_NUMBER: _ClassVar[int]
    model_type: str
    training_data: TrainingData
    prediction_config: PredictionConfig
    def __init__(self, model_type: _Optional[str] = ..., training_data: _Optional[_Union[TrainingData, _Mapping]] = ..., prediction_config: _Optional[_Union[PredictionConfig, _Mapping]] = ...) -> None: ...

class PredictionInterval(_message.Message):
    __slots__ = ("lower", "upper")
    LOWER_FIELD_NUMBER: _ClassVar[int]
    UPPER_FIELD_NUMBER: _ClassVar[int]
    lower: float
    upper: float
    def __init__(self, lower: _Optional[float] = ..., upper: _Optional[float] = ...) -> None: ...

class Prediction(_message.Message):
    __slots__ = ("date", "value", "confidence_interval")
    DATE_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    CONFIDENCE_INTERVAL_FIELD_NUMBER: _ClassVar[int]
    date: str
    value: float
    confidence_interval: PredictionInterval
    def __init__(self, date: _Optional[str] = ..., value: _Optional[float] = ..., confidence_interval: _Optional[_Union[PredictionInterval, _Mapping]] = ...) -> None: ...

class RegressionMetrics(_message.Message):
    __slots__ = ("r2_score", "rmse", "mae")
    R2_SCORE_FIELD_NUMBER: _ClassVar[int]
    RMSE_FIELD_NUMBER: _ClassVar[int]
    MAE_FIELD_NUMBER: _ClassVar[int]
    r2_score: float
    rmse: float
    mae: float
    def __init__(self, r2_score: _Optional[float] = ..., rmse: _Optional[float] = ..., mae: _Optional[float] = ...) -> None: ...

class PredictiveResponse(_message.Message):
    __slots__ = ("status", "model_id", "predictions", "metrics", "interval_method", "holdout_rows", "date_column")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    MODEL_ID_FIELD_NUMBER: _ClassVar[int]
    PREDICTIONS_FIELD_NUMBER: _ClassVar[int]
    METRICS_FIELD_NUMBER: _ClassVar[int]
    INTERVAL_METHOD_FIELD_NUMBER: _ClassVar[int]
    HOLDOUT_ROWS_FIELD_NUMBER: _ClassVar[int]
    DATE_COLUMN_FIELD_NUMBER: _ClassVar[int]
    status: str
    model_id: str
    predictions: _containers.RepeatedCompositeFieldContainer[Prediction]
    metrics: RegressionMetrics
    interval_method: str
    holdout_rows: int
    date_column: str
    def __init__(self, status: _Optional[str] = ..., model_id: _Optional[str] = ..., predictions: _Optional[_Iterable[_Union[Prediction, _Mapping]]] = ..., metrics: _Optional[_Union[RegressionMetrics, _Mapping]] = ..., interval_method: _Optional[str] = ..., holdout_rows: _Optional[int] = ..., date_column: _Optional[str] = ...) -> None: ...

class DiagnosticRequest(_message.Message):
    __slots__ = ("dataset_id", "target_metric", "potential_factors", "analysis_type")
    DATASET_ID_FIELD_NUMBER: _ClassVar[int]
    TARGET_METRIC_FIELD_NUMBER: _ClassVar[int]
    POTENTIAL_FACTORS_FIELD_NUMBER: _ClassVar[int]
    ANALYSIS_TYPE_FIELD_NUMBER: _ClassVar[int]
    dataset_id: str
    target_metric: str
    potential_factors: _containers.RepeatedScalarFieldContainer[str]
    analysis_type: str
    def __init__(self, dataset_id: _Optional[str] = ..., target_metric: _Optional[str] = ..., potential_factors: _Optional[_Iterable[str]] = ..., analysis_type: _Optional[str] = ...) -> None: ...

class FactorCorrelation(_message.Message):
    __slots__ = ("factor", "correlation", "p_value", "significance")
    FACTOR_FIELD_NUMBER: _ClassVar[int]
    CORRELATION_FIELD_NUMBER: _ClassVar[int]
    P_VALUE_FIELD_NUMBER: _ClassVar[int]
    SIGNIFICANCE_FIELD_NUMBER: _ClassVar[int]
    factor: str
    correlation: float
    p_value: float
    significance: str
    def __init__(self, factor: _Optional[str] = ..., correlation: _Optional[float] = ..., p_value: _Optional[float] = ..., significance: _Optional[str] = ...) -> None: ...

class RootCause(_message.Message):
    __slots__ = ("factor", "contribution", "impact")
    FACTOR_FIELD_NUMBER: _ClassVar[int]
    CONTRIBUTION_FIELD_NUMBER: _ClassVar[int]
    IMPACT_FIELD_NUMBER: _ClassVar[int]
    factor: str
    contribution: float
    impact: float
    def __init__(self, factor: _Optional[str] = ..., contribution: _Optional[float] = ..., impact: _Optional[float] = ...) -> None: ...

class DiagnosticResponse(_message.Message):
    __slots__ = ("status", "correlations", "root_causes", "r2_score")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    CORRELATIONS_FIELD_NUMBER: _ClassVar[int]
    ROOT_CAUSES_FIELD_NUMBER: _ClassVar[int]
    R2_SCORE_FIELD_NUMBER: _ClassVar[int]
    status: str
    correlations: _containers.RepeatedCompositeFieldContainer[FactorCorrelation]
    root_causes: _containers.RepeatedCompositeFieldContainer[RootCause]
    r2_score: float
    def __init__(self, status: _Optional[str] = ..., correlations: _Optional[_Iterable[_Union[FactorCorrelation, _Mapping]]] = ..., root_causes: _Optional[_Iterable[_Union[RootCause, _Mapping]]] = ..., r2_score: _Optional[float] = ...) -> None: ...

class PrescriptiveRequest(_message.Message):
    __slots__ = ("dataset_id", "objective", "constraints", "variables")
    DATASET_ID_FIELD_NUMBER: _ClassVar[int]
    OBJECTIVE_FIELD_NUMBER: _ClassVar[int]
    CONSTRAINTS_FIELD_NUMBER: _ClassVar[int]
    VARIABLES_FIELD_NUMBER: _ClassVar[int]
    dataset_id: str
    objective: str
    constraints: _struct_pb2.Struct
    variables: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, dataset_id: _Optional[str] = ..., objective: _Optional[str] = ..., constraints: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., variables: _Optional[_Iterable[str]] = ...) -> None: ...

class Recommendation(_message.Message):
    __slots__ = ("action", "change", "expected_roi", "confidence", "variable")
    ACTION_FIELD_NUMBER: _ClassVar[int]
    CHANGE_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_ROI_FIELD_NUMBER: _ClassVar[int]
    CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    VARIABLE_FIELD_NUMBER: _ClassVar[int]
    action: str
    change: float
    expected_roi: float
    confidence: float
    variable: str
    def __init__(self, action: _Optional[str] = ..., change: _Optional[float] = ..., expected_roi: _Optional[float] = ..., confidence: _Optional[float] = ..., variable: _Optional[str] = ...) -> None: ...

class PrescriptiveResponse(_message.Message):
    __slots__ = ("status", "recommendations", "optimal_solution", "model_fit")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    RECOMMENDATIONS_FIELD_NUMBER: _ClassVar[int]
    OPTIMAL_SOLUTION_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIT_FIELD_NUMBER: _ClassVar[int]
    status: str
    recommendations: _containers.RepeatedCompositeFieldContainer[Recommendation]
    optimal_solution: _struct_pb2.Struct
    model_fit: RegressionMetrics
    def __init__(self, status: _Optional[str] = ..., recommendations: _Optional[_Iterable[_Union[Recommendation, _Mapping]]] = ..., optimal_solution: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., model_fit: _Optional[_Union[RegressionMetrics, _Mapping]] = ...) -> None: ...
