"""Trained models in the database, on both backends: stored atomically with
their sealed artifact by the worker that fitted them, always within one
account, listed newest first, and loaded by compute workers only through the
seal."""

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
from neurogate.server.ml import store as model_store
from neurogate.server.ml.artifacts import seal
from neurogate.server.ml.store import (
    MAX_NAME,
    ModelRef,
    ModelStore,
    NewModel,
    load_model,
    new_model,
    store_model,
)
from neurogate.server.storage.database import worker_engine
from neurogate.server.storage.models import MlModel, MlModelArtifact

KEY = "model-key-" + "k" * 32


def _forget() -> None:
    """Empties this process's model cache, so the next load reads the database."""
    model_store._cache.clear()
    model_store._cached_bytes = 0


@pytest.fixture
def store(db) -> ModelStore:
    return ModelStore(db)


@pytest.fixture
def url(database_url: str) -> Iterator[str]:
    """The database as a compute worker reaches it, released after the test."""
    yield database_url
    worker_engine(database_url).dispose()
    _forget()


@pytest.fixture
async def owner(db) -> str:
    return (await AccountAdmin(db).create_account("Owner", Tier.PRO)).account_id


@pytest.fixture
async def stranger(db) -> str:
    return (await AccountAdmin(db).create_account("Stranger", Tier.PRO)).account_id


def _store(url: str, account_id: str, model: object = 1, name: str = "") -> MlModel:
    return store_model(
        NewModel(url, KEY, account_id, name),
        model,
        default_name="linear_regression on sales",
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


async def test_a_stored_model_is_read_back_by_its_account(store, owner, url):
    stored = _store(url, owner, np.arange(3))

    read = await store.get(owner, stored.id)

    assert read.id.startswith("mdl_")
    assert (read.name, read.features, read.metrics) == (
        "linear_regression on sales",
        ["area"],
        {"r2_score": 0.9},
    )
    assert read.created_at.tzinfo is not None


async def test_the_callers_name_wins_over_the_default(store, owner, url):
    stored = _store(url, owner, name="price model")

    assert (await store.get(owner, stored.id)).name == "price model"


def test_a_name_longer_than_the_limit_is_refused_before_any_training():
    with pytest.raises(InvalidParameter, match="at most 200 characters") as raised:
        new_model("sqlite://", KEY, "acc_1", "x" * (MAX_NAME + 1))

    assert raised.value.details["parameter"] == "name"


async def test_another_accounts_model_is_reported_as_missing(store, owner, stranger, url):
    stored = _store(url, owner)

    with pytest.raises(ModelNotFound) as raised:
        await store.get(stranger, stored.id)
    with pytest.raises(ModelNotFound):
        await store.delete(stranger, stored.id)

    assert raised.value.details == {"parameter": "model_id", "value": stored.id}
    assert (await store.get(owner, stored.id)).id == stored.id


async def test_an_empty_model_id_is_an_invalid_parameter(store, owner):
    with pytest.raises(InvalidParameter, match="model_id is required"):
        await store.get(owner, "")


async def test_deleting_a_model_deletes_its_artifact(store, owner, db, url):
    stored = _store(url, owner)

    await store.delete(owner, stored.id)

    with pytest.raises(ModelNotFound):
        await store.get(owner, stored.id)
    assert await _count(db, MlModelArtifact) == 0


async def test_a_model_that_cannot_be_written_leaves_nothing_behind(owner, db, url):
    first = _store(url, owner)
    again = NewModel(url, KEY, owner, model_id=first.id)

    with pytest.raises(IntegrityError):
        store_model(again, 2, default_name="twin", kind="tabular", model_type="x", task="t")

    assert (await _count(db, MlModel), await _count(db, MlModelArtifact)) == (1, 1)


async def test_models_are_listed_newest_first_a_page_at_a_time(store, owner, stranger, url):
    created = [_store(url, owner, i, f"m{i}") for i in range(5)]
    _store(url, stranger)

    first = await store.page(owner, size=2, token="")
    second = await store.page(owner, size=2, token=first.next_page_token)
    last = await store.page(owner, size=2, token=second.next_page_token)

    listed = [m.id for page in (first, second, last) for m in page.items]
    assert listed == [m.id for m in reversed(created)]
    assert (first.total, last.next_page_token) == (5, "")


async def test_a_page_token_from_another_account_is_refused(store, owner, stranger, url):
    for i in range(3):
        _store(url, owner, i)
    token = (await store.page(owner, size=1, token="")).next_page_token

    with pytest.raises(InvalidParameter, match="page_token"):
        await store.page(stranger, size=1, token=token)


async def test_the_worker_that_stored_a_model_predicts_with_it_without_reading_it(owner, url):
    fitted = {"weights": [1.5, 2.5]}
    stored = _store(url, owner, fitted)

    assert load_model(ModelRef(url, stored.id, KEY)) is fitted


async def test_another_worker_reads_the_sealed_model_from_the_database(owner, url):
    stored = _store(url, owner, {"weights": [1.5, 2.5]})
    _forget()

    assert load_model(ModelRef(url, stored.id, KEY)) == {"weights": [1.5, 2.5]}


async def test_a_worker_refuses_an_artifact_changed_in_the_database(owner, db, url):
    stored = _store(url, owner, {"weights": [1]})
    _forget()
    forged = seal({"weights": [666]}, "not-the-server-key-" + "x" * 32)
    statement = (
        update(MlModelArtifact).where(MlModelArtifact.model_id == stored.id).values(artifact=forged)
    )
    await db.run(lambda session: session.exec(statement))

    with pytest.raises(InternalError, match="integrity check"):
        load_model(ModelRef(url, stored.id, KEY))


async def test_a_worker_asked_for_a_deleted_model_reports_it_missing(store, owner, url):
    stored = _store(url, owner)
    await store.delete(owner, stored.id)
    _forget()

    with pytest.raises(ModelNotFound):
        load_model(ModelRef(url, stored.id, KEY))


def test_the_model_cache_keeps_the_newest_within_its_byte_budget(monkeypatch):
    _forget()
    monkeypatch.setattr(model_store, "CACHE_BYTES", 100)

    model_store._remember("a", "A", 60)
    model_store._remember("b", "B", 30)
    model_store._remember("c", "C", 30)
    model_store._remember("huge", "H", 101)

    assert list(model_store._cache) == ["b", "c"]
    assert model_store._cached_bytes == 60
    _forget()
