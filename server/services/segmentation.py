"""Segmentation: clustering a dataset's rows.

The event loop checks the caller's dataset (:func:`table_ref`); the request
then goes whole to a compute worker, which reads the table
(:func:`open_table`) and clusters it with
:mod:`neurogate.server.analytics.segmentation`.

With ``write_labels`` the worker also builds the labelled table: the source
rows and columns, their types kept, plus a categorical cluster column (the
cluster id as text, ``"noise"`` for DBSCAN noise, missing for rows skipped
for a missing feature). It is named ``cluster``, or ``cluster_2``,
``cluster_3``... when the source already has that column. The event loop
stores it as a new dataset of the caller, named ``labels_dataset_name`` or
"<source name> clusters".
"""

from __future__ import annotations

from dataclasses import dataclass

import grpc

from neurogate.server.analytics.segmentation import Clustering, cluster, label_column
from neurogate.server.analytics.tables import TableRef, open_table, table_ref
from neurogate.server.compute import ComputePool
from neurogate.server.context import current_account
from neurogate.server.datasets.parsing import ParsedUpload, preview_rows, table_from_frame
from neurogate.server.datasets.store import DatasetStore
from neurogate.server.datasets.upload import MAX_NAME_LENGTH, PREVIEW_ROWS, dataset_name
from neurogate.server.errors import InvalidParameter
from neurogate.v1 import segmentation_pb2, segmentation_pb2_grpc

LABEL_COLUMN = "cluster"


@dataclass(frozen=True)
class _Labelled:
    """The labelled table to store, built in the worker."""

    parsed: ParsedUpload
    preview: list[dict]


def _label_column_name(columns: list[str]) -> str:
    taken = set(columns)
    if LABEL_COLUMN not in taken:
        return LABEL_COLUMN
    n = 2
    while f"{LABEL_COLUMN}_{n}" in taken:
        n += 1
    return f"{LABEL_COLUMN}_{n}"


def _response(clustering: Clustering) -> segmentation_pb2.ClusterResponse:
    return segmentation_pb2.ClusterResponse(
        status="success",
        clusters=[
            segmentation_pb2.ClusterSummary(
                cluster_id=c.cluster_id, name=c.name, size=c.size, centroid=c.centroid
            )
            for c in clustering.clusters
        ],
        metrics=segmentation_pb2.ClusterMetrics(
            # Undefined (fewer than two clusters) is 0 on the wire; the field is not optional.
            silhouette_score=clustering.silhouette or 0.0,
            inertia=clustering.inertia,
            n_clusters=clustering.n_clusters,
            noise_points=clustering.noise_points,
            silhouette_by_k={str(k): v for k, v in clustering.silhouette_by_k.items()},
            eps=clustering.eps,
        ),
        rows_used=clustering.matrix.rows_used,
        rows_skipped=clustering.matrix.rows_skipped,
    )


def _cluster_job(
    ref: TableRef, request: segmentation_pb2.ClusterRequest
) -> tuple[segmentation_pb2.ClusterResponse, _Labelled | None]:
    """Runs in a compute worker."""
    table = open_table(ref)
    clustering = cluster(
        table,
        list(request.features),
        request.algorithm,
        n_clusters=request.n_clusters,
        eps=request.eps,
        min_samples=request.min_samples,
    )
    labelled = None
    if request.write_labels:
        frame = table.frame
        name = _label_column_name(list(frame.columns))
        parsed = table_from_frame(
            frame.assign(**{name: label_column(clustering, frame.index)}),
            column_types={**ref.column_types, name: "categorical"},
        )
        labelled = _Labelled(parsed, preview_rows(parsed.parquet, PREVIEW_ROWS))
    return _response(clustering), labelled


def _labels_name(requested: str, source: str) -> str:
    """The labels dataset's name, checked like an upload's; the refusal names
    ``labels_dataset_name``."""
    if not requested.strip():
        return f"{source} clusters"[:MAX_NAME_LENGTH]
    try:
        return dataset_name(requested, "")
    except InvalidParameter as exc:
        details = {**exc.details, "parameter": "labels_dataset_name"}
        raise InvalidParameter(exc.message, **details) from exc


class SegmentationServicer(segmentation_pb2_grpc.SegmentationServicer):
    def __init__(self, datasets: DatasetStore, compute: ComputePool, database_url: str) -> None:
        self._datasets = datasets
        self._compute = compute
        self._database_url = database_url

    async def Cluster(
        self, request: segmentation_pb2.ClusterRequest, context: grpc.aio.ServicerContext
    ) -> segmentation_pb2.ClusterResponse:
        account_id = current_account()
        ref = await table_ref(self._datasets, self._database_url, account_id, request.dataset_id)
        name = _labels_name(request.labels_dataset_name, ref.dataset_name)
        response, labelled = await self._compute.run(_cluster_job, ref, request)
        if labelled is not None:
            dataset = await self._datasets.add_table(
                account_id, name, labelled.parsed, labelled.preview, len(labelled.parsed.parquet)
            )
            response.labels_dataset_id = dataset.id
        return response
