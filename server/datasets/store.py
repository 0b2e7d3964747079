"""Datasets in the database, always within one account.

A tabular dataset is written in one transaction together with its Parquet
table, so a failed upload leaves nothing behind. Another account's dataset is
reported exactly like a missing one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, or_
from sqlmodel import Session, and_, col, select

from neurogate.server.datasets.parsing import ParsedUpload
from neurogate.server.errors import DatasetNotFound, InvalidParameter, NeuroGateError
from neurogate.server.ids import new_id
from neurogate.server.pagination import Cursor, decode_cursor, encode_cursor
from neurogate.server.storage.database import Database
from neurogate.server.storage.models import Dataset, DatasetTable

TABULAR = "tabular"


@dataclass(frozen=True)
class DatasetPage:
    datasets: list[Dataset]
    total: int
    next_page_token: str


def _not_found(dataset_id: str) -> NeuroGateError:
    if not dataset_id:
        return InvalidParameter("dataset_id is required", parameter="dataset_id")
    return DatasetNotFound(f"no dataset {dataset_id!r}", parameter="dataset_id", value=dataset_id)


class DatasetStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def add_table(
        self,
        account_id: str,
        name: str,
        parsed: ParsedUpload,
        preview: list[dict[str, Any]],
        size_bytes: int,
    ) -> Dataset:
        dataset = Dataset(
            id=new_id("ds"),
            account_id=account_id,
            name=name,
            type=TABULAR,
            format=parsed.format,
            rows=parsed.rows,
            columns=len(parsed.schema),
            size_bytes=size_bytes,
            schema_=[{"name": c.name, "type": c.type, "missing": c.missing} for c in parsed.schema],
            preview=preview,
        )
        table = DatasetTable(dataset_id=dataset.id, parquet=parsed.parquet)
        await self._db.run(lambda session: session.add_all([dataset, table]))
        return dataset

    async def add_record(
        self, account_id: str, name: str, type_: str, metadata: dict[str, Any]
    ) -> Dataset:
        dataset = Dataset(
            id=new_id("ds"), account_id=account_id, name=name, type=type_, metadata_=metadata
        )
        await self._db.run(lambda session: session.add(dataset))
        return dataset

    async def page(self, account_id: str, *, size: int, token: str, type_: str = "") -> DatasetPage:
        """Newest first, ``size`` at a time."""
        scope = f"{account_id}|{type_}"
        cursor = decode_cursor(token, scope)
        mine = [Dataset.account_id == account_id]
        if type_:
            mine.append(Dataset.type == type_)
        query = select(Dataset).where(*mine)
        if cursor is not None:
            query = query.where(
                or_(
                    col(Dataset.created_at) < cursor.created_at,
                    and_(Dataset.created_at == cursor.created_at, col(Dataset.id) < cursor.id),
                )
            )
        query = query.order_by(col(Dataset.created_at).desc(), col(Dataset.id).desc())

        def read(session: Session) -> tuple[list[Dataset], int]:
            rows = list(session.exec(query.limit(size + 1)).all())
            return rows, session.exec(select(func.count()).where(*mine)).one()

        rows, total = await self._db.run(read)
        has_more = len(rows) > size
        rows = rows[:size]
        next_token = (
            encode_cursor(Cursor(rows[-1].created_at, rows[-1].id), scope) if has_more else ""
        )
        return DatasetPage(rows, total, next_token)

    async def get(self, account_id: str, dataset_id: str) -> Dataset:
        dataset = await self._db.run(lambda session: session.get(Dataset, dataset_id))
        if dataset is None or dataset.account_id != account_id:
            raise _not_found(dataset_id)
        return dataset

    async def table(self, account_id: str, dataset_id: str) -> bytes:
        """The Parquet bytes of a tabular dataset."""

        def read(session: Session) -> bytes | None:
            dataset = session.get(Dataset, dataset_id)
            if dataset is None or dataset.account_id != account_id:
                return None
            table = session.get(DatasetTable, dataset_id)
            return table.parquet if table else None

        parquet = await self._db.run(read)
        if parquet is None:
            raise _not_found(dataset_id)
        return parquet

    async def delete(self, account_id: str, dataset_id: str) -> None:
        statement = delete(Dataset).where(
            col(Dataset.id) == dataset_id, col(Dataset.account_id) == account_id
        )
        deleted = await self._db.run(lambda session: session.exec(statement).rowcount)
        if deleted == 0:
            raise _not_found(dataset_id)
