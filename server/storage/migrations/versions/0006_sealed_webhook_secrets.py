"""Webhook secrets are stored sealed, longer than the secrets themselves.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02

A sealed secret (neurogate.server.webhooks.sealing) is longer than the 200
characters the column first allowed, so it becomes TEXT. Revision 0005 now
creates it as TEXT; this one alters databases that 0005 created before. SQLite
is left alone: it does not enforce VARCHAR lengths, and rebuilding the table
(its only way to change a column) would cascade-delete the deliveries. The
server seals existing secrets when it starts: a migration does not hold the
key.
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        op.alter_column("webhooks", "secret", type_=sa.Text(), existing_nullable=False)


def downgrade() -> None:
    # Sealed secrets do not fit the old column: only a database whose
    # secrets were never sealed goes back.
    if op.get_bind().dialect.name != "sqlite":
        op.alter_column("webhooks", "secret", type_=sa.String(200), existing_nullable=False)
