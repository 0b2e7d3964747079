"""The cells of one sheet of an Excel workbook (.xlsx), read within limits.

An .xlsx file is a ZIP archive of XML, and XML repeating one cell deflates
about a thousand to one: a 0.6 MB upload can hold ten million rows, which
take minutes and gigabytes to parse. So a workbook is bounded twice, and
refused with PAYLOAD_TOO_LARGE (413, like the upload limit itself) naming
the limit it passes:

- before any XML is parsed, from the archive's directory: its members
  together may expand to :data:`MAX_UNCOMPRESSED_BYTES`, and a member over
  :data:`RATIO_CHECKED_FROM_BYTES` may expand at most
  :data:`MAX_COMPRESSION_RATIO` times (real sheets deflate about 5 to 15
  times). The declared sizes bound the actual ones: :mod:`zipfile` never
  inflates a member past its declared size, and one that would have been
  larger fails its CRC check, so the workbook is refused as damaged;
- while the sheet streams through openpyxl's read-only reader: at most
  :data:`MAX_ROWS` rows (Excel's own limit) and :data:`MAX_CELLS` cells,
  counting the empty rows and cells openpyxl fills in. A cell reference can
  jump to row 2,000,000 or column XFD in a few bytes, so these are counted
  as they come, and the sheet's ``<dimension>`` element is ignored.

Cells become values as :func:`pandas.read_excel` (openpyxl engine,
``header=None``) makes them: empty cells and Excel errors are missing,
whole numbers are ints, and pandas' text parser then applies its default
missing-value markers, so a workbook reads as it did through pandas.
"""

from __future__ import annotations

import io
import warnings
import zipfile
from collections.abc import Sequence
from typing import Any, Final

import openpyxl
import pandas as pd
from openpyxl.cell.cell import TYPE_ERROR, TYPE_NUMERIC
from pandas.io.parsers import TextParser

from neurogate.server.errors import InvalidParameter, NeuroGateError, PayloadTooLarge

#: What the archive's members may expand to, together.
MAX_UNCOMPRESSED_BYTES: Final = 250_000_000
#: How many times a large member may expand.
MAX_COMPRESSION_RATIO: Final = 100
#: Members smaller than this expand as they like (tiny XML parts deflate oddly).
RATIO_CHECKED_FROM_BYTES: Final = 1_000_000
#: Rows of a sheet, empty ones included: Excel's own maximum.
MAX_ROWS: Final = 1_048_576
#: Cells of a sheet, the empty ones openpyxl fills rows with included.
MAX_CELLS: Final = 5_000_000

_SPLIT_ADVICE: Final = "split it into smaller workbooks, or export the sheet as CSV"


def corrupt_workbook(reason: str) -> InvalidParameter:
    return InvalidParameter(
        f"the Excel workbook cannot be read: {reason}; it may be damaged or not really "
        "an .xlsx file, so save it again from Excel or export it as CSV",
        parameter="file",
        reason=reason,
    )


def read_sheet(data: bytes, sheet: str) -> pd.DataFrame:
    """The cells of ``sheet`` (the first sheet when empty), the header row
    included, as ``pandas.read_excel(header=None)`` reads them.

    A damaged workbook can fail anywhere in zipfile, the XML parser or
    openpyxl, with any exception type, so every exception that is not one
    of our refusals means "cannot be read".
    """
    check_archive(data)
    with warnings.catch_warnings():
        # openpyxl warns about workbook features it ignores (styles, validation)
        warnings.filterwarnings("ignore", category=UserWarning, module="openpyxl")
        try:
            book = openpyxl.load_workbook(
                io.BytesIO(data), read_only=True, data_only=True, keep_links=False
            )
        except Exception as exc:
            raise corrupt_workbook(str(exc) or type(exc).__name__) from exc
        try:
            return _frame(_rows(_worksheet(book, sheet)))
        except NeuroGateError:
            raise
        except Exception as exc:
            raise corrupt_workbook(str(exc) or type(exc).__name__) from exc
        finally:
            book.close()


def check_archive(data: bytes) -> None:
    """Refuses a workbook whose directory declares more XML than the limits allow."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise corrupt_workbook(f"the ZIP archive cannot be opened ({exc})") from exc
    total = sum(member.file_size for member in members)
    if total > MAX_UNCOMPRESSED_BYTES:
        raise PayloadTooLarge(
            f"the workbook expands to {_megabytes(total)} of XML; at most "
            f"{_megabytes(MAX_UNCOMPRESSED_BYTES)} is accepted: {_SPLIT_ADVICE}",
            parameter="file",
            uncompressed_bytes=total,
            limit_bytes=MAX_UNCOMPRESSED_BYTES,
        )
    for member in members:
        expanded = member.file_size
        if (
            expanded >= RATIO_CHECKED_FROM_BYTES
            and expanded > MAX_COMPRESSION_RATIO * member.compress_size
        ):
            ratio = expanded // max(member.compress_size, 1)
            raise PayloadTooLarge(
                f"{member.filename} of the workbook expands {ratio} times "
                f"({_megabytes(member.compress_size)} to {_megabytes(expanded)}); real "
                f"spreadsheets expand far less, at most {MAX_COMPRESSION_RATIO} times is "
                f"accepted: {_SPLIT_ADVICE}",
                parameter="file",
                member=member.filename,
                compression_ratio=ratio,
                max_compression_ratio=MAX_COMPRESSION_RATIO,
            )


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:.3g} MB"


def _worksheet(book: Any, sheet: str) -> Any:
    names = [worksheet.title for worksheet in book.worksheets]
    if sheet and sheet not in names:
        raise InvalidParameter(
            f"the workbook has no sheet {sheet!r}; its sheets are "
            + ", ".join(repr(name) for name in names),
            parameter="sheet",
            value=sheet,
            sheets=names,
        )
    if not names:
        raise corrupt_workbook("it has no worksheet")
    return book[sheet] if sheet else book.worksheets[0]


def _rows(worksheet: Any) -> list[list[Any]]:
    """The sheet's rows as pandas' openpyxl reader builds them, counted
    against :data:`MAX_ROWS` and :data:`MAX_CELLS` as they stream."""
    worksheet.reset_dimensions()  # a <dimension> can pad every row to 16,384 cells
    rows: list[Sequence[Any]] = []
    cells = 0
    last_with_data = -1
    for number, row in enumerate(worksheet.rows, start=1):
        if number > MAX_ROWS:
            raise _too_many(worksheet.title, "rows", MAX_ROWS)
        if not row:  # a row the sheet skips: kept cheap, a jump may skip a million
            rows.append(())
            continue
        cells += len(row)
        if cells > MAX_CELLS:
            raise _too_many(worksheet.title, "cells", MAX_CELLS)
        values = [_value(cell) for cell in row]
        while values and values[-1] == "":
            values.pop()
        if values:
            last_with_data = len(rows)
        rows.append(values)
    rows = rows[: last_with_data + 1]
    width = max((len(row) for row in rows), default=0)
    return [[*row, *[""] * (width - len(row))] for row in rows]


def _too_many(title: str, what: str, limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(
        f"sheet {title!r} has more than {limit:,} {what}, the most a workbook may hold "
        f"here: {_SPLIT_ADVICE}",
        parameter="file",
        sheet=title,
        **{f"max_{what}": limit},
    )


def _value(cell: Any) -> Any:
    """A cell as pandas' openpyxl reader converts it ("" for empty)."""
    if cell.value is None:
        return ""
    if cell.data_type == TYPE_ERROR:
        return float("nan")
    if cell.data_type == TYPE_NUMERIC:
        whole = int(cell.value)
        return whole if whole == cell.value else float(cell.value)
    return cell.value


def _frame(rows: list[list[Any]]) -> pd.DataFrame:
    if not rows:
        return pd.DataFrame()
    # read_excel's own parser settings for header=None (GH 39808: blank rows kept)
    return TextParser(rows, header=None, skip_blank_lines=False).read()
