"""Analytics: descriptive summaries, forecasts, diagnostics and prescriptions
on a dataset's table.

The event loop checks the caller's dataset (:func:`table_ref`); the request
then goes whole to a compute worker, which reads the table
(:func:`open_table`) and does the numerical work in
:mod:`neurogate.server.analytics`. A fitted forecast is stored as a model
(:class:`ModelStore`) usable by ``ModelService.Predict``.
"""

from __future__ import annotations

from neurogate.server.compute import ComputePool
from neurogate.server.datasets.store import DatasetStore
from neurogate.server.ml.store import ModelStore
from neurogate.v1 import analytics_pb2_grpc


class AnalyticsServicer(analytics_pb2_grpc.AnalyticsServicer):
    def __init__(
        self,
        datasets: DatasetStore,
        models: ModelStore,
        compute: ComputePool,
        database_url: str,
        model_key: str,
    ) -> None:
        self._datasets = datasets
        self._models = models
        self._compute = compute
        self._database_url = database_url
        self._model_key = model_key
