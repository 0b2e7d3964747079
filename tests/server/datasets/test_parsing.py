"""Reading uploaded CSV and Excel files (neurogate.server.datasets.parsing)."""

from __future__ import annotations

import datetime as dt
import gzip
import io
import json
import pickle
import zipfile
from collections.abc import Callable

import pandas as pd
import pytest
from openpyxl import Workbook

import neurogate.server.datasets as datasets
from neurogate.server.datasets.parsing import (
    MAX_COLUMNS,
    ColumnInfo,
    ParsedUpload,
    parse_upload,
    preview_rows,
    read_parquet,
)
from neurogate.server.errors import InvalidParameter

_SHEET_XML = "xl/worksheets/sheet1.xml"


def _xlsx(*sheets: tuple[str, list[list[object]]]) -> bytes:
    """A workbook with the given sheets (title, rows), as bytes."""
    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets:
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _with_sheet_xml(workbook: bytes, rewrite: Callable[[bytes], bytes]) -> bytes:
    """The workbook with its first sheet's XML passed through ``rewrite``."""
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(workbook)) as original,
        zipfile.ZipFile(buffer, "w") as archive,
    ):
        for name in original.namelist():
            content = original.read(name)
            archive.writestr(name, rewrite(content) if name == _SHEET_XML else content)
    return buffer.getvalue()


def _refusal(data: bytes, **options: str) -> InvalidParameter:
    with pytest.raises(InvalidParameter) as caught:
        parse_upload(data, **options)
    return caught.value


def _types(parsed: ParsedUpload) -> dict[str, str]:
    return {column.name: column.type for column in parsed.schema}


# --- the package --------------------------------------------------------------------------------


def test_package_exports_its_public_api() -> None:
    assert sorted(datasets.__all__) == [
        "COLUMN_TYPES",
        "ColumnInfo",
        "Form",
        "MAX_COLUMNS",
        "ParsedUpload",
        "SUPPORTED_FORMATS",
        "UploadedFile",
        "infer_column_type",
        "normalise_column",
        "parse_form",
        "parse_upload",
        "preview_rows",
        "read_parquet",
    ]
    assert all(hasattr(datasets, name) for name in datasets.__all__)


# --- CSV happy path -----------------------------------------------------------------------------


def test_csv_is_parsed_into_typed_columns_in_file_order() -> None:
    data = (
        b"when,flag,count,region,comment\n"
        b"2024-01-01,yes,1,north,first\n"
        b"2024-01-02,no,,south,second\n"
        b",yes,3,north,third\n"
        b"2024-01-04,no,4,south,fourth\n"
        b"2024-01-05,yes,5,north,fifth\n"
    )

    parsed = parse_upload(data, filename="data.csv")

    assert parsed.format == "csv"
    assert parsed.rows == 5
    assert parsed.schema == (
        ColumnInfo("when", "datetime", 1),
        ColumnInfo("flag", "boolean", 0),
        ColumnInfo("count", "numeric", 1),
        ColumnInfo("region", "categorical", 0),
        ColumnInfo("comment", "text", 0),
    )


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_each_supported_delimiter_is_detected(delimiter: str) -> None:
    data = delimiter.join(["a", "b", "c"]) + "\n" + delimiter.join(["1", "2", "x"]) + "\n"

    parsed = parse_upload(data.encode())

    assert parsed.delimiter == delimiter
    assert [column.name for column in parsed.schema] == ["a", "b", "c"]


def test_quoted_fields_may_hold_delimiters_newlines_and_quotes() -> None:
    data = b'name,note\n"Smith, John","line one\nline two, still the note"\n"Doe","said ""hi"""\n'

    frame = read_parquet(parse_upload(data).parquet)

    assert frame["name"].tolist() == ["Smith, John", "Doe"]
    assert frame["note"].tolist() == ["line one\nline two, still the note", 'said "hi"']


def test_semicolon_file_with_decimal_commas_is_split_on_semicolons() -> None:
    data = b"a;b\n1,5;2,5\n3,0;4,5\n"

    assert parse_upload(data).delimiter == ";"


def test_single_column_file_is_allowed_and_reports_comma() -> None:
    parsed = parse_upload(b"value\n1\n2\n3\n")

    assert parsed.delimiter == ","
    assert parsed.schema == (ColumnInfo("value", "numeric", 0),)


def test_blank_lines_and_a_missing_trailing_newline_are_fine() -> None:
    data = b"\na,b\n1,2\n\n   \n3,4"

    parsed = parse_upload(data)

    assert parsed.rows == 2
    assert read_parquet(parsed.parquet)["b"].tolist() == [2, 4]


def test_crlf_line_endings_are_read() -> None:
    parsed = parse_upload(b"a,b\r\n1,2\r\n3,4\r\n")

    assert parsed.rows == 2
    assert read_parquet(parsed.parquet)["b"].tolist() == [2, 4]


def test_header_names_are_stripped_and_empty_ones_generated() -> None:
    parsed = parse_upload(b" a ,,c,\n1,2,3,4\n")

    assert [column.name for column in parsed.schema] == ["a", "column_2", "c", "column_4"]


def test_common_missing_markers_count_as_missing() -> None:
    parsed = parse_upload(b"a,b\n1,NA\n2,\n3,null\n4,x\n")

    assert parsed.schema[1] == ColumnInfo("b", "categorical", 3)


# --- encodings ----------------------------------------------------------------------------------


def test_utf8_is_the_default_encoding() -> None:
    parsed = parse_upload("city\nZürich\n".encode())

    assert parsed.encoding == "utf-8"
    assert read_parquet(parsed.parquet)["city"].tolist() == ["Zürich"]


@pytest.mark.parametrize(
    ("encoded", "reported"),
    [
        ("\ufeffcity,n\nZürich,1\n".encode(), "utf-8-sig"),
        ("city,n\nZürich,1\n".encode("utf-16"), "utf-16"),
        ("city,n\nZürich,1\n".encode("utf-32"), "utf-32"),
    ],
)
def test_byte_order_mark_selects_the_encoding(encoded: bytes, reported: str) -> None:
    parsed = parse_upload(encoded)

    assert parsed.encoding == reported
    assert [column.name for column in parsed.schema] == ["city", "n"]
    assert read_parquet(parsed.parquet)["city"].tolist() == ["Zürich"]


def test_byte_order_mark_wins_over_the_given_encoding() -> None:
    parsed = parse_upload("a\nZürich\n".encode("utf-16"), encoding="latin-1")

    assert parsed.encoding == "utf-16"


def test_given_encoding_is_used_and_reported() -> None:
    parsed = parse_upload("city\nMünchen\n".encode("latin-1"), encoding="latin-1")

    assert parsed.encoding == "latin-1"
    assert read_parquet(parsed.parquet)["city"].tolist() == ["München"]


def test_utf16_without_bom_is_accepted_when_the_encoding_is_given() -> None:
    parsed = parse_upload("a,b\n1,2\n".encode("utf-16-le"), encoding="utf-16-le")

    assert parsed.rows == 1


def test_non_utf8_text_is_refused_with_the_offset_and_an_encoding_hint() -> None:
    data = "a,b\n1,x\n2,Müller\n".encode("latin-1")

    error = _refusal(data)

    assert error.details["parameter"] == "file"
    assert error.details["offset"] == data.index(b"\xfc")
    assert error.details["line"] == 3
    assert "0xFC" in error.message
    assert "latin-1" in error.message
    assert "encoding" in error.message


def test_offset_counts_the_byte_order_mark() -> None:
    data = b"\xef\xbb\xbfa\n\xff\n"

    assert _refusal(data).details["offset"] == 5


def test_unknown_encoding_name_is_refused_naming_the_encoding_parameter() -> None:
    error = _refusal(b"a\n1\n", encoding="klingon-8")

    assert error.details == {"parameter": "encoding", "value": "klingon-8"}


def test_text_that_does_not_decode_with_the_given_encoding_is_refused() -> None:
    error = _refusal("a\nMüller\n".encode(), encoding="ascii")

    assert error.details["parameter"] == "file"
    assert error.details["encoding"] == "ascii"


# --- CSV refusals -------------------------------------------------------------------------------


@pytest.mark.parametrize("data", [b"", b"   \n\r\n\t\n", b"\xef\xbb\xbf"])
def test_empty_file_is_refused(data: bytes) -> None:
    error = _refusal(data)

    assert error.details["parameter"] == "file"
    assert "empty" in error.message


@pytest.mark.parametrize("data", [b"a,b,c\n", b"a,b,c", b"a,b,c\n\n\n"])
def test_header_only_csv_is_refused(data: bytes) -> None:
    error = _refusal(data)

    assert error.details["parameter"] == "file"
    assert "no data rows" in error.message


@pytest.mark.parametrize(("row", "found"), [(b"1,2,3,4", 4), (b"1,2", 2)])
def test_ragged_row_is_refused_with_its_line_and_field_counts(row: bytes, found: int) -> None:
    data = b"a,b,c\n1,2,3\n\n" + row + b"\n5,6,7\n"

    error = _refusal(data)

    assert error.details == {
        "parameter": "file",
        "line": 4,
        "expected": 3,
        "found": found,
        "delimiter": ",",
    }


def test_ragged_row_line_number_counts_lines_inside_quoted_fields() -> None:
    data = b'a,b\n1,"two\nlines"\n3,4,5\n'

    assert _refusal(data).details["line"] == 4


def test_unclosed_quote_is_refused_with_its_line() -> None:
    data = b'a,b\n1,2\n3,"four\n5,6\n'

    error = _refusal(data)

    assert error.details["line"] == 3
    assert "quot" in error.message


def test_duplicate_column_names_are_refused_and_listed() -> None:
    error = _refusal(b"id,name, id,value,name\n1,2,3,4,5\n")

    assert error.details == {"parameter": "file", "duplicates": ["id", "name"]}


def test_more_than_the_maximum_number_of_columns_is_refused() -> None:
    header = ",".join(f"c{i}" for i in range(MAX_COLUMNS + 1))
    data = (header + "\n" + ",".join("1" * (MAX_COLUMNS + 1)) + "\n").encode()

    error = _refusal(data)

    assert error.details["columns"] == MAX_COLUMNS + 1
    assert error.details["max_columns"] == MAX_COLUMNS


# --- format detection ---------------------------------------------------------------------------


def test_workbook_content_wins_over_a_csv_file_name() -> None:
    data = _xlsx(("Sheet1", [["a"], [1]]))

    assert parse_upload(data, filename="misnamed.csv", content_type="text/csv").format == "xlsx"


def test_legacy_xls_is_refused_with_a_suggestion_to_save_as_xlsx() -> None:
    error = _refusal(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, filename="old.xls")

    assert error.details["parameter"] == "file"
    assert ".xlsx" in error.message


@pytest.mark.parametrize(
    "data",
    [
        b"\x89PNG\r\n\x1a\n" + b"\x00" * 20,
        b"%PDF-1.7\n",
        gzip.compress(b"a,b\n1,2\n"),
        b"a,b\n1,\x002\n",
    ],
    ids=["png", "pdf", "gzip", "nul-bytes"],
)
def test_binary_content_is_refused_listing_supported_formats(data: bytes) -> None:
    error = _refusal(data, filename="data.csv")

    assert error.details == {"parameter": "file", "supported": ["CSV", "XLSX"]}
    assert "CSV or XLSX" in error.message


def test_zip_archive_without_a_workbook_is_refused() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w/>")

    error = _refusal(buffer.getvalue())

    assert error.details["supported"] == ["CSV", "XLSX"]
    assert "ZIP" in error.message


@pytest.mark.parametrize(
    ("filename", "content_type"),
    [("data.json", ""), ("page.html", "text/csv"), ("", "application/json")],
)
def test_text_in_another_known_format_is_refused(filename: str, content_type: str) -> None:
    error = _refusal(b'{"a": 1}\n', filename=filename, content_type=content_type)

    assert error.details["supported"] == ["CSV", "XLSX"]


@pytest.mark.parametrize(
    ("filename", "content_type"),
    [
        ("data.tsv", ""),
        ("data.txt", "application/octet-stream"),
        ("report.v2", ""),
        ("", "text/csv; charset=utf-8"),
        ("", ""),
    ],
)
def test_text_is_read_as_csv_unless_a_hint_names_another_format(
    filename: str, content_type: str
) -> None:
    parsed = parse_upload(b"a,b\n1,2\n", filename=filename, content_type=content_type)

    assert parsed.format == "csv"


def test_text_named_xlsx_is_refused_as_an_unreadable_workbook() -> None:
    error = _refusal(b"a,b\n1,2\n", filename="data.xlsx")

    assert error.details["parameter"] == "file"
    assert "Excel workbook cannot be read" in error.message


# --- Excel --------------------------------------------------------------------------------------


def test_xlsx_first_sheet_is_parsed_into_typed_columns() -> None:
    data = _xlsx(
        (
            "Measurements",
            [
                [],
                [" when ", "value", "ok", "site", None],
                [dt.datetime(2024, 1, 1, 9, 30), 1, True, "lab", None],
                [],
                [dt.datetime(2024, 1, 2, 9, 30), 2.5, None, "home", None],
            ],
        ),
        ("Notes", [["x"], ["ignored"]]),
    )

    parsed = parse_upload(data, filename="book.xlsx")

    assert (parsed.format, parsed.delimiter, parsed.encoding) == ("xlsx", "", "")
    assert parsed.rows == 2
    assert parsed.schema == (
        ColumnInfo("when", "datetime", 0),
        ColumnInfo("value", "numeric", 0),
        ColumnInfo("ok", "boolean", 1),
        ColumnInfo("site", "categorical", 0),
    )


def test_xlsx_named_sheet_is_read() -> None:
    data = _xlsx(("First", [["a"], [1]]), ("Second", [["b", "c"], [2, 3]]))

    parsed = parse_upload(data, sheet="Second")

    assert [column.name for column in parsed.schema] == ["b", "c"]


def test_xlsx_unknown_sheet_is_refused_listing_the_sheets() -> None:
    data = _xlsx(("First", [["a"], [1]]), ("Second", [["b"], [2]]))

    error = _refusal(data, sheet="Third")

    assert error.details == {
        "parameter": "sheet",
        "value": "Third",
        "sheets": ["First", "Second"],
    }


def test_corrupt_workbook_is_refused() -> None:
    data = _xlsx(("Sheet1", [["a"], [1]]))

    error = _refusal(data[: len(data) // 2])

    assert error.details["parameter"] == "file"
    assert "Excel workbook cannot be read" in error.message


def test_workbook_with_broken_sheet_xml_is_refused() -> None:
    data = _with_sheet_xml(_xlsx(("Sheet1", [["a"], [1]])), lambda xml: b"<sheetData")

    error = _refusal(data)

    assert "Excel workbook cannot be read" in error.message


def test_workbook_features_openpyxl_drops_do_not_warn() -> None:
    extension = (
        b'<extLst><ext uri="{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}" '
        b'xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main">'
        b'<x14:dataValidations count="0"/></ext></extLst></worksheet>'
    )
    data = _with_sheet_xml(
        _xlsx(("Sheet1", [["a"], [1]])), lambda xml: xml.replace(b"</worksheet>", extension)
    )

    parsed = parse_upload(data)  # pytest turns any warning into an error

    assert parsed.schema == (ColumnInfo("a", "numeric", 0),)


def test_empty_xlsx_sheet_is_refused() -> None:
    error = _refusal(_xlsx(("Sheet1", [])))

    assert error.details["parameter"] == "file"
    assert "empty" in error.message


def test_header_only_xlsx_is_refused() -> None:
    error = _refusal(_xlsx(("Sheet1", [["a", "b"]])))

    assert "no data rows" in error.message


def test_duplicate_xlsx_headers_are_refused() -> None:
    error = _refusal(_xlsx(("Sheet1", [["a", "b", "a"], [1, 2, 3]])))

    assert error.details["duplicates"] == ["a"]


# --- Parquet and preview ------------------------------------------------------------------------


def test_parquet_round_trip_keeps_values_dtypes_and_no_index() -> None:
    data = b"when,flag,n,site\n2024-01-01,yes,1,a\n2024-01-02,no,2,b\n2024-01-03,,3,a\n"

    frame = read_parquet(parse_upload(data).parquet)

    assert list(frame.columns) == ["when", "flag", "n", "site"]
    assert pd.api.types.is_datetime64_dtype(frame["when"].dtype)
    assert frame["flag"].dtype == "boolean"
    assert frame["n"].dtype == "int64"
    assert frame["site"].tolist() == ["a", "b", "a"]
    assert isinstance(frame.index, pd.RangeIndex)


def test_preview_is_json_safe() -> None:
    data = b"when,x,flag,n,site\n2024-01-01T10:30:00,NaN,yes,1,a\n,inf,,2,\n"

    rows = preview_rows(parse_upload(data).parquet, 5)

    assert rows == [
        {"when": "2024-01-01T10:30:00", "x": None, "flag": True, "n": 1, "site": "a"},
        {"when": None, "x": None, "flag": None, "n": 2, "site": None},
    ]
    assert type(rows[0]["n"]) is int
    json.dumps(rows, allow_nan=False)


def test_preview_returns_at_most_n_rows() -> None:
    parquet = parse_upload(b"n\n" + b"\n".join(str(i).encode() for i in range(10))).parquet

    assert [row["n"] for row in preview_rows(parquet, 3)] == [0, 1, 2]
    assert preview_rows(parquet, 0) == []


def test_results_and_refusals_survive_pickling_for_worker_processes() -> None:
    parsed = parse_upload(b"a,b\n1,2\n")
    error = _refusal(b"a,b\n1,2,3\n")

    assert pickle.loads(pickle.dumps(parsed)) == parsed
    restored = pickle.loads(pickle.dumps(error))
    assert (restored.message, restored.details) == (error.message, error.details)


# --- tables derived from a frame ----------------------------------------------------------------


def test_a_frame_is_stored_with_given_types_kept_and_the_others_inferred() -> None:
    from neurogate.server.datasets.parsing import DERIVED_FORMAT, table_from_frame

    frame = pd.DataFrame(
        {
            "amount": [1.5, None, 3.0],
            "label": pd.Series(["0", None, "1"], dtype="str"),
            "region": ["north", "south", "north"],
        }
    )

    parsed = table_from_frame(frame, column_types={"label": "categorical"})

    assert parsed.schema == (
        ColumnInfo("amount", "numeric", 1),
        ColumnInfo("label", "categorical", 1),
        ColumnInfo("region", "categorical", 0),
    )
    assert (parsed.rows, parsed.format, parsed.delimiter, parsed.encoding) == (
        3,
        DERIVED_FORMAT,
        "",
        "",
    )
    stored = read_parquet(parsed.parquet)
    assert stored["label"].tolist()[::2] == ["0", "1"]
    assert stored["label"].isna().tolist() == [False, True, False]
    assert preview_rows(parsed.parquet, 2)[1] == {"amount": None, "label": None, "region": "south"}
