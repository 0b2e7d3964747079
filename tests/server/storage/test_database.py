"""The database: plain URLs mapped to NeuroGate's drivers; work runs in
database threads, one transaction per ``run``; SQLite in WAL mode with
foreign keys enforced."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from neurogate.server.errors import Conflict
from neurogate.server.storage.database import Database, driver_url
from neurogate.server.storage.models import Account


@pytest.fixture
async def sqlite_db(tmp_path: Path) -> AsyncIterator[Database]:
    db = Database(f"sqlite:///{tmp_path / 'neurogate.db'}")
    yield db
    await db.close()


def _sql(statement: str):
    """Work that runs ``statement`` and returns its first column, if any."""

    def work(session: Session):
        result = session.connection().execute(text(statement))
        return result.scalar_one() if result.returns_rows else None

    return work


def _account_names(session: Session) -> list[str]:
    return list(session.connection().execute(text("SELECT name FROM accounts")).scalars())


# ------------------------------------------------------------ URLs


@pytest.mark.parametrize(
    ("url", "driver"),
    [
        ("sqlite:///data/neurogate.db", "sqlite+pysqlite"),
        ("sqlite://", "sqlite+pysqlite"),
        ("sqlite+aiosqlite:///x.db", "sqlite+pysqlite"),
        ("postgres://user@db:5432/neurogate", "postgresql+psycopg"),
        ("postgresql://user@db:5432/neurogate", "postgresql+psycopg"),
        ("postgresql+asyncpg://user@db/neurogate", "postgresql+psycopg"),
    ],
)
def test_driver_url_picks_the_driver_of_the_backend(url, driver):
    assert driver_url(url).drivername == driver


def test_driver_url_keeps_everything_but_the_driver():
    parsed = driver_url("postgresql://alice:s3cret@db.internal:6543/neurogate?sslmode=require")

    assert (parsed.username, parsed.password, parsed.host, parsed.port, parsed.database) == (
        "alice",
        "s3cret",
        "db.internal",
        6543,
        "neurogate",
    )
    assert parsed.query == {"sslmode": "require"}


@pytest.mark.parametrize("url", ["mysql://u@h/db", "mssql+pyodbc://u@h/db", "oracle://h/db"])
def test_other_databases_are_refused(url):
    with pytest.raises(ValueError, match="unsupported database"):
        driver_url(url)


# ------------------------------------------------------------ SQLite


async def test_a_sqlite_database_creates_its_directory(tmp_path):
    path = tmp_path / "deep" / "er" / "neurogate.db"

    db = Database(f"sqlite:///{path}")
    try:
        assert await db.run(_sql("SELECT 1")) == 1
    finally:
        await db.close()

    assert path.exists()
    assert db.is_sqlite


async def test_sqlite_runs_in_wal_mode(sqlite_db):
    assert await sqlite_db.run(_sql("PRAGMA journal_mode")) == "wal"


async def test_sqlite_enforces_foreign_keys(sqlite_db):
    assert await sqlite_db.run(_sql("PRAGMA foreign_keys")) == 1


async def test_sqlite_waits_for_a_busy_database_instead_of_failing(sqlite_db):
    assert await sqlite_db.run(_sql("PRAGMA busy_timeout")) == 10000


async def test_sqlite_refuses_a_row_that_points_at_no_account(sqlite_db):
    await sqlite_db.migrate()

    with pytest.raises(IntegrityError, match="FOREIGN KEY"):
        await sqlite_db.run(
            _sql(
                "INSERT INTO client_credentials (client_id, account_id, secret_hash, created_at)"
                " VALUES ('cli_1', 'acc_missing', 'x', '2026-01-01 00:00:00')"
            )
        )


async def test_postgres_uses_psycopg(postgres_url):
    db = Database(postgres_url)
    try:
        assert await db.run(_sql("SELECT 1")) == 1
    finally:
        await db.close()

    assert not db.is_sqlite
    assert db.url.drivername == "postgresql+psycopg"


# ------------------------------------------------------------ transactions (both backends)


async def test_run_commits_when_the_work_returns(db):
    await db.run(lambda session: session.add(Account(id="acc_1", name="Kept", tier="pro")))

    assert await db.run(_account_names) == ["Kept"]


async def test_run_returns_what_the_work_returns(db):
    assert await db.run(lambda session: ("anything", 42)) == ("anything", 42)


async def test_run_rolls_back_and_reraises_when_the_work_raises(db):
    def add_then_fail(session: Session) -> None:
        session.add(Account(id="acc_1", name="Lost", tier="pro"))
        session.flush()
        raise Conflict("changed my mind", parameter="name")

    with pytest.raises(Conflict) as raised:
        await db.run(add_then_fail)

    assert raised.value.details == {"parameter": "name"}
    assert await db.run(_account_names) == []


async def test_a_failed_statement_rolls_back_the_whole_transaction(db):
    def two_inserts(session: Session) -> None:
        session.add(Account(id="acc_1", name="First", tier="pro"))
        session.flush()
        session.add(Account(id="acc_1", name="Duplicate", tier="pro"))

    with pytest.raises(IntegrityError):
        await db.run(two_inserts)

    assert await db.run(_account_names) == []


async def test_run_does_the_work_off_the_event_loop_thread(db):
    loop_thread = threading.get_ident()

    work_thread = await db.run(lambda session: threading.get_ident())

    assert work_thread != loop_thread


async def test_rows_read_by_run_are_usable_after_it_returns(db):
    await db.run(lambda session: session.add(Account(id="acc_1", name="Acme", tier="pro")))

    account = await db.run(lambda session: session.get(Account, "acc_1"))

    assert (account.id, account.name, account.tier) == ("acc_1", "Acme", "pro")
    assert account.created_at.tzinfo is not None
