"""Tabular datasets: uploads (multipart forms, CSV and Excel files) read into
typed columns and stored as Parquet, with a JSON-ready preview.

Everything here is a pure function over bytes, so it runs in worker
processes and tests without a server.
"""

from neurogate.server.datasets.column_types import (
    COLUMN_TYPES,
    infer_column_type,
    normalise_column,
)
from neurogate.server.datasets.multipart import Form, UploadedFile, parse_form
from neurogate.server.datasets.parsing import (
    MAX_COLUMNS,
    SUPPORTED_FORMATS,
    ColumnInfo,
    ParsedUpload,
    parse_upload,
    preview_rows,
    read_parquet,
)

__all__ = [
    "COLUMN_TYPES",
    "MAX_COLUMNS",
    "SUPPORTED_FORMATS",
    "ColumnInfo",
    "Form",
    "ParsedUpload",
    "UploadedFile",
    "infer_column_type",
    "normalise_column",
    "parse_form",
    "parse_upload",
    "preview_rows",
    "read_parquet",
]
