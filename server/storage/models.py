"""Tables. Every row that belongs to a customer carries its ``account_id``;
queries for a customer's resources always filter on it (tenancy).

Timestamps are timezone-aware UTC in Python and stored as UTC on every
backend (SQLite has no time zones, so naive values are read back as UTC).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Index,
    LargeBinary,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
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


class Device(SQLModel, table=True):
    """A device of an account: a BrainFlow board, or an external source whose
    samples arrive through the ingest API."""

    __tablename__ = "devices"

    id: str = Field(primary_key=True, max_length=40)
    account_id: str = Field(foreign_key="accounts.id", ondelete="CASCADE", index=True)
    name: str = Field(max_length=200)
    type: str = Field(max_length=30)
    #: Board parameters as registered (serial_port, file, ...).
    params: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    #: Stream configuration: {"channels": [...], "sample_rate": ..., "filters": {...}}.
    config: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    created_at: datetime = Field(default_factory=utc_now, sa_type=UtcDateTime)


class RecordingSession(SQLModel, table=True):
    """A recording of a device's stream (or of ingested samples)."""

    __tablename__ = "sessions"

    id: str = Field(primary_key=True, max_length=40)
    account_id: str = Field(foreign_key="accounts.id", ondelete="CASCADE", index=True)
    #: Not a foreign key: a recording outlives the device it came from.
    device_id: str = Field(max_length=40, index=True)
    device_name: str = Field(default="", max_length=200)
    board_id: int | None = None
    dataset_id: str | None = Field(default=None, max_length=40)
    #: Keyed hash of the subject id; the raw id is never stored.
    subject_pseudonym: str = Field(default="", max_length=80)
    experiment_type: str = Field(default="", max_length=200)
    tags: list[str] = Field(default_factory=list, sa_type=JSON)
    #: recording, completed, stopped or interrupted.
    status: str = Field(max_length=20, index=True)
    start_time: datetime = Field(default_factory=utc_now, sa_type=UtcDateTime, index=True)
    end_time: datetime | None = Field(default=None, sa_type=UtcDateTime)
    duration_minutes: int = 0
    sample_rate: float
    channel_numbers: list[int] = Field(default_factory=list, sa_type=JSON)
    channel_names: list[str] = Field(default_factory=list, sa_type=JSON)
    #: Samples committed (per channel).
    data_points: int = Field(default=0, sa_type=BigInteger)
    #: {"artifact_percentage": ..., "signal_quality": ...}
    quality: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    #: The stream's filter configuration when recording began (samples are raw).
    filters: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)


class RecordingChunk(SQLModel, table=True):
    """Consecutive samples of a recording: float32 samples (row-major,
    sample by sample) and float64 timestamps, little-endian."""

    __tablename__ = "recording_chunks"

    session_id: str = Field(
        foreign_key="sessions.id", ondelete="CASCADE", primary_key=True, max_length=40
    )
    chunk_index: int = Field(primary_key=True)
    first_sample: int = Field(sa_type=BigInteger)
    sample_count: int
    samples: bytes = Field(sa_type=LargeBinary)
    timestamps: bytes = Field(sa_type=LargeBinary)


class RecordingMarker(SQLModel, table=True):
    __tablename__ = "recording_markers"

    id: str = Field(primary_key=True, max_length=40)
    session_id: str = Field(foreign_key="sessions.id", ondelete="CASCADE", index=True)
    sample_index: int = Field(sa_type=BigInteger)
    timestamp: float
    type: str = Field(max_length=100)
    metadata_: dict[str, Any] = Field(
        default_factory=dict, sa_type=JSON, sa_column_kwargs={"name": "metadata"}
    )


class Ingestion(SQLModel, table=True):
    """An ingested block, remembered so a retried request is not stored twice."""

    __tablename__ = "ingestions"
    __table_args__ = (UniqueConstraint("session_id", "block_time_us", "sequence"),)

    session_id: str = Field(
        foreign_key="sessions.id", ondelete="CASCADE", primary_key=True, max_length=40
    )
    ingestion_id: str = Field(primary_key=True, max_length=80)
    #: Timestamp of the block's first sample, microseconds since the epoch.
    block_time_us: int = Field(sa_type=BigInteger)
    sequence: int = Field(sa_type=BigInteger)
    samples: int
    created_at: datetime = Field(default_factory=utc_now, sa_type=UtcDateTime)


class MlModel(SQLModel, table=True):
    """A trained model of an account: what it is, how it was trained and how
    well it did. The fitted estimator itself is in :class:`MlModelArtifact`."""

    __tablename__ = "ml_models"

    id: str = Field(primary_key=True, max_length=40)
    account_id: str = Field(foreign_key="accounts.id", ondelete="CASCADE", index=True)
    name: str = Field(default="", max_length=200)
    #: "tabular" (ModelService.Train), "forecast" (Analytics.Predictive) or
    #: "eeg" (ModelService.TrainEegModel).
    kind: str = Field(max_length=20)
    model_type: str = Field(max_length=40)
    #: "regression" or "classification".
    task: str = Field(max_length=20)
    #: The dataset it was trained on; kept after that dataset is deleted.
    dataset_id: str = Field(default="", max_length=40)
    target: str = Field(default="", max_length=200)
    features: list[str] = Field(default_factory=list, sa_type=JSON)
    #: Held-out metrics, name to value.
    metrics: dict[str, float] = Field(default_factory=dict, sa_type=JSON)
    #: Everything else a caller may read back: hyperparameters, classes,
    #: feature importances, an EEG model's epochs and channels, ...
    details: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    created_at: datetime = Field(default_factory=utc_now, sa_type=UtcDateTime, index=True)


class MlModelArtifact(SQLModel, table=True):
    """A fitted estimator, serialised and signed by the server
    (:mod:`neurogate.server.ml.artifacts`); apart from :class:`MlModel` so
    listing models never reads it."""

    __tablename__ = "ml_model_artifacts"

    model_id: str = Field(primary_key=True, foreign_key="ml_models.id", ondelete="CASCADE")
    artifact: bytes = Field(sa_type=LargeBinary)


class Webhook(SQLModel, table=True):
    """A receiver of an account's events.

    ``secret`` is the shared HMAC key deliveries are signed with
    (:mod:`neurogate.server.webhooks.signing`), not a password: the server
    must read it back to sign, so it cannot keep only a hash. It is stored
    sealed under the server's webhook key
    (:mod:`neurogate.server.webhooks.sealing`), returned once, at creation,
    and never listed.
    """

    __tablename__ = "webhooks"

    id: str = Field(primary_key=True, max_length=40)
    account_id: str = Field(foreign_key="accounts.id", ondelete="CASCADE", index=True)
    url: str = Field(max_length=2048)
    #: Event names it subscribes to (:mod:`neurogate.server.webhooks.events`).
    events: list[str] = Field(default_factory=list, sa_type=JSON)
    secret: str = Field(sa_type=Text)
    created_at: datetime = Field(default_factory=utc_now, sa_type=UtcDateTime, index=True)


class WebhookDelivery(SQLModel, table=True):
    """One event for one webhook: the outbox row the delivery loop works
    through (:mod:`neurogate.server.webhooks.dispatcher`), and afterwards its
    log. A replica works on a row only while it holds its lease
    (``claim_token`` until ``claimed_until``)."""

    __tablename__ = "webhook_deliveries"
    #: The delivery loop's query: pending rows that are due.
    __table_args__ = (Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),)

    id: str = Field(primary_key=True, max_length=40)
    webhook_id: str = Field(foreign_key="webhooks.id", ondelete="CASCADE", index=True)
    account_id: str = Field(max_length=40, index=True)
    event: str = Field(max_length=60)
    #: The JSON body sent: ``{event, timestamp, data}``.
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    #: "pending", "delivered" or "failed".
    status: str = Field(default="pending", max_length=20)
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utc_now, sa_type=UtcDateTime)
    claimed_until: datetime | None = Field(default=None, sa_type=UtcDateTime)
    claim_token: str | None = Field(default=None, max_length=40)
    last_status_code: int | None = None
    last_error: str = Field(default="", max_length=500)
    created_at: datetime = Field(default_factory=utc_now, sa_type=UtcDateTime, index=True)
    delivered_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
