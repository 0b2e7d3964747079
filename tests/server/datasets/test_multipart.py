"""Splitting multipart/form-data bodies (neurogate.server.datasets.multipart)."""

from __future__ import annotations

import pytest

from neurogate.server.datasets.multipart import Form, UploadedFile, parse_form
from neurogate.server.errors import InvalidParameter

BOUNDARY = "----neurogate-test-boundary"
CONTENT_TYPE = f"multipart/form-data; boundary={BOUNDARY}"


def _part(headers: str, data: bytes) -> bytes:
    return f"--{BOUNDARY}\r\n{headers}\r\n\r\n".encode() + data + b"\r\n"


def _field(name: str, value: bytes) -> bytes:
    return _part(f'Content-Disposition: form-data; name="{name}"', value)


def _file(name: str, filename: str, data: bytes, content_type: str = "text/csv") -> bytes:
    headers = f'Content-Disposition: form-data; name="{name}"; filename="{filename}"'
    if content_type:
        headers += f"\r\nContent-Type: {content_type}"
    return _part(headers, data)


def _body(*parts: bytes) -> bytes:
    return b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()


def _refusal(body: bytes, content_type: str = CONTENT_TYPE) -> InvalidParameter:
    with pytest.raises(InvalidParameter) as caught:
        parse_form(body, content_type)
    return caught.value


def test_fields_and_file_are_separated() -> None:
    csv = b"a,b\r\n1,2\r\n--not-a-boundary\r\n"
    body = _body(
        _field("name", "Résumé data".encode()),
        _file("file", "data.csv", csv),
        _field("encoding", b"latin-1"),
        _field("sheet", b""),
    )

    form = parse_form(body, CONTENT_TYPE)

    assert form == Form(
        fields={"name": "Résumé data", "encoding": "latin-1", "sheet": ""},
        files={"file": UploadedFile("data.csv", "text/csv", csv)},
    )


def test_file_without_content_type_reports_an_empty_one() -> None:
    body = _body(_file("file", "data.csv", b"a\n1\n", content_type=""))

    assert parse_form(body, CONTENT_TYPE).files["file"].content_type == ""


def test_binary_file_content_is_kept_byte_for_byte() -> None:
    data = bytes(range(256)) * 64 + b"\r\n--" + BOUNDARY[:-1].encode()
    body = _body(_file("file", "book.xlsx", data, "application/octet-stream"))

    assert parse_form(body, CONTENT_TYPE).files["file"].data == data


def test_utf8_file_name_is_decoded() -> None:
    body = _body(_file("file", "données.csv", b"a\n1\n"))

    assert parse_form(body, CONTENT_TYPE).files["file"].filename == "données.csv"


def test_quoted_boundary_and_epilogue_are_accepted() -> None:
    body = _body(_field("name", b"x")) + b"epilogue ignored"

    form = parse_form(body, f'multipart/form-data; boundary="{BOUNDARY}"')

    assert form.fields == {"name": "x"}


@pytest.mark.parametrize("content_type", ["application/json", "text/csv", ""])
def test_non_multipart_content_type_is_refused(content_type: str) -> None:
    error = _refusal(_body(_field("name", b"x")), content_type)

    assert error.details == {"parameter": "content_type", "value": content_type}


def test_missing_boundary_is_refused() -> None:
    error = _refusal(_body(_field("name", b"x")), "multipart/form-data")

    assert error.details["parameter"] == "content_type"
    assert "boundary" in error.message


def test_overlong_boundary_is_refused() -> None:
    error = _refusal(b"", "multipart/form-data; boundary=" + "x" * 300)

    assert error.details["parameter"] == "content_type"


def test_body_with_another_boundary_is_refused() -> None:
    body = _body(_field("name", b"x")).replace(BOUNDARY.encode(), b"other")

    assert _refusal(body).details["parameter"] == "body"


def test_body_that_does_not_start_with_the_boundary_is_refused() -> None:
    error = _refusal(b"plain text, not a form")

    assert error.details == {"parameter": "body"}
    assert "malformed" in error.message


@pytest.mark.parametrize(
    "body", [b"", _body(_field("name", b"x"))[:-10]], ids=["empty", "truncated"]
)
def test_body_without_a_closing_boundary_is_refused(body: bytes) -> None:
    error = _refusal(body)

    assert error.details == {"parameter": "body"}
    assert "truncated" in error.message


def test_part_without_a_name_is_refused() -> None:
    body = _body(_part("Content-Disposition: form-data", b"x"))

    error = _refusal(body)

    assert error.details == {"parameter": "body", "part": 1}


def test_part_without_content_disposition_is_refused() -> None:
    body = _body(_field("name", b"x"), _part("Content-Type: text/plain", b"y"))

    assert _refusal(body).details == {"parameter": "body", "part": 2}


def test_repeated_part_name_is_refused() -> None:
    body = _body(_file("file", "a.csv", b"a\n1\n"), _file("file", "b.csv", b"b\n2\n"))

    error = _refusal(body)

    assert error.details == {"parameter": "file"}
    assert "more than one" in error.message


def test_text_field_that_is_not_utf8_is_refused_naming_the_field() -> None:
    body = _body(_field("name", "Müller".encode("latin-1")))

    error = _refusal(body)

    assert error.details == {"parameter": "name", "offset": 1}
