"""Devices, recording sessions, their chunks and markers, and ingestions;
every existing account gets the synthetic board new accounts start with.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

import secrets
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _account_id() -> sa.Column:
    return sa.Column(
        "account_id",
        sa.String(),
        sa.ForeignKey("accounts.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    )


def _session_id(primary_key: bool) -> sa.Column:
    return sa.Column(
        "session_id",
        sa.String(40),
        sa.ForeignKey("sessions.id", ondelete="CASCADE"),
        primary_key=primary_key,
        nullable=False,
        index=not primary_key,
    )


def upgrade() -> None:
    op.create_table(
        "devices",
        sa.Column("id", sa.String(40), primary_key=True),
        _account_id(),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("type", sa.String(30), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("config", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    _give_every_account_a_synthetic_board()
    op.create_table(
        "sessions",
        sa.Column("id", sa.String(40), primary_key=True),
        _account_id(),
        sa.Column("device_id", sa.String(40), nullable=False, index=True),
        sa.Column("device_name", sa.String(200), nullable=False),
        sa.Column("board_id", sa.Integer(), nullable=True),
        sa.Column("dataset_id", sa.String(40), nullable=True),
        sa.Column("subject_pseudonym", sa.String(80), nullable=False),
        sa.Column("experiment_type", sa.String(200), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False, index=True),
        sa.Column("start_time", sa.DateTime(timezone=True), nullable=False, index=True),
        sa.Column("end_time", sa.DateTime(timezone=True), nullable=True),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column("sample_rate", sa.Float(), nullable=False),
        sa.Column("channel_numbers", sa.JSON(), nullable=False),
        sa.Column("channel_names", sa.JSON(), nullable=False),
        sa.Column("data_points", sa.BigInteger(), nullable=False),
        sa.Column("quality", sa.JSON(), nullable=False),
        sa.Column("filters", sa.JSON(), nullable=False),
    )
    op.create_table(
        "recording_chunks",
        _session_id(primary_key=True),
        sa.Column("chunk_index", sa.Integer(), primary_key=True),
        sa.Column("first_sample", sa.BigInteger(), nullable=False),
        sa.Column("sample_count", sa.Integer(), nullable=False),
        sa.Column("samples", sa.LargeBinary(), nullable=False),
        sa.Column("timestamps", sa.LargeBinary(), nullable=False),
    )
    op.create_table(
        "recording_markers",
        sa.Column("id", sa.String(40), primary_key=True),
        _session_id(primary_key=False),
        sa.Column("sample_index", sa.BigInteger(), nullable=False),
        sa.Column("timestamp", sa.Float(), nullable=False),
        sa.Column("type", sa.String(100), nullable=False),
        sa.Column("metadata", sa.JSON(), nullable=False),
    )
    op.create_table(
        "ingestions",
        _session_id(primary_key=True),
        sa.Column("ingestion_id", sa.String(80), primary_key=True),
        sa.Column("block_time_us", sa.BigInteger(), nullable=False),
        sa.Column("sequence", sa.BigInteger(), nullable=False),
        sa.Column("samples", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("session_id", "block_time_us", "sequence"),
    )


def _give_every_account_a_synthetic_board() -> None:
    connection = op.get_bind()
    accounts = connection.execute(sa.text("SELECT id FROM accounts")).scalars().all()
    devices = sa.table(
        "devices",
        sa.column("id", sa.String),
        sa.column("account_id", sa.String),
        sa.column("name", sa.String),
        sa.column("type", sa.String),
        sa.column("params", sa.JSON),
        sa.column("config", sa.JSON),
        sa.column("created_at", sa.DateTime(timezone=True)),
    )
    now = datetime.now(UTC)
    op.bulk_insert(
        devices,
        [
            {
                "id": f"dev_{secrets.token_hex(12)}",
                "account_id": account_id,
                "name": "Synthetic board",
                "type": "synthetic",
                "params": {},
                "config": {},
                "created_at": now,
            }
            for account_id in accounts
        ],
    )


def downgrade() -> None:
    for table in ("ingestions", "recording_markers", "recording_chunks", "sessions", "devices"):
        op.drop_table(table)
