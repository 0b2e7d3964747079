"""Analysis: descriptive statistics and hypothesis tests on a dataset's table.

The event loop checks the caller's dataset (:func:`table_ref`); the request
then goes whole to a compute worker, which reads the table
(:func:`open_table`) and does the numerical work in
:mod:`neurogate.server.analytics`.
"""

from __future__ import annotations

from neurogate.server.compute import ComputePool
from neurogate.server.datasets.store import DatasetStore
from neurogate.v1 import analysis_pb2_grpc


class AnalysisServicer(analysis_pb2_grpc.AnalysisServicer):
    def __init__(self, datasets: DatasetStore, compute: ComputePool, database_url: str) -> None:
        self._datasets = datasets
        self._compute = compute
        self._database_url = database_url
