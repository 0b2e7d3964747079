"""Segmentation: clustering a dataset's rows.

The event loop checks the caller's dataset (:func:`table_ref`); the request
then goes whole to a compute worker, which reads the table
(:func:`open_table`) and clusters it with
:mod:`neurogate.server.analytics.segmentation`.
"""

from __future__ import annotations

from neurogate.server.compute import ComputePool
from neurogate.server.datasets.store import DatasetStore
from neurogate.v1 import segmentation_pb2_grpc


class SegmentationServicer(segmentation_pb2_grpc.SegmentationServicer):
    def __init__(self, datasets: DatasetStore, compute: ComputePool, database_url: str) -> None:
        self._datasets = datasets
        self._compute = compute
        self._database_url = database_url
