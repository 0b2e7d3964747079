"""From the bytes of an upload to a parsed table ready to store.

An upload arrives either as a multipart form (REST: a ``file`` part and
optional ``name``, ``encoding`` and ``sheet`` parts) or as the raw file with
its content type (gRPC clients, or REST with a CSV body). Either way it is
checked here before any parsing: size, presence of a file, the dataset name.
Parsing itself (:func:`prepare_table`) runs in a worker process.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import PurePath
from typing import Any

from neurogate.server.datasets.multipart import parse_form
from neurogate.server.datasets.parsing import ParsedUpload, parse_upload, preview_rows
from neurogate.server.errors import InvalidParameter, PayloadTooLarge
from neurogate.server.names import MAX_NAME_LENGTH, checked_name, has_refused_characters

#: Room for the multipart framing around a file of the maximum size.
MULTIPART_OVERHEAD_BYTES = 1024 * 1024
PREVIEW_ROWS = 100
FILE_FIELD = "file"


@dataclass(frozen=True)
class UploadSource:
    """What arrived: the body and the request's own fields."""

    body: bytes
    content_type: str
    name: str = ""
    filename: str = ""
    encoding: str = ""
    sheet: str = ""


@dataclass(frozen=True)
class UploadFile:
    data: bytes
    filename: str
    content_type: str
    name: str
    encoding: str
    sheet: str


@dataclass(frozen=True)
class PreparedTable:
    parsed: ParsedUpload
    preview: list[dict[str, Any]]


def body_limit(max_file_bytes: int) -> int:
    """Largest request body worth reading for a file of ``max_file_bytes``."""
    return max_file_bytes + MULTIPART_OVERHEAD_BYTES


def _too_large(size: int, limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(
        f"the file is larger than the {limit / 1_000_000:g} MB upload limit",
        parameter="file",
        limit_bytes=limit,
        size_bytes=size,
    )


def dataset_name(requested: str, filename: str, now: datetime | None = None) -> str:
    """The requested name, checked; else one made from the file name or the time."""
    name = checked_name(requested, "name", "a dataset name", MAX_NAME_LENGTH)
    if name:
        return name
    stem = re.sub(r"\s+", " ", PurePath(filename.replace("\\", "/")).stem).strip()
    if stem and not has_refused_characters(stem):
        return stem[:MAX_NAME_LENGTH]
    return f"dataset-{(now or datetime.now(UTC)).strftime('%Y%m%d-%H%M%S')}"


def unpack_upload(source: UploadSource, max_file_bytes: int) -> UploadFile:
    """The file and its options from a raw or multipart upload."""
    if not source.body:
        raise InvalidParameter("the upload is empty: send a CSV or Excel file", parameter="file")
    if source.content_type.lower().startswith("multipart/form-data"):
        form = parse_form(source.body, source.content_type)
        upload = form.files.get(FILE_FIELD)
        if upload is None:
            raise InvalidParameter(
                f"the form has no {FILE_FIELD!r} part: send the file as "
                f"-F '{FILE_FIELD}=@data.csv'",
                parameter=FILE_FIELD,
                form_fields=sorted([*form.fields, *form.files]),
            )
        file = UploadFile(
            data=upload.data,
            filename=upload.filename or source.filename,
            content_type=upload.content_type,
            name=form.fields.get("name", source.name),
            encoding=form.fields.get("encoding", source.encoding),
            sheet=form.fields.get("sheet", source.sheet),
        )
    else:
        file = UploadFile(
            source.body,
            source.filename,
            source.content_type,
            source.name,
            source.encoding,
            source.sheet,
        )
    if not file.data:
        raise InvalidParameter("the uploaded file is empty", parameter="file")
    if len(file.data) > max_file_bytes:
        raise _too_large(len(file.data), max_file_bytes)
    return file


def check_body_size(received: int, max_file_bytes: int) -> None:
    """Refuses a body as soon as it cannot hold a file within the limit."""
    if received > body_limit(max_file_bytes):
        raise _too_large(received, max_file_bytes)


def prepare_table(file: UploadFile) -> PreparedTable:
    """Parses the file into Parquet with its schema and preview (worker process)."""
    parsed = parse_upload(
        file.data,
        filename=file.filename,
        content_type=file.content_type,
        encoding=file.encoding,
        sheet=file.sheet,
    )
    return PreparedTable(parsed, preview_rows(parsed.parquet, PREVIEW_ROWS))
