"""DataService: dataset upload, listing, records, retrieval and deletion."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import grpc

from neurogate.server.compute import ComputePool
from neurogate.server.context import current_account
from neurogate.server.datasets.records import neural_record
from neurogate.server.datasets.store import DatasetStore
from neurogate.server.datasets.upload import (
    UploadSource,
    check_body_size,
    dataset_name,
    prepare_table,
    unpack_upload,
)
from neurogate.server.errors import InvalidParameter
from neurogate.server.pagination import page_size
from neurogate.server.services._convert import fill, struct, struct_to_dict, timestamp
from neurogate.server.storage.models import Dataset
from neurogate.v1 import data_pb2, data_pb2_grpc

MAX_PREVIEW_ROWS = 100
DEFAULT_PREVIEW_ROWS = 5


def _fields(dataset: Dataset) -> dict[str, Any]:
    schema = [data_pb2.ColumnSchema(**column) for column in dataset.schema_]
    return {
        "dataset_id": dataset.id,
        "name": dataset.name,
        "type": dataset.type,
        "rows": dataset.rows,
        "columns": dataset.columns,
        "column_types": {column.name: column.type for column in schema},
        "created_at": timestamp(dataset.created_at),
        "format": dataset.format,
        "size_bytes": dataset.size_bytes,
        "metadata": struct(dataset.metadata_),
        "schema": schema,
    }


async def _receive(
    messages: AsyncIterator[data_pb2.UploadDatasetRequest], max_file_bytes: int
) -> UploadSource:
    """Joins the streamed chunks, refusing an oversized body as it arrives."""
    first: data_pb2.UploadDatasetRequest | None = None
    chunks: list[bytes] = []
    received = 0
    async for message in messages:
        first = first or message
        received += len(message.http_body.data)
        check_body_size(received, max_file_bytes)
        chunks.append(message.http_body.data)
    if first is None:
        raise InvalidParameter("the upload stream carried no messages", parameter="file")
    return UploadSource(
        body=b"".join(chunks),
        content_type=first.http_body.content_type,
        name=first.name,
        filename=first.filename,
        encoding=first.encoding,
        sheet=first.sheet,
    )


class DataServicer(data_pb2_grpc.DataServiceServicer):
    def __init__(self, datasets: DatasetStore, compute: ComputePool, max_upload_bytes: int) -> None:
        self._datasets = datasets
        self._compute = compute
        self._max_upload_bytes = max_upload_bytes

    async def UploadDataset(
        self,
        request_iterator: AsyncIterator[data_pb2.UploadDatasetRequest],
        context: grpc.aio.ServicerContext,
    ) -> data_pb2.UploadDatasetResponse:
        account_id = current_account()
        source = await _receive(request_iterator, self._max_upload_bytes)
        file = unpack_upload(source, self._max_upload_bytes)
        name = dataset_name(file.name, file.filename)
        prepared = await self._compute.run(prepare_table, file)
        dataset = await self._datasets.add_table(
            account_id, name, prepared.parsed, prepared.preview, len(file.data)
        )
        return fill(
            data_pb2.UploadDatasetResponse,
            {
                **_fields(dataset),
                "delimiter": prepared.parsed.delimiter,
                "encoding": prepared.parsed.encoding,
            },
        )

    async def ListDatasets(
        self, request: data_pb2.ListDatasetsRequest, context: grpc.aio.ServicerContext
    ) -> data_pb2.ListDatasetsResponse:
        page = await self._datasets.page(
            current_account(),
            size=page_size(request.page_size),
            token=request.page_token,
            type_=request.type,
        )
        return data_pb2.ListDatasetsResponse(
            datasets=[fill(data_pb2.Dataset, _fields(d)) for d in page.items],
            total=page.total,
            next_page_token=page.next_page_token,
        )

    async def CreateDataset(
        self, request: data_pb2.CreateDatasetRequest, context: grpc.aio.ServicerContext
    ) -> data_pb2.CreateDatasetResponse:
        name, type_, metadata = neural_record(
            request.name, request.type, struct_to_dict(request.metadata)
        )
        dataset = await self._datasets.add_record(current_account(), name, type_, metadata)
        return fill(data_pb2.CreateDatasetResponse, _fields(dataset))

    async def GetDataset(
        self, request: data_pb2.GetDatasetRequest, context: grpc.aio.ServicerContext
    ) -> data_pb2.GetDatasetResponse:
        if not 0 <= request.preview_rows <= MAX_PREVIEW_ROWS:
            raise InvalidParameter(
                f"preview_rows must be between 0 and {MAX_PREVIEW_ROWS}",
                parameter="preview_rows",
                value=request.preview_rows,
            )
        dataset = await self._datasets.get(current_account(), request.dataset_id)
        rows = dataset.preview[: request.preview_rows or DEFAULT_PREVIEW_ROWS]
        return fill(
            data_pb2.GetDatasetResponse,
            {**_fields(dataset), "preview": [struct(row) for row in rows]},
        )

    async def DeleteDataset(
        self, request: data_pb2.DeleteDatasetRequest, context: grpc.aio.ServicerContext
    ) -> data_pb2.DeleteDatasetResponse:
        await self._datasets.delete(current_account(), request.dataset_id)
        return data_pb2.DeleteDatasetResponse(dataset_id=request.dataset_id)
