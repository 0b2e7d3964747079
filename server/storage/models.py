"""Tables. Every row that belongs to a customer carries its ``account_id``;
queries for a customer's resources always filter on it (tenancy).

Timestamps are timezone-aware UTC in Python and stored as UTC on every
backend (SQLite has no time zones, so naive values are read back as UTC).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, LargeBinary, TypeDecorator
from sqlmodel import Field, SQLModel


class UtcDateTime(TypeDecorator[datetime]):
    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use datetime.now(UTC)")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utc_now() -> datetime:
    return datetime.now(UTC)


class Account(SQLModel, table=True):
    __tablename__ = "accounts"

    id: str = Field(primary_key=True, max_length=40)
    name: str = Field(max_length=200)
    tier: str = Field(max_length=20)
    created_at: datetime = Field(default_factory=utc_now, sa_type=UtcDateTime)


class ClientCredential(SQLModel, table=True):
    """OAuth client of an account; only a slow hash of the secret is kept."""

    __tablename__ = "client_credentials"

    client_id: str = Field(primary_key=True, max_length=40)
    account_id: str = Field(foreign_key="accounts.id", ondelete="CASCADE", index=True)
    secret_hash: str = Field(max_length=255)
    created_at: datetime = Field(default_factory=utc_now, sa_type=UtcDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UtcDateTime)


class User(SQLModel, table=True):
    __tablename__ = "users"

    id: str = Field(primary_key=True, max_length=40)
    account_id: str = Field(foreign_key="accounts.id", ondelete="CASCADE", index=True)
    #: Stored lower-cased; unique across accounts so login needs no account.
    email: str = Field(max_length=320, unique=True)
    password_hash: str = Field(max_length=255)
    created_at: datetime = Field(default_factory=utc_now, sa_type=UtcDateTime)


class ApiKey(SQLModel, table=True):
    """A long-lived bearer token; the token itself is never stored, only its id."""

    __tablename__ = "api_keys"

    id: str = Field(primary_key=True, max_length=40)
    account_id: str = Field(foreign_key="accounts.id", ondelete="CASCADE", index=True)
    client_id: str = Field(max_length=40)
    name: str = Field(default="", max_length=200)
    #: Space-separated scopes.
    scopes: str = Field(max_length=2000)
    created_at: datetime = Field(default_factory=utc_now, sa_type=UtcDateTime)
    expires_at: datetime = Field(sa_type=UtcDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UtcDateTime)


class Dataset(SQLModel, table=True):
    __tablename__ = "datasets"

    id: str = Field(primary_key=True, max_length=40)
    account_id: str = Field(foreign_key="accounts.id", ondelete="CASCADE", index=True)
    name: str = Field(max_length=200)
    #: "tabular" (uploaded table) or "eeg" (neural dataset record).
    type: str = Field(max_length=20)
    format: str = Field(default="", max_length=10)
    rows: int = 0
    columns: int = 0
    size_bytes: int = 0
    #: [{"name", "type", "missing"}] in file order.
    schema_: list[dict[str, Any]] = Field(
        default_factory=list, sa_type=JSON, sa_column_kwargs={"name": "schema"}
    )
    #: First rows as JSON objects, for GetDataset without reading the table.
    preview: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    metadata_: dict[str, Any] = Field(
        default_factory=dict, sa_type=JSON, sa_column_kwargs={"name": "metadata"}
    )
    created_at: datetime = Field(default_factory=utc_now, sa_type=UtcDateTime, index=True)


class DatasetTable(SQLModel, table=True):
    """The parsed table of a tabular dataset, as Parquet. Kept in the database
    so an upload commits atomically and every replica sees it."""

    __tablename__ = "dataset_tables"

    dataset_id: str = Field(primary_key=True, foreign_key="datasets.id", ondelete="CASCADE")
    parquet: bytes = Field(sa_type=LargeBinary)
