"""A dataset's table, read in a compute worker.

Analyses run in compute workers (:mod:`neurogate.server.compute`). The event
loop only checks that the caller owns a tabular dataset (:func:`table_ref`)
and sends a small :class:`TableRef`; the worker reads the Parquet table from
the database itself and keeps recent tables in memory, up to
:data:`CACHE_BYTES` per worker. A stored dataset never changes, so a cached
table never goes stale, and a second analysis of a large dataset skips the
read. (Sending the table through the pool instead would copy it on every
call.) Cached frames are shared between calls: treat them as read-only
(pandas' copy-on-write makes derived frames safe to change).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Collection
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import select

from neurogate.server.datasets.parsing import read_parquet
from neurogate.server.datasets.store import TABULAR, DatasetStore
from neurogate.server.errors import DatasetNotFound, InvalidParameter
from neurogate.server.storage.database import worker_engine
from neurogate.server.storage.models import DatasetTable

#: Memory each worker may hold in cached tables.
CACHE_BYTES = 1 << 30


@dataclass(frozen=True)
class TableRef:
    """Where a worker finds a dataset's table, and its column types."""

    database_url: str
    dataset_id: str
    dataset_name: str
    #: Column name to type (numeric, categorical, datetime, text, boolean), in file order.
    column_types: dict[str, str]


async def table_ref(
    datasets: DatasetStore, database_url: str, account_id: str, dataset_id: str
) -> TableRef:
    """The caller's tabular dataset, checked in the event loop (without reading
    the table): missing, another account's, or a record without a table is refused."""
    dataset = await datasets.get(account_id, dataset_id)
    if dataset.type != TABULAR:
        raise InvalidParameter(
            f"dataset {dataset_id!r} is an {dataset.type} record without a table; "
            "analyses need an uploaded CSV or Excel dataset",
            parameter="dataset_id",
            value=dataset_id,
        )
    return TableRef(
        database_url=database_url,
        dataset_id=dataset.id,
        dataset_name=dataset.name,
        column_types={column["name"]: column["type"] for column in dataset.schema_},
    )


class Table:
    """A loaded table and its column types, with column lookups that refuse
    unknown or unsuitable columns in the documented way."""

    def __init__(self, ref: TableRef, frame: pd.DataFrame) -> None:
        self.ref = ref
        self.frame = frame
        self.column_types = ref.column_types

    def names(self, types: Collection[str] | None = None) -> list[str]:
        """Column names, in file order, of the given types (all when None)."""
        return [name for name, kind in self.column_types.items() if types is None or kind in types]

    def check(
        self, name: str, *, parameter: str = "column", types: Collection[str] | None = None
    ) -> str:
        """``name`` if it is a column of one of ``types``; INVALID_PARAMETER
        naming it and listing the valid choices otherwise."""
        choices = self.names(types)
        if not name:
            raise InvalidParameter(
                f"{parameter} is required", parameter=parameter, valid_choices=choices
            )
        kind = self.column_types.get(name)
        if kind is None:
            raise InvalidParameter(
                f"dataset {self.ref.dataset_id!r} has no column {name!r}",
                parameter=parameter,
                value=name,
                valid_choices=choices,
            )
        if types is not None and kind not in types:
            wanted = " or ".join(sorted(types))
            raise InvalidParameter(
                f"column {name!r} is {kind}; {parameter} needs a {wanted} column",
                parameter=parameter,
                value=name,
                column_type=kind,
                valid_choices=choices,
            )
        return name

    def column(
        self, name: str, *, parameter: str = "column", types: Collection[str] | None = None
    ) -> pd.Series:
        return self.frame[self.check(name, parameter=parameter, types=types)]

    def numeric(self, name: str, *, parameter: str = "column") -> pd.Series:
        """A numeric column as float64 (missing values as NaN)."""
        return self.column(name, parameter=parameter, types=("numeric",)).astype("float64")


_cache: OrderedDict[str, tuple[pd.DataFrame, int]] = OrderedDict()
_cached_bytes = 0


def open_table(ref: TableRef) -> Table:
    """The table of ``ref``, from this worker's cache or the database. Runs in
    a compute worker."""
    global _cached_bytes
    hit = _cache.get(ref.dataset_id)
    if hit is not None:
        _cache.move_to_end(ref.dataset_id)
        return Table(ref, hit[0])
    frame = _read(ref)
    size = int(frame.memory_usage(index=True, deep=True).sum())
    if size <= CACHE_BYTES:
        while _cache and _cached_bytes + size > CACHE_BYTES:
            _, (_, evicted) = _cache.popitem(last=False)
            _cached_bytes -= evicted
        _cache[ref.dataset_id] = (frame, size)
        _cached_bytes += size
    return Table(ref, frame)


def _read(ref: TableRef) -> pd.DataFrame:
    query = select(DatasetTable.parquet).where(DatasetTable.dataset_id == ref.dataset_id)
    with worker_engine(ref.database_url).connect() as connection:
        parquet = connection.execute(query).scalar_one_or_none()
    if parquet is None:  # deleted since the event loop checked it
        raise DatasetNotFound(
            f"no dataset {ref.dataset_id!r}", parameter="dataset_id", value=ref.dataset_id
        )
    return read_parquet(parquet)
