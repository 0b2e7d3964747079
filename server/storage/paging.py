"""Newest-first pages of an account's rows, with keyset cursors
(:mod:`neurogate.server.pagination`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, func, or_
from sqlmodel import Session, SQLModel, and_, col, select

from neurogate.server.pagination import Cursor, decode_cursor, encode_cursor
from neurogate.server.storage.database import Database

Row = TypeVar("Row", bound=SQLModel)


@dataclass(frozen=True)
class Page(Generic[Row]):
    items: list[Row]
    total: int
    next_page_token: str


async def newest_first(
    db: Database,
    table: type[Row],
    wanted: Sequence[ColumnElement[bool]],
    *,
    size: int,
    token: str,
    scope: str,
) -> Page[Row]:
    """Rows of ``table`` matching ``wanted``, ``size`` at a time, by
    ``created_at`` then ``id``, newest first. ``scope`` names the query, so a
    token is refused by any other."""
    cursor = decode_cursor(token, scope)
    created_at: Any = col(table.created_at)  # type: ignore[attr-defined]
    row_id: Any = col(table.id)  # type: ignore[attr-defined]
    query = select(table).where(*wanted)
    if cursor is not None:
        query = query.where(
            or_(
                created_at < cursor.created_at,
                and_(created_at == cursor.created_at, row_id < cursor.id),
            )
        )
    query = query.order_by(created_at.desc(), row_id.desc())

    def read(session: Session) -> tuple[list[Row], int]:
        rows = list(session.exec(query.limit(size + 1)).all())
        return rows, session.exec(select(func.count()).select_from(table).where(*wanted)).one()

    rows, total = await db.run(read)
    has_more = len(rows) > size
    rows = rows[:size]
    last: Any = rows[-1] if rows else None
    next_token = encode_cursor(Cursor(last.created_at, last.id), scope) if has_more else ""
    return Page(rows, total, next_token)
