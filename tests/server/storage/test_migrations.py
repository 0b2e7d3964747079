"""Schema migrations on both backends: an empty database reaches head, the
migrated schema is exactly the models', an older database is upgraded with
its rows kept, and migrating again changes nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlmodel import Session, SQLModel

from neurogate.server.storage import models
from neurogate.server.storage.database import Database
from neurogate.server.storage.migrate import head_revision

TABLES = {
    "accounts",
    "client_credentials",
    "users",
    "api_keys",
    "datasets",
    "dataset_tables",
    "devices",
    "sessions",
    "recording_chunks",
    "recording_markers",
    "ingestions",
    "ml_models",
    "ml_model_artifacts",
    "webhooks",
    "webhook_deliveries",
}


@pytest.fixture
async def empty(database_url: str) -> AsyncIterator[Database]:
    """A database with no schema at all."""
    database = Database(database_url)
    yield database
    await database.close()


async def _tables(db: Database) -> set[str]:
    return await db.run(lambda session: set(inspect(session.connection()).get_table_names()))


async def _schema_differences(db: Database) -> list:
    def compare(session: Session) -> list:
        context = MigrationContext.configure(
            session.connection(), opts={"compare_type": True, "compare_server_default": True}
        )
        return compare_metadata(context, SQLModel.metadata)

    return await db.run(compare)


async def _execute(db: Database, *statements: str) -> None:
    def work(session: Session) -> None:
        for statement in statements:
            session.connection().execute(text(statement))

    await db.run(work)


async def _column(db: Database, query: str) -> list:
    return await db.run(lambda session: list(session.connection().execute(text(query)).scalars()))


def test_the_models_cover_every_migrated_table():
    assert set(SQLModel.metadata.tables) == TABLES


async def test_an_empty_database_has_no_revision(empty):
    assert await empty.revision() is None


async def test_migrate_brings_an_empty_database_to_head(empty):
    revision = await empty.migrate()

    assert revision == head_revision()
    assert await empty.revision() == head_revision()
    assert await _tables(empty) == TABLES | {"alembic_version"}


async def test_the_migrated_schema_matches_the_models(empty):
    await empty.migrate()

    assert await _schema_differences(empty) == []


async def test_migrating_twice_changes_nothing(empty):
    first = await empty.migrate()
    await _execute(
        empty,
        "INSERT INTO accounts (id, name, tier, created_at)"
        " VALUES ('acc_kept', 'Kept', 'pro', CURRENT_TIMESTAMP)",
    )

    second = await empty.migrate()

    assert second == first == head_revision()
    assert await _schema_differences(empty) == []
    assert await _column(empty, "SELECT name FROM accounts") == ["Kept"]
    assert await _column(empty, "SELECT version_num FROM alembic_version") == [head_revision()]


async def test_a_database_at_0001_is_upgraded_to_head_keeping_its_accounts(empty):
    assert await empty.migrate("0001") == "0001"
    assert await _tables(empty) == {
        "accounts",
        "client_credentials",
        "users",
        "api_keys",
        "alembic_version",
    }
    await _execute(
        empty,
        "INSERT INTO accounts (id, name, tier, created_at)"
        " VALUES ('acc_old', 'Old Labs', 'enterprise', CURRENT_TIMESTAMP)",
        "INSERT INTO client_credentials (client_id, account_id, secret_hash, created_at)"
        " VALUES ('cli_old', 'acc_old', 'scrypt$x', CURRENT_TIMESTAMP)",
    )

    revision = await empty.migrate()

    assert revision == head_revision()
    assert await empty.revision() == head_revision()
    assert await _tables(empty) == TABLES | {"alembic_version"}
    assert await _schema_differences(empty) == []
    account = await empty.run(lambda session: session.get(models.Account, "acc_old"))
    client = await empty.run(lambda session: session.get(models.ClientCredential, "cli_old"))
    assert (account.name, account.tier) == ("Old Labs", "enterprise")
    assert account.created_at.tzinfo is not None
    assert client.account_id == "acc_old"


async def test_the_upgraded_database_accepts_new_rows_for_old_accounts(empty):
    await empty.migrate("0001")
    await _execute(
        empty,
        "INSERT INTO accounts (id, name, tier, created_at)"
        " VALUES ('acc_old', 'Old Labs', 'pro', CURRENT_TIMESTAMP)",
    )
    await empty.migrate()

    dataset = models.Dataset(id="ds_new", account_id="acc_old", name="n", type="eeg")
    await empty.run(lambda session: session.add(dataset))

    stored = await empty.run(lambda session: session.get(models.Dataset, "ds_new"))
    assert stored.account_id == "acc_old"
