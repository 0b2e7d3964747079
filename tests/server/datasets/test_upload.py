"""From the bytes of an upload to the file to parse: raw bodies and
hand-built multipart forms, size limits and dataset names."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from neurogate.server.datasets.upload import (
    MAX_NAME_LENGTH,
    MULTIPART_OVERHEAD_BYTES,
    UploadFile,
    UploadSource,
    body_limit,
    check_body_size,
    dataset_name,
    prepare_table,
    unpack_upload,
)
from neurogate.server.errors import InvalidParameter, PayloadTooLarge
from neurogate.server.settings import MAX_UPLOAD_BYTES

BOUNDARY = "----NeuroGateTestBoundary7MA4YWxkTrZu0gW"
CSV = b"subject,alpha\ns1,0.5\ns2,0.7\n"
LIMIT = 1024


def multipart(*parts: tuple[str, bytes, str | None, str | None]) -> tuple[bytes, str]:
    """A multipart/form-data body of (name, data, filename, content type) parts."""
    body = b""
    for name, data, filename, content_type in parts:
        disposition = f'Content-Disposition: form-data; name="{name}"'
        if filename is not None:
            disposition += f'; filename="{filename}"'
        body += f"--{BOUNDARY}\r\n{disposition}\r\n".encode()
        if content_type:
            body += f"Content-Type: {content_type}\r\n".encode()
        body += b"\r\n" + data + b"\r\n"
    body += f"--{BOUNDARY}--\r\n".encode()
    return body, f"multipart/form-data; boundary={BOUNDARY}"


def field(name: str, value: str) -> tuple[str, bytes, None, None]:
    return (name, value.encode(), None, None)


# ------------------------------------------------------------ dataset_name


def test_a_requested_name_is_kept_stripped():
    assert dataset_name("  Resting state EEG  ", "ignored.csv") == "Resting state EEG"


def test_a_name_of_exactly_the_maximum_length_is_accepted():
    assert dataset_name("n" * MAX_NAME_LENGTH, "") == "n" * MAX_NAME_LENGTH


def test_a_name_over_the_maximum_length_is_refused():
    with pytest.raises(InvalidParameter) as raised:
        dataset_name("n" * (MAX_NAME_LENGTH + 1), "")

    assert raised.value.details == {
        "parameter": "name",
        "value": "n" * 50 + "...",
        "max_length": MAX_NAME_LENGTH,
    }
    assert str(MAX_NAME_LENGTH + 1) in raised.value.message


@pytest.mark.parametrize(
    "name",
    ["bad\x00name", "two\nlines", "tab\there", "bell\x07", "zero\u200bwidth", "bidi\u202eoverride"],
    ids=["nul", "newline", "tab", "bell", "zero-width", "bidi"],
)
def test_a_name_with_control_characters_is_refused(name):
    with pytest.raises(InvalidParameter) as raised:
        dataset_name(name, "")

    assert raised.value.details["parameter"] == "name"


def test_non_ascii_names_are_fine():
    assert dataset_name("Größe 脑电图", "") == "Größe 脑电图"


@pytest.mark.parametrize(
    ("filename", "expected"),
    [
        ("trial 1.csv", "trial 1"),
        ("/home/me/exports/sleep-study.xlsx", "sleep-study"),
        ("C:\\Users\\me\\My   EEG\tData.csv", "My EEG Data"),
        ("archive.tar.gz", "archive.tar"),
        ("no-extension", "no-extension"),
    ],
)
def test_without_a_name_the_file_name_stem_is_used(filename, expected):
    assert dataset_name("   ", filename) == expected


def test_a_long_file_name_is_cut_to_the_maximum_length():
    assert dataset_name("", "x" * 300 + ".csv") == "x" * MAX_NAME_LENGTH


@pytest.mark.parametrize(
    "filename",
    ["", "/", "   .csv", "evil\x00.csv", "\u200b.csv"],
    ids=["none", "root", "blank-stem", "nul", "format-char"],
)
def test_without_a_usable_name_a_timestamp_name_is_made(filename):
    now = datetime(2026, 3, 14, 9, 26, 53, tzinfo=UTC)

    assert dataset_name("", filename, now=now) == "dataset-20260314-092653"


def test_the_timestamp_name_defaults_to_now():
    name = dataset_name("", "")

    assert name.startswith("dataset-")
    stamp = datetime.strptime(name, "dataset-%Y%m%d-%H%M%S").replace(tzinfo=UTC)
    assert abs((datetime.now(UTC) - stamp).total_seconds()) < 60


# ------------------------------------------------------------ unpack_upload


def test_a_raw_body_is_the_file_with_the_request_fields():
    source = UploadSource(
        body=CSV, content_type="text/csv", name="n", filename="f.csv", encoding="latin-1", sheet="S"
    )

    file = unpack_upload(source, LIMIT)

    assert file == UploadFile(
        data=CSV, filename="f.csv", content_type="text/csv", name="n", encoding="latin-1", sheet="S"
    )


def test_a_multipart_form_gives_its_file_part_and_options():
    body, content_type = multipart(
        ("file", CSV, "eeg.csv", "text/csv"),
        field("name", "Resting state"),
        field("encoding", "cp1252"),
        field("sheet", "Run 2"),
    )

    file = unpack_upload(UploadSource(body=body, content_type=content_type), LIMIT)

    assert file == UploadFile(
        data=CSV,
        filename="eeg.csv",
        content_type="text/csv",
        name="Resting state",
        encoding="cp1252",
        sheet="Run 2",
    )


def test_form_options_fall_back_to_the_request_fields():
    body, content_type = multipart(("file", CSV, "", None))
    source = UploadSource(
        body=body,
        content_type=content_type,
        name="from request",
        filename="request.csv",
        encoding="utf-16",
        sheet="S1",
    )

    file = unpack_upload(source, LIMIT)

    assert file == UploadFile(
        data=CSV,
        filename="request.csv",
        content_type="",
        name="from request",
        encoding="utf-16",
        sheet="S1",
    )


def test_the_multipart_content_type_is_matched_case_insensitively():
    body, _ = multipart(("file", CSV, "a.csv", "text/csv"))

    file = unpack_upload(
        UploadSource(body=body, content_type=f"Multipart/Form-Data; boundary={BOUNDARY}"), LIMIT
    )

    assert file.data == CSV


def test_file_bytes_are_kept_exactly():
    data = bytes(range(256)) + b"\r\n--not-the-boundary\r\n" + CSV
    body, content_type = multipart(("file", data, "odd.csv", "application/octet-stream"))

    file = unpack_upload(UploadSource(body=body, content_type=content_type), LIMIT)

    assert file.data == data


def test_an_empty_body_is_refused():
    with pytest.raises(InvalidParameter) as raised:
        unpack_upload(UploadSource(body=b"", content_type="text/csv"), LIMIT)

    assert raised.value.details == {"parameter": "file"}


def test_a_form_without_a_file_part_is_refused_listing_its_fields():
    body, content_type = multipart(
        field("name", "x"), ("upload", CSV, "eeg.csv", "text/csv"), field("encoding", "utf-8")
    )

    with pytest.raises(InvalidParameter) as raised:
        unpack_upload(UploadSource(body=body, content_type=content_type), LIMIT)

    assert raised.value.details == {
        "parameter": "file",
        "form_fields": ["encoding", "name", "upload"],
    }
    assert "-F 'file=@data.csv'" in raised.value.message


def test_a_file_part_sent_as_a_text_field_is_not_a_file():
    body, content_type = multipart(field("file", "subject,alpha\n"))

    with pytest.raises(InvalidParameter) as raised:
        unpack_upload(UploadSource(body=body, content_type=content_type), LIMIT)

    assert raised.value.details == {"parameter": "file", "form_fields": ["file"]}


def test_an_empty_file_part_is_refused():
    body, content_type = multipart(("file", b"", "empty.csv", "text/csv"))

    with pytest.raises(InvalidParameter) as raised:
        unpack_upload(UploadSource(body=body, content_type=content_type), LIMIT)

    assert raised.value.message == "the uploaded file is empty"
    assert raised.value.details == {"parameter": "file"}


def test_a_file_of_exactly_the_limit_is_accepted():
    data = b"a\n" + b"1\n" * ((LIMIT - 2) // 2)
    assert len(data) == LIMIT

    assert unpack_upload(UploadSource(body=data, content_type="text/csv"), LIMIT).data == data


@pytest.mark.parametrize("multipart_form", [False, True], ids=["raw", "multipart"])
def test_a_file_over_the_limit_is_refused_with_413(multipart_form):
    data = b"x" * (LIMIT + 1)
    if multipart_form:
        body, content_type = multipart(("file", data, "big.csv", "text/csv"))
    else:
        body, content_type = data, "text/csv"

    with pytest.raises(PayloadTooLarge) as raised:
        unpack_upload(UploadSource(body=body, content_type=content_type), LIMIT)

    assert raised.value.http_status == 413
    assert raised.value.code == "PAYLOAD_TOO_LARGE"
    assert raised.value.details == {
        "parameter": "file",
        "limit_bytes": LIMIT,
        "size_bytes": LIMIT + 1,
    }


def test_the_413_message_states_the_limit_in_decimal_megabytes():
    limit = 50_000_000  # the documented "50 MB", not 50 MiB

    with pytest.raises(PayloadTooLarge) as raised:
        check_body_size(body_limit(limit) + 1, limit)

    assert "50 MB" in raised.value.message


def test_the_upload_limit_is_50_decimal_megabytes_as_documented():
    assert MAX_UPLOAD_BYTES == 50_000_000


def test_body_limit_leaves_room_for_the_multipart_framing():
    assert body_limit(LIMIT) == LIMIT + MULTIPART_OVERHEAD_BYTES


def test_check_body_size_accepts_a_body_that_can_still_hold_a_file_within_the_limit():
    check_body_size(0, LIMIT)
    check_body_size(body_limit(LIMIT), LIMIT)


def test_check_body_size_refuses_a_body_past_the_limit():
    received = body_limit(LIMIT) + 1

    with pytest.raises(PayloadTooLarge) as raised:
        check_body_size(received, LIMIT)

    assert raised.value.details == {
        "parameter": "file",
        "limit_bytes": LIMIT,
        "size_bytes": received,
    }


# ------------------------------------------------------------ prepare_table


def test_prepare_table_parses_the_file_and_previews_its_first_rows():
    data = b"subject,alpha\n" + b"".join(f"s{i},{i / 10}\n".encode() for i in range(150))
    file = UploadFile(
        data=data, filename="eeg.csv", content_type="text/csv", name="", encoding="", sheet=""
    )

    prepared = prepare_table(file)

    assert prepared.parsed.rows == 150
    assert [(c.name, c.type) for c in prepared.parsed.schema] == [
        ("subject", "text"),
        ("alpha", "numeric"),
    ]
    assert len(prepared.preview) == 100
    assert prepared.preview[0] == {"subject": "s0", "alpha": 0.0}
    assert prepared.preview[99] == {"subject": "s99", "alpha": 9.9}
