"""Trained models in the database, always within one account.

A model row and its signed artifact (:mod:`.artifacts`) are written in one
transaction, so a failed training leaves nothing behind. Compute workers load
artifacts themselves (:func:`load_model`) and keep recent ones, so a
prediction does not ship the estimator through the pool; a stored model
never changes, so a cached one never goes stale.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlmodel import col

from neurogate.server.errors import InvalidParameter, ModelNotFound, NeuroGateError
from neurogate.server.ml.artifacts import unseal
from neurogate.server.storage.database import Database, worker_engine
from neurogate.server.storage.models import MlModel, MlModelArtifact
from neurogate.server.storage.paging import Page, newest_first

#: Fitted models each worker keeps in memory.
CACHED_MODELS = 16


def _not_found(model_id: str) -> NeuroGateError:
    if not model_id:
        return InvalidParameter("model_id is required", parameter="model_id")
    return ModelNotFound(f"no model {model_id!r}", parameter="model_id", value=model_id)


class ModelStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(self, model: MlModel, artifact: bytes) -> MlModel:
        """Stores ``model`` with its sealed artifact, atomically."""
        stored = MlModelArtifact(model_id=model.id, artifact=artifact)
        await self._db.run(lambda session: session.add_all([model, stored]))
        return model

    async def get(self, account_id: str, model_id: str) -> MlModel:
        model = await self._db.run(lambda session: session.get(MlModel, model_id))
        if model is None or model.account_id != account_id:
            raise _not_found(model_id)
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
            raise _not_found(model_id)


@dataclass(frozen=True)
class ModelRef:
    """Where a worker finds a model's artifact, and the key that proves it."""

    database_url: str
    model_id: str
    key: str


_cache: OrderedDict[str, object] = OrderedDict()


def load_model(ref: ModelRef) -> object:
    """The fitted model of ``ref``, from this worker's cache or the database.
    Runs in a compute worker."""
    model = _cache.get(ref.model_id)
    if model is not None:
        _cache.move_to_end(ref.model_id)
        return model
    query = select(MlModelArtifact.artifact).where(MlModelArtifact.model_id == ref.model_id)
    with worker_engine(ref.database_url).connect() as connection:
        artifact = connection.execute(query).scalar_one_or_none()
    if artifact is None:  # deleted since the event loop checked it
        raise _not_found(ref.model_id)
    model = unseal(artifact, ref.key)
    _cache[ref.model_id] = model
    if len(_cache) > CACHED_MODELS:
        _cache.popitem(last=False)
    return model
