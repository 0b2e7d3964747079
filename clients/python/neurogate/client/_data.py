"""``client.data``: tabular datasets.

``upload`` sends a CSV or Excel file, or a pandas DataFrame written as CSV,
as the client stream ``UploadDataset`` in chunks of :data:`CHUNK_BYTES` (the
first message names the file; its extension tells the server the format).
Uploads carry no idempotency key, so they are never retried.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd

from neurogate.client._calls import Paged, Unary, Upload
from neurogate.client._namespace import Namespace
from neurogate.client.models import Dataset
from neurogate.v1 import data_pb2

CHUNK_BYTES = 256 * 1024
_CONTENT_TYPES = {
    ".csv": "text/csv",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _messages(
    content: bytes, name: str, filename: str, content_type: str, sheet: str
) -> Iterator[data_pb2.UploadDatasetRequest]:
    first = data_pb2.UploadDatasetRequest(name=name, filename=filename, sheet=sheet)
    first.http_body.content_type = content_type
    first.http_body.data = content[:CHUNK_BYTES]
    yield first
    for offset in range(CHUNK_BYTES, len(content), CHUNK_BYTES):
        message = data_pb2.UploadDatasetRequest()
        message.http_body.data = content[offset : offset + CHUNK_BYTES]
        yield message


class DataNamespace(Namespace):
    def upload(
        self, source: str | Path | pd.DataFrame, name: str | None = None, sheet: str = ""
    ) -> Dataset:
        """Uploads a CSV/Excel file (path) or a DataFrame (as CSV, without its index)."""
        if isinstance(source, pd.DataFrame):
            content = source.to_csv(index=False).encode()
            filename = f"{name or 'dataframe'}.csv"
        else:
            path = Path(source)
            content, filename = path.read_bytes(), path.name
        content_type = _CONTENT_TYPES.get(Path(filename).suffix.lower(), "application/octet-stream")
        return self._run(
            Upload(
                "DataService/UploadDataset",
                lambda: _messages(content, name or "", filename, content_type, sheet),
                Dataset.from_proto,
                total_bytes=len(content),
                label=f"upload {filename}",
            )
        )

    def list(self, type: str = "") -> list[Dataset]:
        """Every dataset of the account (all pages), newest first."""
        return self._run(
            Paged(
                "DataService/ListDatasets",
                data_pb2.ListDatasetsRequest(page_size=500, type=type),
                lambda page: [Dataset.from_proto(d) for d in page.datasets],
            )
        )

    def get(self, dataset_id: str, preview_rows: int = 0) -> Dataset:
        """One dataset with its schema and first rows (5 by default, at most 100)."""
        request = data_pb2.GetDatasetRequest(dataset_id=dataset_id, preview_rows=preview_rows)
        return self._run(
            Unary("DataService/GetDataset", request, Dataset.from_proto, idempotent=True)
        )

    def delete(self, dataset_id: str) -> None:
        return self._run(
            Unary(
                "DataService/DeleteDataset",
                data_pb2.DeleteDatasetRequest(dataset_id=dataset_id),
                lambda reply: None,
                idempotent=True,
            )
        )
