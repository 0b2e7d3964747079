"""Alembic environment: runs on the connection handed over by
``neurogate.server.storage.migrate`` (no alembic.ini, no URL of its own)."""

from alembic import context
from sqlmodel import SQLModel

from neurogate.server.storage import models  # noqa: F401  (registers the tables)

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through neurogate.server.storage.migrate")

context.configure(
    connection=connection,
    target_metadata=SQLModel.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
