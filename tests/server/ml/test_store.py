"""Trained models in the database, on both backends: stored atomically with
their sealed artifact, always within one account, listed newest first, and
loaded by compute workers only through the seal."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
from sqlalchemy import func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from neurogate.server.auth.accounts import AccountAdmin
from neurogate.server.auth.tiers import Tier
from neurogate.server.errors import InternalError, InvalidParameter, ModelNotFound
from neurogate.server.ids import new_id
from neurogate.server.ml import store as model_store
from neurogate.server.ml.artifacts import seal
from neurogate.server.ml.store import ModelRef, ModelStore, load_model
from neurogate.server.storage.database import worker_engine
from neurogate.server.storage.models import MlModel, MlModelArtifact

KEY = "model-key-" + "k" * 32


@pytest.fixture
def store(db) -> ModelStore:
    return ModelStore(db)


@pytest.fixture
def worker_reads(database_url: str) -> Iterator[str]:
    """The database as a compute worker reads it, released after the test."""
    yield database_url
    worker_engine(database_url).dispose()
    model_store._cache.clear()


@pytest.fixture
async def owner(db) -> str:
    return (await AccountAdmin(db).create_account("Owner", Tier.PRO)).account_id


@pytest.fixture
async def stranger(db) -> str:
    return (await AccountAdmin(db).create_account("Stranger", Tier.PRO)).account_id


def _row(account_id: str, name: str = "price model") -> MlModel:
    return MlModel(
        id=new_id("mdl"),
        account_id=account_id,
        name=name,
        kind="tabular",
        model_type="linear_regression",
        task="regression",
        dataset_id="ds_1",
        target="price",
        features=["area"],
        metrics={"r2_score": 0.9},
        details={"feature_types": {"area": "numeric"}},
    )


async def _count(db, table) -> int:
    return await db.run(lambda session: session.exec(select(func.count()).select_from(table)).one())


async def test_a_stored_model_is_read_back_by_its_account(store, owner):
    added = await store.add(_row(owner), seal(np.arange(3), KEY))

    stored = await store.get(owner, added.id)

    assert (stored.name, stored.features, stored.metrics) == (
        "price model",
        ["area"],
        {"r2_score": 0.9},
    )
    assert stored.created_at.tzinfo is not None


async def test_another_accounts_model_is_reported_as_missing(store, owner, stranger):
    added = await store.add(_row(owner), seal(1, KEY))

    with pytest.raises(ModelNotFound) as raised:
        await store.get(stranger, added.id)
    with pytest.raises(ModelNotFound):
        await store.delete(stranger, added.id)

    assert raised.value.details == {"parameter": "model_id", "value": added.id}
    assert (await store.get(owner, added.id)).id == added.id


async def test_an_empty_model_id_is_an_invalid_parameter(store, owner):
    with pytest.raises(InvalidParameter, match="model_id is required"):
        await store.get(owner, "")


async def test_deleting_a_model_deletes_its_artifact(store, owner, db):
    added = await store.add(_row(owner), seal(1, KEY))

    await store.delete(owner, added.id)

    with pytest.raises(ModelNotFound):
        await store.get(owner, added.id)
    assert await _count(db, MlModelArtifact) == 0


async def test_a_model_whose_artifact_cannot_be_written_is_not_stored(store, owner, db):
    first = await store.add(_row(owner), seal(1, KEY))
    duplicate = _row(owner)
    duplicate.id = first.id

    with pytest.raises(IntegrityError):
        await store.add(duplicate, seal(2, KEY))

    assert await _count(db, MlModel) == 1


async def test_models_are_listed_newest_first_a_page_at_a_time(store, owner, stranger):
    created = [await store.add(_row(owner, f"m{i}"), seal(i, KEY)) for i in range(5)]
    await store.add(_row(stranger), seal(9, KEY))

    first = await store.page(owner, size=2, token="")
    second = await store.page(owner, size=2, token=first.next_page_token)
    last = await store.page(owner, size=2, token=second.next_page_token)

    listed = [m.id for page in (first, second, last) for m in page.items]
    assert listed == [m.id for m in reversed(created)]
    assert (first.total, last.next_page_token) == (5, "")


async def test_a_page_token_from_another_account_is_refused(store, owner, stranger):
    for i in range(3):
        await store.add(_row(owner, f"m{i}"), seal(i, KEY))
    token = (await store.page(owner, size=1, token="")).next_page_token

    with pytest.raises(InvalidParameter, match="page_token"):
        await store.page(stranger, size=1, token=token)


async def test_a_worker_loads_the_sealed_model(store, owner, worker_reads):
    added = await store.add(_row(owner), seal({"weights": [1.5, 2.5]}, KEY))

    loaded = load_model(ModelRef(worker_reads, added.id, KEY))

    assert loaded == {"weights": [1.5, 2.5]}


async def test_a_worker_refuses_an_artifact_changed_in_the_database(store, owner, db, worker_reads):
    added = await store.add(_row(owner), seal({"weights": [1]}, KEY))
    forged = seal({"weights": [666]}, "not-the-server-key-" + "x" * 32)
    statement = (
        update(MlModelArtifact).where(MlModelArtifact.model_id == added.id).values(artifact=forged)
    )
    await db.run(lambda session: session.exec(statement))

    with pytest.raises(InternalError, match="integrity check"):
        load_model(ModelRef(worker_reads, added.id, KEY))


async def test_a_worker_asked_for_a_deleted_model_reports_it_missing(store, owner, worker_reads):
    added = await store.add(_row(owner), seal(1, KEY))
    await store.delete(owner, added.id)

    with pytest.raises(ModelNotFound):
        load_model(ModelRef(worker_reads, added.id, KEY))
