"""Datasets in the database, on both backends: always within one account,
written atomically with their Parquet table, listed newest first with
keyset page tokens."""

from __future__ import annotations

import base64
import dataclasses
import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import delete, func
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from neurogate.server.auth.accounts import AccountAdmin
from neurogate.server.auth.tiers import Tier
from neurogate.server.datasets.parsing import ParsedUpload, parse_upload, preview_rows
from neurogate.server.datasets.store import DatasetStore
from neurogate.server.errors import DatasetNotFound, InvalidParameter
from neurogate.server.storage.models import Dataset, DatasetTable

CSV = b"subject,alpha,recorded\ns1,0.5,2026-01-01\ns2,,2026-01-02\ns3,0.9,2026-01-03\n"


@pytest.fixture(scope="module")
def parsed() -> ParsedUpload:
    return parse_upload(CSV, filename="eeg.csv", content_type="text/csv")


@pytest.fixture
def store(db) -> DatasetStore:
    return DatasetStore(db)


@pytest.fixture
async def owner(db) -> str:
    return (await AccountAdmin(db).create_account("Owner", Tier.PRO)).account_id


@pytest.fixture
async def stranger(db) -> str:
    return (await AccountAdmin(db).create_account("Stranger", Tier.PRO)).account_id


async def _add_table(
    store: DatasetStore, account_id: str, parsed: ParsedUpload, name: str = "eeg"
) -> Dataset:
    return await store.add_table(
        account_id, name, parsed, preview_rows(parsed.parquet, 2), len(CSV)
    )


async def _count(db, model) -> int:
    return await db.run(lambda session: session.exec(select(func.count()).select_from(model)).one())


async def _walk(store: DatasetStore, account_id: str, size: int, type_: str = ""):
    """Every page of a listing, following next_page_token to the end."""
    pages, token = [], ""
    while True:
        page = await store.page(account_id, size=size, token=token, type_=type_)
        pages.append(page)
        token = page.next_page_token
        if not token:
            return pages
        assert len(pages) < 20, "the listing does not end"


# ------------------------------------------------------------ writing and reading


async def test_add_table_stores_the_dataset_and_its_parquet(store, owner, parsed, db):
    added = await _add_table(store, owner, parsed, name="Resting state")

    stored = await store.get(owner, added.id)
    parquet = await store.table(owner, added.id)

    assert added.id.startswith("ds_")
    assert parquet == parsed.parquet
    assert stored.account_id == owner
    assert (stored.name, stored.type, stored.format) == ("Resting state", "tabular", "csv")
    assert (stored.rows, stored.columns, stored.size_bytes) == (3, 3, len(CSV))
    assert stored.schema_ == [
        {"name": c.name, "type": c.type, "missing": c.missing} for c in parsed.schema
    ]
    assert stored.preview == preview_rows(parsed.parquet, 2)
    assert stored.metadata_ == {}
    assert stored.created_at.tzinfo is not None
    assert stored.created_at == added.created_at


async def test_add_record_stores_a_neural_dataset_without_a_table(store, owner):
    metadata = {"subjects": 12, "sampling_rate": 250.0, "montage": {"ref": "Cz"}}

    added = await store.add_record(owner, "Motor imagery", "eeg", metadata)

    stored = await store.get(owner, added.id)
    assert (stored.name, stored.type, stored.rows, stored.columns) == ("Motor imagery", "eeg", 0, 0)
    assert stored.metadata_ == metadata
    with pytest.raises(DatasetNotFound):
        await store.table(owner, added.id)


async def test_a_failed_parquet_insert_leaves_no_dataset_behind(store, owner, parsed, db):
    broken = dataclasses.replace(parsed, parquet=None)

    with pytest.raises(IntegrityError):
        await store.add_table(owner, "broken", broken, [], len(CSV))

    assert await _count(db, Dataset) == 0
    assert await _count(db, DatasetTable) == 0
    assert (await store.page(owner, size=10, token="")).total == 0


# ------------------------------------------------------------ tenancy


async def test_another_accounts_dataset_is_reported_as_missing(store, owner, stranger, parsed):
    theirs = await _add_table(store, stranger, parsed)

    for action in (store.get, store.table, store.delete):
        with pytest.raises(DatasetNotFound) as raised:
            await action(owner, theirs.id)
        assert raised.value.code == "INVALID_DATASET"
        assert raised.value.http_status == 404
        assert raised.value.details == {"parameter": "dataset_id", "value": theirs.id}

    assert (await store.get(stranger, theirs.id)).id == theirs.id
    assert await store.table(stranger, theirs.id) == parsed.parquet


async def test_a_missing_dataset_looks_exactly_like_another_accounts(
    store, owner, stranger, parsed
):
    theirs = await _add_table(store, stranger, parsed)

    with pytest.raises(DatasetNotFound) as foreign:
        await store.get(owner, theirs.id)
    with pytest.raises(DatasetNotFound) as missing:
        await store.get(owner, "ds_missing")

    assert foreign.value.message.replace(theirs.id, "?") == missing.value.message.replace(
        "ds_missing", "?"
    )


@pytest.mark.parametrize("action", ["get", "table", "delete"])
async def test_an_empty_dataset_id_is_required(store, owner, action):
    with pytest.raises(InvalidParameter) as raised:
        await getattr(store, action)(owner, "")

    assert raised.value.details == {"parameter": "dataset_id"}


async def test_listings_show_only_the_accounts_datasets(store, owner, stranger, parsed):
    mine = await _add_table(store, owner, parsed)
    await _add_table(store, stranger, parsed)
    await store.add_record(stranger, "theirs", "eeg", {})

    page = await store.page(owner, size=10, token="")

    assert [d.id for d in page.items] == [mine.id]
    assert page.total == 1


# ------------------------------------------------------------ deleting


async def test_delete_removes_the_dataset_and_its_table(store, owner, parsed, db):
    added = await _add_table(store, owner, parsed)
    kept = await _add_table(store, owner, parsed)

    await store.delete(owner, added.id)

    with pytest.raises(DatasetNotFound):
        await store.get(owner, added.id)
    assert await db.run(lambda session: session.get(DatasetTable, added.id)) is None
    assert await db.run(lambda session: session.get(DatasetTable, kept.id)) is not None


async def test_deleting_twice_is_404(store, owner, parsed):
    added = await _add_table(store, owner, parsed)
    await store.delete(owner, added.id)

    with pytest.raises(DatasetNotFound):
        await store.delete(owner, added.id)


async def test_deleting_an_account_deletes_its_datasets(store, owner, parsed, db):
    from neurogate.server.storage.models import Account

    await _add_table(store, owner, parsed)
    await store.add_record(owner, "rec", "eeg", {})

    await db.run(lambda session: session.exec(delete(Account).where(Account.id == owner)))

    assert await _count(db, Dataset) == 0
    assert await _count(db, DatasetTable) == 0


# ------------------------------------------------------------ listing


async def test_pages_visit_every_dataset_once_newest_first(store, owner, parsed):
    created = []
    for i in range(7):
        if i % 2:
            created.append(await store.add_record(owner, f"rec {i}", "eeg", {}))
        else:
            created.append(await _add_table(store, owner, parsed, name=f"table {i}"))

    pages = await _walk(store, owner, size=3)

    assert [len(page.items) for page in pages] == [3, 3, 1]
    assert [page.total for page in pages] == [7, 7, 7]
    assert [bool(page.next_page_token) for page in pages] == [True, True, False]
    visited = [d for page in pages for d in page.items]
    assert sorted(d.id for d in visited) == sorted(d.id for d in created)
    keys = [(d.created_at, d.id) for d in visited]
    assert keys == sorted(keys, reverse=True)
    assert visited[0].id == created[-1].id
    assert visited[-1].id == created[0].id


async def test_datasets_created_in_the_same_instant_are_each_listed_once(store, owner, db):
    instant = datetime(2026, 3, 14, 12, 0, 0, 123456, tzinfo=UTC)
    rows = [
        Dataset(id=f"ds_same_{i}", account_id=owner, name=f"n{i}", type="eeg", created_at=instant)
        for i in range(5)
    ]
    await db.run(lambda session: session.add_all(rows))

    pages = await _walk(store, owner, size=2)

    visited = [d.id for page in pages for d in page.items]
    assert visited == [f"ds_same_{i}" for i in reversed(range(5))]


async def test_a_page_size_covering_everything_returns_no_token(store, owner, parsed):
    for _ in range(3):
        await _add_table(store, owner, parsed)

    page = await store.page(owner, size=3, token="")

    assert len(page.items) == 3
    assert page.next_page_token == ""


async def test_an_empty_account_lists_nothing(store, owner):
    page = await store.page(owner, size=10, token="")

    assert (page.items, page.total, page.next_page_token) == ([], 0, "")


async def test_datasets_added_while_paging_do_not_disturb_the_pages(store, owner, parsed):
    created = [await _add_table(store, owner, parsed) for _ in range(4)]
    first = await store.page(owner, size=2, token="")

    newer = await _add_table(store, owner, parsed)
    await store.delete(owner, first.items[0].id)
    second = await store.page(owner, size=2, token=first.next_page_token)

    assert [d.id for d in first.items] == [created[3].id, created[2].id]
    assert [d.id for d in second.items] == [created[1].id, created[0].id]
    assert newer.id not in {d.id for d in second.items}


async def test_the_type_filter_lists_and_counts_only_that_type(store, owner, parsed):
    records = [await store.add_record(owner, f"rec {i}", "eeg", {}) for i in range(3)]
    for _ in range(2):
        await _add_table(store, owner, parsed)

    pages = await _walk(store, owner, size=2, type_="eeg")

    visited = [d for page in pages for d in page.items]
    assert {d.id for d in visited} == {r.id for r in records}
    assert {d.type for d in visited} == {"eeg"}
    assert [page.total for page in pages] == [3, 3]
    assert (await store.page(owner, size=10, token="", type_="tabular")).total == 2


async def test_a_token_is_refused_with_another_filter_or_account(store, owner, stranger, parsed):
    for _ in range(3):
        await store.add_record(owner, "rec", "eeg", {})
    token = (await store.page(owner, size=1, token="", type_="eeg")).next_page_token

    for account_id, type_ in ((owner, ""), (owner, "tabular"), (stranger, "eeg")):
        with pytest.raises(InvalidParameter) as raised:
            await store.page(account_id, size=1, token=token, type_=type_)
        assert raised.value.details == {"parameter": "page_token"}


async def test_a_garbage_token_is_refused(store, owner):
    with pytest.raises(InvalidParameter) as raised:
        await store.page(owner, size=1, token="not-a-token")

    assert raised.value.details == {"parameter": "page_token"}


async def test_a_token_with_a_naive_timestamp_is_refused_as_a_bad_token(store, owner):
    await store.add_record(owner, "rec", "eeg", {})
    raw = json.dumps({"t": "2026-03-14T12:00:00", "i": "ds_x", "s": f"{owner}|"})
    token = base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    with pytest.raises(InvalidParameter) as raised:
        await store.page(owner, size=1, token=token)

    assert raised.value.details == {"parameter": "page_token"}
