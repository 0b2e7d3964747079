"""Datasets in the database, always within one account.

A tabular dataset is written in one transaction together with its Parquet
table, so a failed upload leaves nothing behind. Another account's dataset is
reported exactly like a missing one.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete
from sqlmodel import Session, col

from neurogate.server.datasets.parsing import ParsedUpload
from neurogate.server.errors import DatasetNotFound, not_found
from neurogate.server.ids import new_id
from neurogate.server.storage.database import Database
from neurogate.server.storage.models import Dataset, DatasetTable
from neurogate.server.storage.paging import Page, newest_first

TABULAR = "tabular"


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

    async def page(
        self, account_id: str, *, size: int, token: str, type_: str = ""
    ) -> Page[Dataset]:
        """Newest first, ``size`` at a time."""
        wanted = [Dataset.account_id == account_id]
        if type_:
            wanted.append(Dataset.type == type_)
        return await newest_first(
            self._db, Dataset, wanted, size=size, token=token, scope=f"{account_id}|{type_}"
        )

    async def get(self, account_id: str, dataset_id: str) -> Dataset:
        dataset = await self._db.run(lambda session: session.get(Dataset, dataset_id))
        if dataset is None or dataset.account_id != account_id:
            raise not_found(DatasetNotFound, "dataset", dataset_id)
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
            raise not_found(DatasetNotFound, "dataset", dataset_id)
        return parquet

    async def delete(self, account_id: str, dataset_id: str) -> None:
        statement = delete(Dataset).where(
            col(Dataset.id) == dataset_id, col(Dataset.account_id) == account_id
        )
        deleted = await self._db.run(lambda session: session.exec(statement).rowcount)
        if deleted == 0:
            raise not_found(DatasetNotFound, "dataset", dataset_id)
