"""SPC: control charts on a dataset's column (DESIGN.md section 7).

The event loop checks the caller's dataset (:func:`table_ref`); the request
then goes whole to a compute worker, which reads the table
(:func:`open_table`) and computes the chart with :mod:`neurogate.server.spc`.
"""

from __future__ import annotations

from neurogate.server.compute import ComputePool
from neurogate.server.datasets.store import DatasetStore
from neurogate.v1 import spc_pb2_grpc


class SPCServicer(spc_pb2_grpc.SPCServicer):
    def __init__(self, datasets: DatasetStore, compute: ComputePool, database_url: str) -> None:
        self._datasets = datasets
        self._compute = compute
        self._database_url = database_url
