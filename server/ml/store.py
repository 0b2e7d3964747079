"""Trained models in the database, always within one account.

The compute worker that fits a model stores it (:func:`store_model`): its row
and its sealed artifact (:mod:`.artifacts`) in one transaction, after the fit
succeeded, so a failed training leaves nothing behind. A fitted model can be
large (a default random forest on 50,000 rows seals to over 300 MB): written
from the worker it never travels back through the pool into the server
process. Workers likewise load artifacts themselves (:func:`load_model`) and
keep recent ones; a stored model never changes, so a cached one never goes
stale. The event loop reads, lists and deletes rows (:class:`ModelStore`).
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, select
from sqlmodel import Session, col

from neurogate.server.errors import ModelNotFound, not_found
from neurogate.server.ids import new_id
from neurogate.server.ml.artifacts import seal, unseal
from neurogate.server.names import checked_name
from neurogate.server.storage.database import Database, worker_engine
from neurogate.server.storage.models import MlModel, MlModelArtifact
from neurogate.server.storage.paging import Page, newest_first

#: Memory each worker may hold in cached models, counted by their sealed size.
CACHE_BYTES = 1 << 30
#: Longest model name.
MAX_NAME = 200


class ModelStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, account_id: str, model_id: str) -> MlModel:
        model = await self._db.run(lambda session: session.get(MlModel, model_id))
        if model is None or model.account_id != account_id:
            raise not_found(ModelNotFound, "model", model_id)
        return model

    async def page(self, account_id: str, *, size: int, token: str) -> Page[MlModel]:
        """Newest first, ``size`` at a time."""
        return await newest_first(
            self._db,
            MlModel,
            [MlModel.account_id == account_id],
            size=size,
            token=token,
            scope=account_id,
        )

    async def delete(self, account_id: str, model_id: str) -> None:
        statement = delete(MlModel).where(
            col(MlModel.id) == model_id, col(MlModel.account_id) == account_id
        )
        deleted = await self._db.run(lambda session: session.exec(statement).rowcount)
        if deleted == 0:
            raise not_found(ModelNotFound, "model", model_id)


@dataclass(frozen=True)
class NewModel:
    """A model about to be trained: whose it is and where it goes. Made on
    the event loop (:func:`new_model`), stored by the compute worker that fits it."""

    database_url: str
    key: str
    account_id: str
    #: The caller's name for it; the trainer's default when empty.
    name: str = ""
    model_id: str = field(default_factory=lambda: new_id("mdl"))


def new_model(database_url: str, key: str, account_id: str, name: str = "") -> NewModel:
    """A :class:`NewModel`, its requested ``name`` checked."""
    name = checked_name(name, "name", "a model name", MAX_NAME)
    return NewModel(database_url, key, account_id, name)


def store_model(new: NewModel, model: object, *, default_name: str, **fields: Any) -> MlModel:
    """Seals ``model`` and writes it with its row (``fields`` of :class:`MlModel`)
    in one transaction; the stored row. Runs in the compute worker that fitted it."""
    row = MlModel(
        id=new.model_id,
        account_id=new.account_id,
        name=new.name or default_name[:MAX_NAME],
        **fields,
    )
    sealed = seal(model, new.key)
    with Session(worker_engine(new.database_url), expire_on_commit=False) as session:
        session.add_all([row, MlModelArtifact(model_id=row.id, artifact=sealed)])
        session.commit()
    _remember(row.id, model, len(sealed))
    return row


@dataclass(frozen=True)
class ModelRef:
    """Where a worker finds a model's artifact, and the key that proves it."""

    database_url: str
    model_id: str
    key: str


_cache: OrderedDict[str, tuple[object, int]] = OrderedDict()
_cached_bytes = 0


def load_model(ref: ModelRef) -> object:
    """The fitted model of ``ref``, from this worker's cache or the database.
    Runs in a compute worker."""
    hit = _cache.get(ref.model_id)
    if hit is not None:
        _cache.move_to_end(ref.model_id)
        return hit[0]
    query = select(MlModelArtifact.artifact).where(MlModelArtifact.model_id == ref.model_id)
    with worker_engine(ref.database_url).connect() as connection:
        artifact = connection.execute(query).scalar_one_or_none()
    if artifact is None:  # deleted since the event loop checked it
        raise not_found(ModelNotFound, "model", ref.model_id)
    model = unseal(artifact, ref.key)
    _remember(ref.model_id, model, len(artifact))
    return model


def _remember(model_id: str, model: object, size: int) -> None:
    """Keeps ``model`` while the cache holds at most CACHE_BYTES, oldest out first."""
    global _cached_bytes
    if size > CACHE_BYTES:
        return
    while _cache and _cached_bytes + size > CACHE_BYTES:
        _, (_, evicted) = _cache.popitem(last=False)
        _cached_bytes -= evicted
    _cache[model_id] = (model, size)
    _cached_bytes += size
