"""Datasets over REST through Envoy: uploads (CSV, Excel, raw bodies),
every refusal answered in the envelope with nothing stored, listing,
retrieval and deletion."""

from __future__ import annotations

import io
import time

import httpx
import openpyxl
import pytest

from conftest import Caller, NewCaller, assert_envelope
from neurogate.server.datasets.workbook import MAX_UNCOMPRESSED_BYTES
from neurogate.server.settings import MAX_UPLOAD_BYTES
from workbooks import xlsx_bomb

SALES_CSV = (
    b"region;amount;sold_on;paid\n"
    b"north;10.5;2024-01-01;true\n"
    b"south;3;2024-01-02;false\n"
    b"north;;2024-01-03;true\n"
)


async def upload(
    rest: httpx.AsyncClient, caller: Caller, data: bytes, filename: str = "data.csv", **fields: str
) -> httpx.Response:
    return await rest.post(
        "/v1/data/upload", headers=caller.headers, files={"file": (filename, data)}, data=fields
    )


async def total(rest: httpx.AsyncClient, caller: Caller) -> int:
    return (await rest.get("/v1/datasets", headers=caller.headers)).json()["total"]


def xlsx(rows: list[list[object]]) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


async def test_csv_upload_reports_shape_types_and_detection(
    new_caller: NewCaller, rest: httpx.AsyncClient
):
    caller = await new_caller()
    reply = await upload(rest, caller, SALES_CSV, "sales.csv", name="Q1 sales")
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["dataset_id"].startswith("ds_")
    assert body["name"] == "Q1 sales"
    assert (body["rows"], body["columns"]) == (3, 4)
    assert body["column_types"] == {
        "region": "categorical",
        "amount": "numeric",
        "sold_on": "datetime",
        "paid": "boolean",
    }
    assert [c["name"] for c in body["schema"]] == ["region", "amount", "sold_on", "paid"]
    assert body["schema"][1]["missing"] == 1
    assert (body["format"], body["delimiter"], body["encoding"]) == ("csv", ";", "utf-8")
    assert body["created_at"].endswith("Z")


async def test_uploaded_dataset_is_listed_fetched_with_preview_and_deleted(
    new_caller: NewCaller, rest: httpx.AsyncClient
):
    caller = await new_caller()
    dataset_id = (await upload(rest, caller, SALES_CSV, "sales.csv")).json()["dataset_id"]

    listed = (await rest.get("/v1/data/datasets", headers=caller.headers)).json()
    assert [d["dataset_id"] for d in listed["datasets"]] == [dataset_id]
    assert listed["datasets"][0]["name"] == "sales"

    fetched = await rest.get(f"/v1/datasets/{dataset_id}?preview_rows=2", headers=caller.headers)
    assert fetched.status_code == 200
    preview = fetched.json()["preview"]
    assert preview == [
        {"region": "north", "amount": 10.5, "sold_on": "2024-01-01T00:00:00", "paid": True},
        {"region": "south", "amount": 3.0, "sold_on": "2024-01-02T00:00:00", "paid": False},
    ]

    deleted = await rest.delete(f"/v1/datasets/{dataset_id}", headers=caller.headers)
    assert deleted.json() == {"dataset_id": dataset_id}
    gone = await rest.get(f"/v1/datasets/{dataset_id}", headers=caller.headers)
    assert_envelope(gone, 404, "INVALID_DATASET")


async def test_missing_values_preview_as_null(new_caller: NewCaller, rest: httpx.AsyncClient):
    caller = await new_caller()
    dataset_id = (await upload(rest, caller, SALES_CSV)).json()["dataset_id"]
    preview = (await rest.get(f"/v1/datasets/{dataset_id}", headers=caller.headers)).json()[
        "preview"
    ]
    assert preview[2]["amount"] is None


async def test_excel_upload_reads_the_first_sheet(new_caller: NewCaller, rest: httpx.AsyncClient):
    caller = await new_caller()
    data = xlsx([["subject", "score"], ["s1", 0.5], ["s2", 0.75]])
    reply = await upload(rest, caller, data, "scores.xlsx")
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert (body["format"], body["rows"], body["name"]) == ("xlsx", 2, "scores")
    assert body["column_types"]["score"] == "numeric"


async def test_raw_csv_body_with_query_parameters_is_accepted(
    new_caller: NewCaller, rest: httpx.AsyncClient
):
    caller = await new_caller()
    reply = await rest.post(
        "/v1/data/upload?name=raw&filename=raw.csv",
        headers={**caller.headers, "content-type": "text/csv"},
        content=b"a,b\n1,2\n3,4\n",
    )
    assert reply.status_code == 200, reply.text
    assert (reply.json()["name"], reply.json()["rows"]) == ("raw", 2)


async def test_latin1_csv_is_read_when_the_encoding_is_given(
    new_caller: NewCaller, rest: httpx.AsyncClient
):
    caller = await new_caller()
    data = "city,temp\nZürich,3\nMálaga,18\n".encode("latin-1")
    refused = await upload(rest, caller, data)
    assert_envelope(refused, 400, "INVALID_PARAMETER")
    accepted = await upload(rest, caller, data, encoding="latin-1")
    assert accepted.status_code == 200, accepted.text
    dataset_id = accepted.json()["dataset_id"]
    preview = (await rest.get(f"/v1/datasets/{dataset_id}", headers=caller.headers)).json()
    assert preview["preview"][0]["city"] == "Zürich"


REFUSALS = [
    pytest.param(b"", "empty", id="empty file"),
    pytest.param(b"a,b,c\n", "no data rows", id="header only"),
    pytest.param(b"a,b\n1,2\n3,4,5\n", "line 3", id="ragged row"),
    pytest.param(b"a,a,b\n1,2,3\n", "unique", id="duplicate columns"),
    pytest.param(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200), "format", id="binary"),
    pytest.param(b"name,city\nx,\xff\xfe bad\n", "UTF-8", id="not utf-8"),
]


@pytest.mark.parametrize(("data", "mentions"), REFUSALS)
async def test_bad_files_are_refused_and_nothing_is_stored(
    data: bytes, mentions: str, new_caller: NewCaller, rest: httpx.AsyncClient
):
    caller = await new_caller()
    reply = await upload(rest, caller, data)
    error = assert_envelope(reply, 400, "INVALID_PARAMETER")
    assert mentions.lower() in error["message"].lower(), error
    assert error["details"]["parameter"] == "file"
    assert await total(rest, caller) == 0


async def test_name_that_is_too_long_is_refused(new_caller: NewCaller, rest: httpx.AsyncClient):
    caller = await new_caller()
    reply = await upload(rest, caller, b"a\n1\n", name="n" * 201)
    error = assert_envelope(reply, 400, "INVALID_PARAMETER")
    assert (error["details"]["parameter"], error["details"]["max_length"]) == ("name", 200)
    assert await total(rest, caller) == 0


async def test_form_without_a_file_part_is_refused(new_caller: NewCaller, rest: httpx.AsyncClient):
    caller = await new_caller()
    reply = await rest.post(
        "/v1/data/upload", headers=caller.headers, files={"upload": ("a.csv", b"a\n1\n")}
    )
    error = assert_envelope(reply, 400, "INVALID_PARAMETER")
    assert error["details"]["form_fields"] == ["upload"]


async def test_file_over_50_mb_is_413_and_nothing_is_stored(
    new_caller: NewCaller, rest: httpx.AsyncClient
):
    caller = await new_caller()
    row = b"1.2345,6.789,10.1112\n"
    data = b"a,b,c\n" + row * (MAX_UPLOAD_BYTES // len(row) + 1)
    assert len(data) > MAX_UPLOAD_BYTES
    reply = await upload(rest, caller, data)
    error = assert_envelope(reply, 413, "PAYLOAD_TOO_LARGE")
    assert error["details"]["limit_bytes"] == MAX_UPLOAD_BYTES
    assert await total(rest, caller) == 0


async def test_file_just_under_50_mb_is_accepted(new_caller: NewCaller, rest: httpx.AsyncClient):
    caller = await new_caller()
    row = b"1.2345,6.789,10.1112\n"
    rows = (MAX_UPLOAD_BYTES - 100) // len(row)
    reply = await upload(rest, caller, b"a,b,c\n" + row * rows)
    assert reply.status_code == 200, reply.text
    assert reply.json()["rows"] == rows


async def test_xlsx_bomb_is_413_naming_the_limit_quickly_and_nothing_is_stored(
    new_caller: NewCaller, rest: httpx.AsyncClient
):
    caller = await new_caller()
    bomb = xlsx_bomb(10_000_000)  # under 2 MB, 260 MB of sheet XML
    started = time.perf_counter()

    reply = await upload(rest, caller, bomb, "bomb.xlsx")

    error = assert_envelope(reply, 413, "PAYLOAD_TOO_LARGE")
    assert time.perf_counter() - started < 60  # parsing it took minutes
    assert error["details"]["limit_bytes"] == MAX_UNCOMPRESSED_BYTES
    assert "250 MB" in error["message"]
    assert await total(rest, caller) == 0


async def test_listing_pages_newest_first(new_caller: NewCaller, rest: httpx.AsyncClient):
    caller = await new_caller()
    names = [f"study {n}" for n in range(5)]
    for name in names:
        await rest.post("/v1/datasets", headers=caller.headers, json={"name": name, "type": "eeg"})
    seen, token = [], ""
    while True:
        page = (
            await rest.get(
                "/v1/datasets", headers=caller.headers, params={"page_size": 2, "page_token": token}
            )
        ).json()
        assert page["total"] == 5
        seen += [d["name"] for d in page["datasets"]]
        token = page["next_page_token"]
        if not token:
            break
    assert seen == names[::-1]


async def test_negative_page_size_and_forged_page_token_are_refused(
    new_caller: NewCaller, rest: httpx.AsyncClient
):
    caller = await new_caller()
    negative = await rest.get("/v1/datasets?page_size=-1", headers=caller.headers)
    assert (
        assert_envelope(negative, 400, "INVALID_PARAMETER")["details"]["parameter"] == "page_size"
    )
    forged = await rest.get("/v1/datasets?page_token=bm9wZQ", headers=caller.headers)
    assert assert_envelope(forged, 400, "INVALID_PARAMETER")["details"]["parameter"] == "page_token"


async def test_neural_dataset_record_keeps_its_metadata(
    new_caller: NewCaller, rest: httpx.AsyncClient
):
    caller = await new_caller()
    reply = await rest.post(
        "/v1/datasets",
        headers=caller.headers,
        json={
            "name": "motor imagery",
            "type": "eeg",
            "metadata": {
                "subjects": 10,
                "sessions_per_subject": 2,
                "sampling_rate": 250,
                "paradigm": "left/right hand",
            },
        },
    )
    assert reply.status_code == 200, reply.text
    created = reply.json()
    assert created["type"] == "eeg"
    assert created["metadata"] == {
        "subjects": 10,
        "sessions_per_subject": 2,
        "sampling_rate": 250,
        "paradigm": "left/right hand",
    }
    only_eeg = (await rest.get("/v1/datasets?type=eeg", headers=caller.headers)).json()
    assert [d["dataset_id"] for d in only_eeg["datasets"]] == [created["dataset_id"]]


@pytest.mark.parametrize(
    ("payload", "parameter"),
    [
        ({"name": "x", "type": "fmri"}, "type"),
        ({"name": "x"}, "type"),
        ({"name": "x", "type": "eeg", "metadata": {"subjects": 0}}, "metadata.subjects"),
        ({"name": "x", "type": "eeg", "metadata": {"subjects": 2.5}}, "metadata.subjects"),
        (
            {"name": "x", "type": "eeg", "metadata": {"sampling_rate": "fast"}},
            "metadata.sampling_rate",
        ),
        ({"name": "x" * 201, "type": "eeg"}, "name"),
    ],
)
async def test_invalid_neural_dataset_records_are_refused(
    payload: dict, parameter: str, new_caller: NewCaller, rest: httpx.AsyncClient
):
    caller = await new_caller()
    reply = await rest.post("/v1/datasets", headers=caller.headers, json=payload)
    assert assert_envelope(reply, 400, "INVALID_PARAMETER")["details"]["parameter"] == parameter
    assert await total(rest, caller) == 0
