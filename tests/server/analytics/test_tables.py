"""Datasets' tables as compute workers see them: the caller's tabular
dataset checked on the event loop, read once per worker, and columns looked
up with refusals that name the column and the valid choices."""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd
import pytest
from sqlalchemy import delete

from neurogate.server.analytics import tables
from neurogate.server.analytics.tables import Table, TableRef, open_table, table_ref
from neurogate.server.auth.accounts import AccountAdmin
from neurogate.server.auth.tiers import Tier
from neurogate.server.datasets.parsing import parse_upload, preview_rows
from neurogate.server.datasets.store import DatasetStore
from neurogate.server.errors import DatasetNotFound, InvalidParameter
from neurogate.server.storage.database import worker_engine
from neurogate.server.storage.models import DatasetTable

CSV = b"region,amount,sold_on\nnorth,10.5,2026-01-05\nsouth,,2026-01-06\nnorth,3.0,2026-01-07\n"


@pytest.fixture
def store(db) -> DatasetStore:
    return DatasetStore(db)


@pytest.fixture
def worker_reads(database_url: str) -> Iterator[str]:
    """The database as a compute worker reads it, released after the test."""
    yield database_url
    worker_engine(database_url).dispose()
    tables._cache.clear()
    tables._cached_bytes = 0


@pytest.fixture
async def owner(db) -> str:
    return (await AccountAdmin(db).create_account("Owner", Tier.PRO)).account_id


async def _upload(store: DatasetStore, account_id: str) -> str:
    parsed = parse_upload(CSV, filename="sales.csv", content_type="text/csv")
    dataset = await store.add_table(
        account_id, "sales", parsed, preview_rows(parsed.parquet, 2), len(CSV)
    )
    return dataset.id


def _table() -> Table:
    ref = TableRef(
        "sqlite://", "ds_1", "sales", {"region": "categorical", "amount": "numeric", "n": "numeric"}
    )
    frame = pd.DataFrame({"region": ["a", "b"], "amount": [1.5, None], "n": [1, 2]})
    return Table(ref, frame)


async def test_a_worker_reads_the_callers_table_with_its_column_types(store, owner, worker_reads):
    dataset_id = await _upload(store, owner)

    ref = await table_ref(store, worker_reads, owner, dataset_id)
    table = open_table(ref)

    assert ref.column_types == {
        "region": "categorical",
        "amount": "numeric",
        "sold_on": "datetime",
    }
    assert list(table.frame["region"]) == ["north", "south", "north"]
    assert pd.api.types.is_datetime64_any_dtype(table.frame["sold_on"])


async def test_a_table_read_once_is_served_from_the_workers_cache(store, owner, db, worker_reads):
    dataset_id = await _upload(store, owner)
    ref = await table_ref(store, worker_reads, owner, dataset_id)
    first = open_table(ref)
    # Gone from the database, still in the cache: the second open did not read.
    statement = delete(DatasetTable).where(DatasetTable.dataset_id == dataset_id)
    await db.run(lambda session: session.exec(statement))

    assert open_table(ref).frame is first.frame


async def test_a_table_deleted_before_the_worker_reads_it_is_missing(store, owner, worker_reads):
    dataset_id = await _upload(store, owner)
    ref = await table_ref(store, worker_reads, owner, dataset_id)
    await store.delete(owner, dataset_id)

    with pytest.raises(DatasetNotFound):
        open_table(ref)


async def test_another_accounts_dataset_is_missing(store, owner, db, worker_reads):
    dataset_id = await _upload(store, owner)
    stranger = (await AccountAdmin(db).create_account("Stranger", Tier.PRO)).account_id

    with pytest.raises(DatasetNotFound):
        await table_ref(store, worker_reads, stranger, dataset_id)


async def test_a_dataset_record_without_a_table_is_refused(store, owner, worker_reads):
    record = await store.add_record(owner, "EEG study", "eeg", {"subjects": 3})

    with pytest.raises(InvalidParameter, match="without a table") as raised:
        await table_ref(store, worker_reads, owner, record.id)

    assert raised.value.details == {"parameter": "dataset_id", "value": record.id}


def test_a_numeric_column_comes_as_float_with_missing_values_as_nan():
    amount = _table().numeric("n")

    assert amount.dtype == "float64"
    assert list(_table().numeric("amount").isna()) == [False, True]


def test_an_unknown_column_is_named_with_the_valid_choices():
    with pytest.raises(InvalidParameter, match="no column 'price'") as raised:
        _table().numeric("price", parameter="target")

    assert raised.value.details == {
        "parameter": "target",
        "value": "price",
        "valid_choices": ["amount", "n"],
    }


def test_a_column_of_the_wrong_type_is_refused_with_its_type():
    with pytest.raises(InvalidParameter, match="'region' is categorical") as raised:
        _table().numeric("region")

    assert raised.value.details["column_type"] == "categorical"
    assert raised.value.details["valid_choices"] == ["amount", "n"]


def test_a_missing_column_name_is_required():
    with pytest.raises(InvalidParameter, match="group_column is required"):
        _table().check("", parameter="group_column", types=("categorical",))
