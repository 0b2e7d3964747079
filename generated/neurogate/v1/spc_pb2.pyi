from google.api import annotations_pb2 as _annotations_pb2
from google.api import httpbody_pb2 as _httpbody_pb2
from neurogate.v1 import access_pb2 as _access_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class SpecLimits(_message.Message):
    __slots__ = ("lsl", "usl", "target")
    LSL_FIELD_NUMBER: _ClassVar[int]
    USL_FIELD_NUMBER: _ClassVar[int]
    TARGET_FIELD_NUMBER: _ClassVar[int]
    lsl: float
    usl: float
    target: float
    def __init__(self, lsl: _Optional[float] = ..., usl: _Optional[float] = ..., target: _Optional[float] = ...) -> None: ...

class CusumOptions(_message.Message):
    __slots__ = ("k", "h")
    K_FIELD_NUMBER: _ClassVar[int]
    H_FIELD_NUMBER: _ClassVar[int]
    k: float
    h: float
    def __init__(self, k: _Optional[float] = ..., h: _Optional[float] = ...) -> None: ...

class EwmaOptions(_message.Message):
    __slots__ = ("nsigmas",)
    LAMBDA_FIELD_NUMBER: _ClassVar[int]
    NSIGMAS_FIELD_NUMBER: _ClassVar[int]
    nsigmas: float
    def __init__(self, nsigmas: _Optional[float] = ..., **kwargs) -> None: ...

class KnownProcess(_message.Message):
    __slots__ = ("center", "sigma")
    CENTER_FIELD_NUMBER: _ClassVar[int]
    SIGMA_FIELD_NUMBER: _ClassVar[int]
    center: float
    sigma: float
    def __init__(self, center: _Optional[float] = ..., sigma: _Optional[float] = ...) -> None: ...

class ControlChartRequest(_message.Message):
    __slots__ = ("dataset_id", "column", "chart_type", "subgroup_size", "subgroup_column", "sample_size", "sample_size_column", "phase_one_subgroups", "spec_limits", "rules", "cusum", "ewma", "render", "phase_one_column", "known", "omit_points")
    DATASET_ID_FIELD_NUMBER: _ClassVar[int]
    COLUMN_FIELD_NUMBER: _ClassVar[int]
    CHART_TYPE_FIELD_NUMBER: _ClassVar[int]
    SUBGROUP_SIZE_FIELD_NUMBER: _ClassVar[int]
    SUBGROUP_COLUMN_FIELD_NUMBER: _ClassVar[int]
    SAMPLE_SIZE_FIELD_NUMBER: _ClassVar[int]
    SAMPLE_SIZE_COLUMN_FIELD_NUMBER: _ClassVar[int]
    PHASE_ONE_SUBGROUPS_FIELD_NUMBER: _ClassVar[int]
    SPEC_LIMITS_FIELD_NUMBER: _ClassVar[int]
    RULES_FIELD_NUMBER: _ClassVar[int]
    CUSUM_FIELD_NUMBER: _ClassVar[int]
    EWMA_FIELD_NUMBER: _ClassVar[int]
    RENDER_FIELD_NUMBER: _ClassVar[int]
    PHASE_ONE_COLUMN_FIELD_NUMBER: _ClassVar[int]
    KNOWN_FIELD_NUMBER: _ClassVar[int]
    OMIT_POINTS_FIELD_NUMBER: _ClassVar[int]
    dataset_id: str
    column: str
    chart_type: str
    subgroup_size: int
    subgroup_column: str
    sample_size: int
    sample_size_column: str
    phase_one_subgroups: int
    spec_limits: SpecLimits
    rules: _containers.RepeatedScalarFieldContainer[str]
    cusum: CusumOptions
    ewma: EwmaOptions
    render: str
    phase_one_column: str
    known: KnownProcess
    omit_points: bool
    def __init__(self, dataset_id: _Optional[str] = ..., column: _Optional[str] = ..., chart_type: _Optional[str] = ..., subgroup_size: _Optional[int] = ..., subgroup_column: _Optional[str] = ..., sample_size: _Optional[int] = ..., sample_size_column: _Optional[str] = ..., phase_one_subgroups: _Optional[int] = ..., spec_limits: _Optional[_Union[SpecLimits, _Mapping]] = ..., rules: _Optional[_Iterable[str]] = ..., cusum: _Optional[_Union[CusumOptions, _Mapping]] = ..., ewma: _Optional[_Union[EwmaOptions, _Mapping]] = ..., render: _Optional[str] = ..., phase_one_column: _Optional[str] = ..., known: _Optional[_Union[KnownProcess, _Mapping]] = ..., omit_points: _Optional[bool] = ...) -> None: ...

class ChartPoint(_message.Message):
    __slots__ = ("subgroup", "value", "lcl", "ucl", "out_of_control", "upper", "lower")
    SUBGROUP_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    LCL_FIELD_NUMBER: _ClassVar[int]
    UCL_FIELD_NUMBER: _ClassVar[int]
    OUT_OF_CONTROL_FIELD_NUMBER: _ClassVar[int]
    UPPER_FIELD_NUMBER: _ClassVar[int]
    LOWER_FIELD_NUMBER: _ClassVar[int]
    subgroup: int
    value: float
    lcl: float
    ucl: float
    out_of_control: bool
    upper: float
    lower: float
    def __init__(self, subgroup: _Optional[int] = ..., value: _Optional[float] = ..., lcl: _Optional[float] = ..., ucl: _Optional[float] = ..., out_of_control: _Optional[bool] = ..., upper: _Optional[float] = ..., lower: _Optional[float] = ...) -> None: ...

class SecondaryChart(_message.Message):
    __slots__ = ("chart_type", "center_line", "lcl", "ucl", "points")
    CHART_TYPE_FIELD_NUMBER: _ClassVar[int]
    CENTER_LINE_FIELD_NUMBER: _ClassVar[int]
    LCL_FIELD_NUMBER: _ClassVar[int]
    UCL_FIELD_NUMBER: _ClassVar[int]
    POINTS_FIELD_NUMBER: _ClassVar[int]
    chart_type: str
    center_line: float
    lcl: float
    ucl: float
    points: _containers.RepeatedCompositeFieldContainer[ChartPoint]
    def __init__(self, chart_type: _Optional[str] = ..., center_line: _Optional[float] = ..., lcl: _Optional[float] = ..., ucl: _Optional[float] = ..., points: _Optional[_Iterable[_Union[ChartPoint, _Mapping]]] = ...) -> None: ...

class Violation(_message.Message):
    __slots__ = ("point", "value", "rule", "description")
    POINT_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    RULE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    point: int
    value: float
    rule: str
    description: str
    def __init__(self, point: _Optional[int] = ..., value: _Optional[float] = ..., rule: _Optional[str] = ..., description: _Optional[str] = ...) -> None: ...

class Capability(_message.Message):
    __slots__ = ("cp", "cpk", "cpl", "cpu", "pp", "ppk", "cpm", "ppm_total", "normality_test", "normality_statistic", "normality_p_value")
    CP_FIELD_NUMBER: _ClassVar[int]
    CPK_FIELD_NUMBER: _ClassVar[int]
    CPL_FIELD_NUMBER: _ClassVar[int]
    CPU_FIELD_NUMBER: _ClassVar[int]
    PP_FIELD_NUMBER: _ClassVar[int]
    PPK_FIELD_NUMBER: _ClassVar[int]
    CPM_FIELD_NUMBER: _ClassVar[int]
    PPM_TOTAL_FIELD_NUMBER: _ClassVar[int]
    NORMALITY_TEST_FIELD_NUMBER: _ClassVar[int]
    NORMALITY_STATISTIC_FIELD_NUMBER: _ClassVar[int]
    NORMALITY_P_VALUE_FIELD_NUMBER: _ClassVar[int]
    cp: float
    cpk: float
    cpl: float
    cpu: float
    pp: float
    ppk: float
    cpm: float
    ppm_total: float
    normality_test: str
    normality_statistic: float
    normality_p_value: float
    def __init__(self, cp: _Optional[float] = ..., cpk: _Optional[float] = ..., cpl: _Optional[float] = ..., cpu: _Optional[float] = ..., pp: _Optional[float] = ..., ppk: _Optional[float] = ..., cpm: _Optional[float] = ..., ppm_total: _Optional[float] = ..., normality_test: _Optional[str] = ..., normality_statistic: _Optional[float] = ..., normality_p_value: _Optional[float] = ...) -> None: ...

class ControlChartResponse(_message.Message):
    __slots__ = ("chart_type", "center_line", "lcl", "ucl", "sigma", "points", "secondary", "violations", "capability", "chart_id", "image", "image_content_type")
    CHART_TYPE_FIELD_NUMBER: _ClassVar[int]
    CENTER_LINE_FIELD_NUMBER: _ClassVar[int]
    LCL_FIELD_NUMBER: _ClassVar[int]
    UCL_FIELD_NUMBER: _ClassVar[int]
    SIGMA_FIELD_NUMBER: _ClassVar[int]
    POINTS_FIELD_NUMBER: _ClassVar[int]
    SECONDARY_FIELD_NUMBER: _ClassVar[int]
    VIOLATIONS_FIELD_NUMBER: _ClassVar[int]
    CAPABILITY_FIELD_NUMBER: _ClassVar[int]
    CHART_ID_FIELD_NUMBER: _ClassVar[int]
    IMAGE_FIELD_NUMBER: _ClassVar[int]
    IMAGE_CONTENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    chart_type: str
    center_line: float
    lcl: float
    ucl: float
    sigma: float
    points: _containers.RepeatedCompositeFieldContainer[ChartPoint]
    secondary: SecondaryChart
    violations: _containers.RepeatedCompositeFieldContainer[Violation]
    capability: Capability
    chart_id: str
    image: bytes
    image_content_type: str
    def __init__(self, chart_type: _Optional[str] = ..., center_line: _Optional[float] = ..., lcl: _Optional[float] = ..., ucl: _Optional[float] = ..., sigma: _Optional[float] = ..., points: _Optional[_Iterable[_Union[ChartPoint, _Mapping]]] = ..., secondary: _Optional[_Union[SecondaryChart, _Mapping]] = ..., violations: _Optional[_Iterable[_Union[Violation, _Mapping]]] = ..., capability: _Optional[_Union[Capability, _Mapping]] = ..., chart_id: _Optional[str] = ..., image: _Optional[bytes] = ..., image_content_type: _Optional[str] = ...) -> None: ...
