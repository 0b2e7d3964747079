"""Versioned schema changes with Alembic, run by the server at start-up (and
by ``neurogate admin``), so a server started on an older database upgrades it.

The revisions live in ``migrations/versions``; they are written by hand and a
test checks that the migrated schema matches the models.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection, Engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def upgrade(engine: Engine, revision: str = "head") -> str:
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), revision)
        current = MigrationContext.configure(connection).get_current_revision()
    assert current is not None
    return current


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()
