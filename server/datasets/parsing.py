"""Uploaded tables, CSV or Excel, read into typed columns and stored as Parquet.

Runs in a worker process, so inputs and outputs are plain bytes, strings and
frozen dataclasses. Every problem with the file is an ``InvalidParameter``
(``parameter="file"`` unless an option is at fault) saying what to fix;
no pandas, openpyxl or pyarrow exception escapes.

Format, by content first:

- a ZIP archive holding ``xl/`` is an Excel workbook (.xlsx, .xlsm);
- legacy .xls (OLE2), other ZIP archives, images, PDFs, gzip and anything
  with NUL bytes in its first KB (unless a UTF-16/32 byte-order mark or
  ``encoding`` explains them) are refused;
- other content is text, read as CSV unless the file name's extension or,
  failing that, the content type names another known format (``.json``,
  ``text/html``, ...). Unknown extensions and types are no hint either way.

CSV:

- encoding: a byte-order mark wins (``utf-8-sig``, ``utf-16``, ``utf-32``),
  then the caller's ``encoding``, then strict UTF-8;
- delimiter: one of ``,`` ``;`` tab ``|``, by ``csv.Sniffer`` on the first
  8 KB, kept only when every row of the first 64 KB then has the same number
  (> 1) of fields; otherwise the candidate whose header is wider than one
  field and that most of those rows match; a single column uses ``,``;
- structure: the csv module checks every record once (strict quoting, same
  width as the header, blank lines skipped) so refusals carry line numbers,
  then pandas' C reader types the columns. Cells pandas reads as missing by
  default (empty, ``NA``, ``N/A``, ``null``, ``NaN``, ...) are missing.

Excel: the first sheet unless ``sheet`` names one, read by :mod:`.workbook`
within its limits on size, rows and cells (PAYLOAD_TOO_LARGE past them);
fully empty rows and columns are dropped, the first remaining row is the
header.

Both: header names are stripped, an empty one becomes ``column_<n>``
(1-based), repeated names are refused, as are more than
:data:`MAX_COLUMNS` columns and a header without data rows. Column types and
their dtypes come from :mod:`.column_types`.
"""

from __future__ import annotations

import codecs
import csv
import io
import math
import zipfile
from collections import Counter
from dataclasses import dataclass
from datetime import date, time
from pathlib import PurePosixPath
from typing import Any, Final

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from neurogate.server.datasets.column_types import infer_column_type, normalise_column
from neurogate.server.datasets.workbook import corrupt_workbook, read_sheet
from neurogate.server.errors import InvalidParameter

MAX_COLUMNS: Final = 10_000
SUPPORTED_FORMATS: Final = ("CSV", "XLSX")

_ZIP_MAGIC: Final = b"PK\x03\x04"
_OLE2_MAGIC: Final = b"\xd0\xcf\x11\xe0"
_BINARY_MAGIC: Final = (
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"%PDF", "a PDF document"),
    (b"\x1f\x8b", "a gzip archive"),
)
_SNIFF_BYTES: Final = 1024
_BOMS: Final = (  # UTF-32 first: its little-endian mark starts like UTF-16's
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_WIDE_CODECS: Final = ("utf-16", "utf-32")
_EXTENSION_FORMATS: Final = {
    **dict.fromkeys((".csv", ".tsv", ".tab", ".txt"), "csv"),
    **dict.fromkeys((".xlsx", ".xlsm"), "xlsx"),
    **dict.fromkeys((".json", ".jsonl", ".ndjson"), "JSON"),
    **dict.fromkeys((".xml",), "XML"),
    **dict.fromkeys((".html", ".htm"), "HTML"),
    **dict.fromkeys((".yaml", ".yml"), "YAML"),
    **dict.fromkeys((".xls",), "legacy Excel (.xls)"),
    **dict.fromkeys((".ods",), "OpenDocument spreadsheet (.ods)"),
    **dict.fromkeys((".parquet",), "Parquet"),
}
_CONTENT_TYPE_FORMATS: Final = {
    **dict.fromkeys(
        (
            "text/csv",
            "text/plain",
            "text/tab-separated-values",
            "text/x-csv",
            "text/comma-separated-values",
            "application/csv",
            "application/vnd.ms-excel",  # what Windows browsers send for .csv
        ),
        "csv",
    ),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    **dict.fromkeys(("application/json", "application/x-ndjson"), "JSON"),
    **dict.fromkeys(("application/xml", "text/xml"), "XML"),
    "text/html": "HTML",
    **dict.fromkeys(("application/yaml", "application/x-yaml", "text/yaml"), "YAML"),
}
_DELIMITERS: Final = (",", ";", "\t", "|")
_DELIMITER_NAMES: Final = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
_SAMPLE_CHARS: Final = 64 * 1024
#: csv.Sniffer's quote regex is quadratic on text full of unmatched quotes
#: (about 1 s for 16 KB), so it sees only the start of the sample.
_SNIFFER_CHARS: Final = 8 * 1024


@dataclass(frozen=True)
class ColumnInfo:
    """One column: its name, its type (see :mod:`.column_types`) and its
    number of missing cells."""

    name: str
    type: str
    missing: int


@dataclass(frozen=True)
class ParsedUpload:
    """An upload as stored: the typed table as Parquet and what describes it.

    ``delimiter`` and ``encoding`` are those the CSV was read with, empty for
    Excel workbooks.
    """

    parquet: bytes
    rows: int
    schema: tuple[ColumnInfo, ...]
    format: str
    delimiter: str
    encoding: str


def parse_upload(
    data: bytes,
    *,
    filename: str = "",
    content_type: str = "",
    encoding: str = "",
    sheet: str = "",
) -> ParsedUpload:
    """Reads a CSV or XLSX file into a typed table, or says why it cannot.

    ``filename`` and ``content_type`` only help detect the format;
    ``encoding`` applies to CSV without a byte-order mark, ``sheet`` to Excel.
    """
    if _detect_format(data, filename, content_type, encoding) == "xlsx":
        return _typed_upload(_read_xlsx(data, sheet), "xlsx", delimiter="", encoding="")
    text, used_encoding = _decode(data, encoding)
    if not text.strip():
        raise InvalidParameter("the file is empty", parameter="file")
    delimiter = _detect_delimiter(text)
    return _typed_upload(_read_csv(text, delimiter), "csv", delimiter, used_encoding)


def read_parquet(parquet: bytes) -> pd.DataFrame:
    """The stored table, with the dtypes :func:`parse_upload` gave it."""
    return pd.read_parquet(io.BytesIO(parquet), engine="pyarrow")


def preview_rows(parquet: bytes, n: int) -> list[dict[str, Any]]:
    """The first ``n`` rows as JSON-ready dicts: missing values, NaN and
    infinities are None, dates and times ISO 8601 strings, numbers and bools
    plain Python values. Reads only as many rows as needed."""
    rows: list[dict[str, Any]] = []
    if n <= 0:
        return rows
    for batch in pq.ParquetFile(io.BytesIO(parquet)).iter_batches(batch_size=n):
        rows.extend(batch.to_pylist()[: n - len(rows)])
        if len(rows) == n:
            break
    return [{name: json_value(value) for name, value in row.items()} for row in rows]


def json_value(value: object) -> object:
    """A table cell (or a model's prediction) as a JSON value: NumPy scalars
    as Python ones, NaN and infinities as None, dates and times ISO 8601."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, date | time):
        return value.isoformat()
    return value


# --- format detection ---------------------------------------------------------------------------


def _detect_format(data: bytes, filename: str, content_type: str, encoding: str) -> str:
    head = data[:_SNIFF_BYTES]
    if head.startswith(_ZIP_MAGIC):
        return _zip_format(data)
    if head.startswith(_OLE2_MAGIC):
        raise InvalidParameter(
            "legacy Excel (.xls) workbooks are not supported: open the file in Excel or "
            "LibreOffice and save it as .xlsx (Excel Workbook) or CSV",
            parameter="file",
            detected="xls",
            supported=list(SUPPORTED_FORMATS),
        )
    for magic, what in _BINARY_MAGIC:
        if head.startswith(magic):
            raise _unsupported(f"the file is {what}")
    if b"\x00" in head and not _explains_nul_bytes(head, encoding):
        raise _unsupported("the file is binary, not text")
    hint = _format_hint(filename, content_type)
    if hint == "xlsx":
        raise corrupt_workbook("it is not a ZIP archive, as .xlsx files are")
    if hint not in (None, "csv"):
        raise _unsupported(f"the file looks like {hint}")
    return "csv"


def _zip_format(data: bytes) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise corrupt_workbook(f"the ZIP archive cannot be opened ({exc})") from exc
    if any(name.startswith("xl/") for name in names):
        return "xlsx"
    raise _unsupported("the file is a ZIP archive but not an Excel workbook")


def _explains_nul_bytes(head: bytes, encoding: str) -> bool:
    """Whether UTF-16/32 text, which is full of NUL bytes, is announced by a
    byte-order mark or by the caller's ``encoding``."""
    if any(head.startswith(bom) for bom, name in _BOMS if name in _WIDE_CODECS):
        return True
    try:
        codec = codecs.lookup(encoding.strip()).name if encoding.strip() else ""
    except LookupError:
        return False
    return codec.startswith(_WIDE_CODECS)


def _format_hint(filename: str, content_type: str) -> str | None:
    """The format the file name's extension, else the content type, names;
    None when neither names a known one."""
    extension = PurePosixPath(filename.replace("\\", "/")).suffix.lower()
    if extension in _EXTENSION_FORMATS:
        return _EXTENSION_FORMATS[extension]
    mime = content_type.split(";", 1)[0].strip().lower()
    return _CONTENT_TYPE_FORMATS.get(mime)


def _unsupported(reason: str) -> InvalidParameter:
    supported = " or ".join(SUPPORTED_FORMATS)
    return InvalidParameter(
        f"unsupported file format: {reason}; upload a {supported} file",
        parameter="file",
        supported=list(SUPPORTED_FORMATS),
    )


# --- CSV ----------------------------------------------------------------------------------------


def _decode(data: bytes, encoding: str) -> tuple[str, str]:
    """The text and the encoding it was decoded with."""
    name = next((name for bom, name in _BOMS if data.startswith(bom)), None)
    name = name or encoding.strip() or "utf-8"
    try:
        return data.decode(name), name
    except LookupError as exc:
        raise InvalidParameter(
            f"unknown text encoding {encoding!r}: use a name such as "
            '"utf-8", "latin-1", "cp1252" or "utf-16"',
            parameter="encoding",
            value=encoding,
        ) from exc
    except UnicodeDecodeError as exc:
        raise _undecodable(data, name, exc) from exc


def _undecodable(data: bytes, name: str, exc: UnicodeDecodeError) -> InvalidParameter:
    # utf-8-sig counts positions after the byte-order mark it strips
    offset = exc.start + (len(codecs.BOM_UTF8) if name == "utf-8-sig" else 0)
    line = data[:offset].decode(name, errors="replace").count("\n") + 1
    where = f"byte 0x{data[offset]:02X} at offset {offset} (line {line})"
    details: dict[str, Any] = {"encoding": name, "offset": offset, "line": line}
    if name == "utf-8":
        advice = (
            "if the file was saved in another encoding, pass it as the `encoding` "
            'parameter (e.g. "latin-1" or "cp1252")'
        )
        details["suggestion"] = 'encoding="latin-1"'
    else:
        advice = "check the `encoding` parameter"
    return InvalidParameter(
        f"the file is not valid {name} text: {where} cannot be decoded; {advice}",
        parameter="file",
        **details,
    )


def _detect_delimiter(text: str) -> str:
    sample = text[:_SAMPLE_CHARS]
    counts = {d: _field_counts(sample, d, truncated=len(text) > len(sample)) for d in _DELIMITERS}
    try:
        sniffer = csv.Sniffer()
        sniffed = sniffer.sniff(sample[:_SNIFFER_CHARS], delimiters="".join(_DELIMITERS)).delimiter
    except csv.Error:
        sniffed = ""
    if sniffed in counts and len(set(counts[sniffed])) == 1 and counts[sniffed][0] > 1:
        return sniffed
    best, best_share = ",", 0.0
    for delimiter, widths in counts.items():
        if widths and widths[0] > 1:
            share = widths.count(widths[0]) / len(widths)
            if share > best_share:
                best, best_share = delimiter, share
    return best


def _field_counts(sample: str, delimiter: str, *, truncated: bool) -> list[int]:
    """Fields per non-blank record of the sample; a record the sample cuts
    through is left out."""
    reader = csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter)
    widths = [len(row) for row in reader if not _is_blank(row)]
    return widths[:-1] if truncated else widths


def _is_blank(row: list[str]) -> bool:
    """A record pandas skips as a blank line: nothing, or only whitespace."""
    return not row or (len(row) == 1 and not row[0].strip())


def _read_csv(text: str, delimiter: str) -> pd.DataFrame:
    names = _check_csv_structure(text, delimiter)
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            sep=delimiter,
            header=0,
            names=names,
            index_col=False,
            skip_blank_lines=True,
            low_memory=False,
        )
    except ValueError as exc:  # pandas' ParserError and EmptyDataError included
        raise InvalidParameter(f"the CSV file cannot be read: {exc}", parameter="file") from exc
    if frame.empty:
        raise _header_only(names)
    return frame


def _check_csv_structure(text: str, delimiter: str) -> list[str]:
    """The column names, once every record has been checked to be as wide
    as the header; refusals name the line the record starts on."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    line = 1
    names: list[str] = []
    try:
        for row in reader:
            start, line = line, reader.line_num + 1
            if len(row) == len(names) or _is_blank(row):
                continue
            if not names:
                names, header_line = _column_names(row), start
                continue
            raise InvalidParameter(
                f"line {start} has {len(row)} fields but the header (line {header_line}) has "
                f"{len(names)}; values containing the delimiter "
                f"({_DELIMITER_NAMES[delimiter]}) must be quoted",
                parameter="file",
                line=start,
                expected=len(names),
                found=len(row),
                delimiter=delimiter,
            )
    except csv.Error as exc:
        raise InvalidParameter(
            f"line {line}: malformed quoting ({exc}); wrap a value containing quotes in "
            'double quotes, double the quotes inside it ("") and close every quote',
            parameter="file",
            line=line,
        ) from exc
    if not names:
        raise InvalidParameter("the file is empty", parameter="file")
    return names


# --- Excel --------------------------------------------------------------------------------------


def _read_xlsx(data: bytes, sheet: str) -> pd.DataFrame:
    raw = read_sheet(data, sheet).dropna(how="all").dropna(how="all", axis=1)
    if raw.empty:
        where = f"sheet {sheet!r}" if sheet else "the first sheet"
        raise InvalidParameter(f"{where} of the workbook is empty", parameter="file", sheet=sheet)
    names = _column_names(["" if pd.isna(cell) else str(cell) for cell in raw.iloc[0]])
    body = raw.iloc[1:]
    if body.empty:
        raise _header_only(names)
    return body.set_axis(names, axis=1).reset_index(drop=True).infer_objects()


# --- both ---------------------------------------------------------------------------------------


def _column_names(header: list[str]) -> list[str]:
    """Header cells as column names: stripped, ``column_<n>`` when empty."""
    if len(header) > MAX_COLUMNS:
        raise InvalidParameter(
            f"the file has {len(header)} columns; at most {MAX_COLUMNS} are supported",
            parameter="file",
            columns=len(header),
            max_columns=MAX_COLUMNS,
        )
    names = [cell.strip() or f"column_{n}" for n, cell in enumerate(header, start=1)]
    repeated = sorted(name for name, count in Counter(names).items() if count > 1)
    if repeated:
        raise InvalidParameter(
            "column names must be unique; repeated: " + ", ".join(repr(n) for n in repeated),
            parameter="file",
            duplicates=repeated,
        )
    return names


def _header_only(names: list[str]) -> InvalidParameter:
    return InvalidParameter(
        "the file has a header row but no data rows",
        parameter="file",
        columns=names[:20],
    )


def _typed_upload(frame: pd.DataFrame, fmt: str, delimiter: str, encoding: str) -> ParsedUpload:
    return table_from_frame(frame, fmt=fmt, delimiter=delimiter, encoding=encoding)


#: The ``format`` of a table the server derived from another (e.g. cluster labels).
DERIVED_FORMAT: Final = "derived"


def table_from_frame(
    frame: pd.DataFrame,
    *,
    column_types: dict[str, str] | None = None,
    fmt: str = DERIVED_FORMAT,
    delimiter: str = "",
    encoding: str = "",
) -> ParsedUpload:
    """A frame as a stored table, typed and normalised as uploads are.

    Columns named in ``column_types`` keep that type (a table derived from a
    stored one keeps its columns' types, and a new column can be given its
    own); the others get the type :func:`infer_column_type` finds.
    """
    known = column_types or {}
    columns: dict[str, pd.Series] = {}
    schema: list[ColumnInfo] = []
    for name in frame.columns:
        series = frame[name]
        column_type = known.get(name) or infer_column_type(series)
        columns[name] = normalise_column(series, column_type)
        schema.append(ColumnInfo(name, column_type, int(series.isna().sum())))
    buffer = io.BytesIO()
    try:
        pd.DataFrame(columns).to_parquet(buffer, engine="pyarrow", index=False)
    except pa.ArrowException as exc:
        raise InvalidParameter(f"the table cannot be stored: {exc}", parameter="file") from exc
    return ParsedUpload(
        parquet=buffer.getvalue(),
        rows=len(frame),
        schema=tuple(schema),
        format=fmt,
        delimiter=delimiter,
        encoding=encoding,
    )
