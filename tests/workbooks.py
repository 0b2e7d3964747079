"""Excel workbooks with a hand-written sheet, for what no spreadsheet program
writes: XLSX bombs (a few hundred KB of ZIP expanding to millions of rows),
cell references that jump far away, sizes the ZIP directory lies about."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable

from openpyxl import Workbook

SHEET_XML = "xl/worksheets/sheet1.xml"
_SHEET_START = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)
_SHEET_END = b"</sheetData></worksheet>"
_HEADER_ROW = b'<row><c t="inlineStr"><is><t>value</t></is></c></row>'
#: One row of one cell; without ``r`` attributes it is identical every time,
#: which deflate shrinks about 170 to 1 even at its fastest level.
_ROW = b"<row><c><v>1</v></c></row>"
_ROWS_PER_WRITE = 40_000


def _template() -> bytes:
    book = Workbook()
    book.active.append(["value"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def workbook_with_sheet(chunks: Iterable[bytes]) -> bytes:
    """A valid workbook whose first sheet's ``<sheetData>`` holds ``chunks``,
    streamed into the archive (fastest deflate level: a bomb is quick to make)."""
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(_template())) as template,
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive,
    ):
        for name in template.namelist():
            if name != SHEET_XML:
                archive.writestr(name, template.read(name))
        with archive.open(SHEET_XML, "w") as sheet:
            sheet.write(_SHEET_START)
            for chunk in chunks:
                sheet.write(chunk)
            sheet.write(_SHEET_END)
    return buffer.getvalue()


def xlsx_bomb(rows: int) -> bytes:
    """A workbook of a ``value`` header and ``rows`` rows holding 1."""

    def chunks() -> Iterable[bytes]:
        yield _HEADER_ROW
        for start in range(0, rows, _ROWS_PER_WRITE):
            yield _ROW * min(_ROWS_PER_WRITE, rows - start)

    return workbook_with_sheet(chunks())


def with_declared_size(workbook: bytes, member: str, declared: int) -> bytes:
    """``workbook`` with ``member``'s uncompressed size in the ZIP central
    directory replaced by ``declared`` (the local header keeps the truth)."""
    with zipfile.ZipFile(io.BytesIO(workbook)) as archive:
        info = archive.getinfo(member)
    data = bytearray(workbook)
    entry = 0
    name = member.encode()
    while True:
        entry = data.index(b"PK\x01\x02", entry)
        name_length = int.from_bytes(data[entry + 28 : entry + 30], "little")
        if data[entry + 46 : entry + 46 + name_length] == name:
            break
        entry += 4
    assert int.from_bytes(data[entry + 24 : entry + 28], "little") == info.file_size
    data[entry + 24 : entry + 28] = declared.to_bytes(4, "little")
    return bytes(data)
