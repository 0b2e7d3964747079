from google.api import annotations_pb2 as _annotations_pb2
from neurogate.v1 import access_pb2 as _access_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ClusterRequest(_message.Message):
    __slots__ = ("dataset_id", "algorithm", "n_clusters", "features", "write_labels", "labels_dataset_name", "eps", "min_samples")
    DATASET_ID_FIELD_NUMBER: _ClassVar[int]
    ALGORITHM_FIELD_NUMBER: _ClassVar[int]
    N_CLUSTERS_FIELD_NUMBER: _ClassVar[int]
    FEATURES_FIELD_NUMBER: _ClassVar[int]
    WRITE_LABELS_FIELD_NUMBER: _ClassVar[int]
    LABELS_DATASET_NAME_FIELD_NUMBER: _ClassVar[int]
    EPS_FIELD_NUMBER: _ClassVar[int]
    MIN_SAMPLES_FIELD_NUMBER: _ClassVar[int]
    dataset_id: str
    algorithm: str
    n_clusters: int
    features: _containers.RepeatedScalarFieldContainer[str]
    write_labels: bool
    labels_dataset_name: str
    eps: float
    min_samples: int
    def __init__(self, dataset_id: _Optional[str] = ..., algorithm: _Optional[str] = ..., n_clusters: _Optional[int] = ..., features: _Optional[_Iterable[str]] = ..., write_labels: _Optional[bool] = ..., labels_dataset_name: _Optional[str] = ..., eps: _Optional[float] = ..., min_samples: _Optional[int] = ...) -> None: ...

class ClusterSummary(_message.Message):
    __slots__ = ("cluster_id", "name", "size", "centroid")
    class CentroidEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: float
        def __init__(self, key: _Optional[str] = ..., value: _Optional[float] = ...) -> None: ...
    CLUSTER_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    SIZE_FIELD_NUMBER: _ClassVar[int]
    CENTROID_FIELD_NUMBER: _ClassVar[int]
    cluster_id: int
    name: str
    size: int
    centroid: _containers.ScalarMap[str, float]
    def __init__(self, cluster_id: _Optional[int] = ..., name: _Optional[str] = ..., size: _Optional[int] = ..., centroid: _Optional[_Mapping[str, float]] = ...) -> None: ...

class ClusterMetrics(_message.Message):
    __slots__ = ("silhouette_score", "inertia", "n_clusters", "noise_points", "silhouette_by_k", "eps")
    class SilhouetteByKEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: float
        def __init__(self, key: _Optional[str] = ..., value: _Optional[float] = ...) -> None: ...
    SILHOUETTE_SCORE_FIELD_NUMBER: _ClassVar[int]
    INERTIA_FIELD_NUMBER: _ClassVar[int]
    N_CLUSTERS_FIELD_NUMBER: _ClassVar[int]
    NOISE_POINTS_FIELD_NUMBER: _ClassVar[int]
    SILHOUETTE_BY_K_FIELD_NUMBER: _ClassVar[int]
    EPS_FIELD_NUMBER: _ClassVar[int]
    silhouette_score: float
    inertia: float
    n_clusters: int
    noise_points: int
    silhouette_by_k: _containers.ScalarMap[str, float]
    eps: float
    def __init__(self, silhouette_score: _Optional[float] = ..., inertia: _Optional[float] = ..., n_clusters: _Optional[int] = ..., noise_points: _Optional[int] = ..., silhouette_by_k: _Optional[_Mapping[str, float]] = ..., eps: _Optional[float] = ...) -> None: ...

class ClusterResponse(_message.Message):
    __slots__ = ("status", "clusters", "metrics", "labels_dataset_id", "rows_used", "rows_skipped")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    CLUSTERS_FIELD_NUMBER: _ClassVar[int]
    METRICS_FIELD_NUMBER: _ClassVar[int]
    LABELS_DATASET_ID_FIELD_NUMBER: _ClassVar[int]
    ROWS_USED_FIELD_NUMBER: _ClassVar[int]
    ROWS_SKIPPED_FIELD_NUMBER: _ClassVar[int]
    status: str
    clusters: _containers.RepeatedCompositeFieldContainer[ClusterSummary]
    metrics: ClusterMetrics
    labels_dataset_id: str
    rows_used: int
    rows_skipped: int
    def __init__(self, status: _Optional[str] = ..., clusters: _Optional[_Iterable[_Union[ClusterSummary, _Mapping]]] = ..., metrics: _Optional[_Union[ClusterMetrics, _Mapping]] = ..., labels_dataset_id: _Optional[str] = ..., rows_used: _Optional[int] = ..., rows_skipped: _Optional[int] = ...) -> None: ...
