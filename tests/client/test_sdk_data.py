"""``client.data``: uploads from files and DataFrames, listing, previews,
deletion, and the refusals of bad uploads."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from sdk_support import client_for, measurements, new_account

from conftest import Stack
from neurogate.client import InvalidRequestError, NotFoundError
from neurogate.client._data import CHUNK_BYTES


async def test_a_dataframe_upload_round_trips_through_get_and_to_pandas(stack: Stack):
    frame = measurements(12)
    with client_for(stack.grpc_target, await new_account(stack)) as client:
        uploaded = client.data.upload(frame, name="frame")
        fetched = client.data.get(uploaded.id, preview_rows=12)
    assert (uploaded.name, uploaded.rows, uploaded.columns) == ("frame", 12, 3)
    assert uploaded.column_types == {"value": "numeric", "group": "categorical", "other": "numeric"}
    assert [c["name"] for c in uploaded.schema] == ["value", "group", "other"]
    assert uploaded.format == "csv"
    assert uploaded.raw.dataset_id == uploaded.id
    pd.testing.assert_frame_equal(fetched.to_pandas(), frame, check_dtype=False)


async def test_a_file_upload_takes_its_name_from_the_file_and_streams_in_chunks(
    stack: Stack, tmp_path: Path
):
    path = tmp_path / "large_measurements.csv"
    measurements(30_000).to_csv(path, index=False)
    assert path.stat().st_size > CHUNK_BYTES  # more than one message
    with client_for(stack.grpc_target, await new_account(stack)) as client:
        dataset = client.data.upload(path)
    assert dataset.rows == 30_000
    assert dataset.size_bytes == path.stat().st_size
    assert dataset.name == "large_measurements"


async def test_an_excel_upload_is_read_as_a_table(stack: Stack, tmp_path: Path):
    path = tmp_path / "sheet.xlsx"
    measurements(8).to_excel(path, index=False, sheet_name="data")
    with client_for(stack.grpc_target, await new_account(stack)) as client:
        dataset = client.data.upload(path, name="excel", sheet="data")
    assert (dataset.format, dataset.rows) == ("xlsx", 8)


async def test_list_returns_every_page_newest_first_and_delete_removes(stack: Stack):
    with client_for(stack.grpc_target, await new_account(stack)) as client:
        first = client.data.upload(measurements(5), name="first")
        second = client.data.upload(measurements(5), name="second")
        assert [d.id for d in client.data.list()] == [second.id, first.id]
        client.data.delete(first.id)
        assert [d.id for d in client.data.list()] == [second.id]
        with pytest.raises(NotFoundError):
            client.data.get(first.id)


async def test_a_listed_dataset_has_no_rows_to_convert(stack: Stack):
    with client_for(stack.grpc_target, await new_account(stack)) as client:
        client.data.upload(measurements(5), name="listed")
        (listed,) = client.data.list()
    with pytest.raises(ValueError, match=r"client\.data\.get"):
        listed.to_pandas()


async def test_an_empty_file_is_refused_naming_the_file(stack: Stack, tmp_path: Path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    with client_for(stack.grpc_target, await new_account(stack)) as client:
        with pytest.raises(InvalidRequestError) as raised:
            client.data.upload(path)
        assert client.data.list() == []
    assert raised.value.code == "INVALID_PARAMETER"
    assert raised.value.details["parameter"] == "file"


async def test_upload_of_a_missing_file_raises_before_calling_the_server(
    stack: Stack, tmp_path: Path
):
    with client_for(stack.grpc_target, await new_account(stack)) as client:
        with pytest.raises(FileNotFoundError):
            client.data.upload(tmp_path / "absent.csv")
        assert client.data.list() == []
