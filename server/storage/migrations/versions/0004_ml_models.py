"""Trained models and their signed artifacts.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ml_models",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column(
            "account_id",
            sa.String(),
            sa.ForeignKey("accounts.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("model_type", sa.String(40), nullable=False),
        sa.Column("task", sa.String(20), nullable=False),
        sa.Column("dataset_id", sa.String(40), nullable=False),
        sa.Column("target", sa.String(200), nullable=False),
        sa.Column("features", sa.JSON(), nullable=False),
        sa.Column("metrics", sa.JSON(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, index=True),
    )
    op.create_table(
        "ml_model_artifacts",
        sa.Column(
            "model_id",
            sa.String(),
            sa.ForeignKey("ml_models.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("artifact", sa.LargeBinary(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("ml_model_artifacts")
    op.drop_table("ml_models")
