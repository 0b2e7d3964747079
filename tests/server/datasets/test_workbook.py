"""Excel workbooks read within limits (neurogate.server.datasets.workbook):
XLSX bombs refused before their XML is parsed, sheets past the row and cell
limits stopped while they stream, lying ZIP directories refused as damaged,
and ordinary workbooks read exactly as pandas reads them."""

from __future__ import annotations

import datetime as dt
import io
import time

import numpy as np
import pandas as pd
import pytest
from openpyxl import Workbook

from neurogate.server.datasets.parsing import parse_upload
from neurogate.server.datasets.workbook import (
    MAX_CELLS,
    MAX_COMPRESSION_RATIO,
    MAX_ROWS,
    MAX_UNCOMPRESSED_BYTES,
    read_sheet,
)
from neurogate.server.errors import InvalidParameter, PayloadTooLarge
from workbooks import SHEET_XML, with_declared_size, workbook_with_sheet, xlsx_bomb

#: Far above what each refusal takes, far below what parsing the bomb takes.
FAST_SECONDS = 20


def refused_quickly(data: bytes) -> PayloadTooLarge:
    started = time.perf_counter()
    with pytest.raises(PayloadTooLarge) as raised:
        parse_upload(data, filename="bomb.xlsx")
    assert time.perf_counter() - started < FAST_SECONDS
    assert raised.value.http_status == 413
    return raised.value


def test_a_bomb_expanding_past_the_size_limit_is_refused_before_parsing():
    bomb = xlsx_bomb(10_000_000)  # the probe's bomb: 260 MB of XML
    assert len(bomb) < 2_000_000

    error = refused_quickly(bomb)

    assert error.details["limit_bytes"] == MAX_UNCOMPRESSED_BYTES
    assert error.details["uncompressed_bytes"] > MAX_UNCOMPRESSED_BYTES
    assert "250 MB" in error.message and "CSV" in error.message


def test_a_sheet_expanding_more_than_the_ratio_limit_is_refused_before_parsing():
    bomb = xlsx_bomb(1_000_000)  # 26 MB of XML: within the size limit

    error = refused_quickly(bomb)

    assert error.details["member"] == SHEET_XML
    assert error.details["compression_ratio"] > MAX_COMPRESSION_RATIO
    assert error.details["max_compression_ratio"] == MAX_COMPRESSION_RATIO


def test_rows_past_the_row_limit_are_refused_even_when_a_reference_jumps_there():
    # Two cells a few bytes apart: openpyxl fills in the two million rows between.
    jump = (
        b'<row r="1"><c r="A1"><v>1</v></c></row>'
        b'<row r="2000000"><c r="A2000000"><v>2</v></c></row>'
    )

    error = refused_quickly(workbook_with_sheet([jump]))

    assert error.details["max_rows"] == MAX_ROWS
    assert f"{MAX_ROWS:,} rows" in error.message


def test_cells_past_the_cell_limit_are_refused_even_when_rows_are_padded_to_column_xfd():
    # Each row is one cell in the last column; openpyxl pads it to 16,384 cells.
    rows = (f'<row r="{n}"><c r="XFD{n}"><v>1</v></c></row>'.encode() for n in range(1, 2001))

    error = refused_quickly(workbook_with_sheet(rows))

    assert error.details["max_cells"] == MAX_CELLS
    assert error.details["sheet"] == "Sheet"


def test_a_member_larger_than_its_declared_size_is_refused_as_damaged():
    honest = xlsx_bomb(20_000)
    lying = with_declared_size(honest, SHEET_XML, 1_000)

    with pytest.raises(InvalidParameter) as raised:
        parse_upload(lying, filename="lying.xlsx")

    assert "Excel workbook cannot be read" in raised.value.message


def test_a_workbook_within_the_limits_is_read():
    parsed = parse_upload(xlsx_bomb(20_000), filename="ones.xlsx")

    assert parsed.rows == 20_000
    assert [(c.name, c.type) for c in parsed.schema] == [("value", "numeric")]


def test_cells_read_as_pandas_read_excel_reads_them():
    book = Workbook()
    sheet = book.active
    rows = [
        ["n", "x", "text", "flag", "when", "blank", "na"],
        [1, 1.5, "north", True, dt.datetime(2024, 3, 5, 10), None, "NA"],
        [2.0, None, "007", False, dt.date(2024, 3, 6), None, "x"],
        [None, None, None, None, None, None, None],
        [3, 2.25, "=1/0", None, dt.time(8, 30), None, ""],
    ]
    for row in rows:
        sheet.append(row)
    sheet["B3"] = "#DIV/0!"
    sheet["B3"].data_type = "e"
    buffer = io.BytesIO()
    book.save(buffer)

    ours = read_sheet(buffer.getvalue(), "")
    theirs = pd.read_excel(io.BytesIO(buffer.getvalue()), header=None, engine="openpyxl")

    pd.testing.assert_frame_equal(ours, theirs)
    assert np.isnan(ours.iloc[2, 1])  # the error cell is missing
