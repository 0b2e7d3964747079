"""Nothing waits on the database without a bound: connecting, a statement, a
lock, a pooled connection, and a connection that stops answering is cut at
its deadline. Each failure is the caller's UNAVAILABLE (or, for a full
database, StorageFull), with nothing half-written.

PostgreSQL faults are real: a loopback proxy (:mod:`faults`) in front of the
real server refuses or black-holes connections. SQLite's are real too: a
lock held by another connection, and a file capped by ``max_page_count``.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from sqlalchemy import event, exc, text
from sqlalchemy.engine import make_url
from sqlmodel import Session

from faults import FaultProxy, fault_proxy
from neurogate.server.errors import StorageFull, Unavailable
from neurogate.server.storage.database import Database, DatabaseLimits, make_engine
from neurogate.server.storage.deadlines import unbounded
from neurogate.server.storage.failures import translate
from neurogate.server.storage.models import Account

#: Short limits, so that the tests wait seconds, not minutes.
LIMITS = DatabaseLimits(
    connect_timeout=2, statement_timeout=0.5, lock_timeout=0.3, pool_timeout=0.3
)
#: Generous bound on any answer under LIMITS on a loaded machine.
BOUND_SECONDS = 10


def _select(value: int):
    def work(session: Session) -> int:
        return session.connection().execute(text(f"SELECT {value}")).scalar_one()

    return work


async def _failure(db: Database, work) -> tuple[BaseException, float]:
    started = time.monotonic()
    with pytest.raises(Exception) as raised:
        await db.run(work)
    return raised.value, time.monotonic() - started


def _accounts(session: Session) -> int:
    return session.connection().execute(text("SELECT count(*) FROM accounts")).scalar_one()


# ------------------------------------------------------------ SQLite


@pytest_asyncio.fixture
async def sqlite_db(tmp_path: Path) -> AsyncIterator[Database]:
    db = Database(f"sqlite:///{tmp_path / 'neurogate.db'}", limits=LIMITS)
    await db.migrate()
    yield db
    await db.close()


async def test_sqlite_waits_for_a_lock_as_long_as_the_lock_timeout(sqlite_db):
    assert (
        await sqlite_db.run(
            lambda s: s.connection().exec_driver_sql("PRAGMA busy_timeout").scalar()
        )
        == 300
    )


async def test_a_sqlite_write_locked_beyond_the_lock_timeout_is_unavailable(sqlite_db, tmp_path):
    holder = sqlite3.connect(tmp_path / "neurogate.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another writer holds the lock
    try:
        error, seconds = await _failure(
            sqlite_db, lambda s: s.add(Account(id="acc_1", name="Late", tier="pro"))
        )
    finally:
        holder.execute("ROLLBACK")
        holder.close()

    translated = translate(error)
    assert isinstance(translated, Unavailable)
    assert translated.details == {"reason": "database_unavailable"}
    assert seconds < BOUND_SECONDS
    assert await sqlite_db.run(_accounts) == 0


async def test_a_full_sqlite_database_is_storage_full_and_keeps_nothing(sqlite_db):
    pages = await sqlite_db.run(
        lambda s: s.connection().exec_driver_sql("PRAGMA page_count").scalar()
    )

    @event.listens_for(sqlite_db.engine, "checkout")
    def cap(dbapi_connection, _record, _proxy):  # a real SQLITE_FULL, a few pages on
        dbapi_connection.execute(f"PRAGMA max_page_count={pages + 4}")

    def add_many(session: Session) -> None:
        for number in range(200):
            session.add(Account(id=f"acc_{number}", name="x" * 2000, tier="pro"))
        session.flush()

    error, _ = await _failure(sqlite_db, add_many)

    translated = translate(error)
    assert isinstance(translated, StorageFull)
    assert (translated.code, translated.http_status) == ("UNAVAILABLE", 503)
    assert translated.details == {"reason": "storage_full"}
    assert await sqlite_db.run(_accounts) == 0
    integrity = await sqlite_db.run(
        lambda s: s.connection().exec_driver_sql("PRAGMA integrity_check").scalar()
    )
    assert integrity == "ok"


def test_waiting_past_the_pool_timeout_for_a_connection_is_unavailable(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'pool.db'}", pool_size=1, limits=LIMITS)
    held = [engine.connect() for _ in range(1 + 10)]  # the pool and its overflow
    try:
        started = time.monotonic()
        with pytest.raises(exc.TimeoutError) as raised:
            engine.connect()
        assert time.monotonic() - started < BOUND_SECONDS
    finally:
        for connection in held:
            connection.close()
        engine.dispose()

    assert isinstance(translate(raised.value), Unavailable)


# ------------------------------------------------------------ PostgreSQL


@pytest_asyncio.fixture
async def proxy(postgres_url: str) -> AsyncIterator[FaultProxy]:
    async with fault_proxy("127.0.0.1", make_url(postgres_url).port or 5432) as running:
        yield running


@pytest_asyncio.fixture
async def proxied_db(proxy: FaultProxy, postgres_url: str) -> AsyncIterator[Database]:
    url = make_url(postgres_url).set(port=proxy.port).render_as_string(hide_password=False)
    db = Database(url, limits=LIMITS)
    yield db
    await proxy.resume()
    await db.close()


async def test_postgres_gets_the_statement_and_lock_timeouts(proxied_db):
    def timeouts(session: Session) -> tuple[str, str]:
        run = session.connection().exec_driver_sql
        return run("SHOW statement_timeout").scalar(), run("SHOW lock_timeout").scalar()

    assert await proxied_db.run(timeouts) == ("500ms", "300ms")


async def test_postgres_keeps_options_the_url_gives(postgres_url):
    db = Database(f"{postgres_url}?options=-c%20application_name%3Dprobe", limits=LIMITS)
    try:
        name = await db.run(
            lambda s: s.connection().exec_driver_sql("SHOW application_name").scalar()
        )
        timeout = await db.run(
            lambda s: s.connection().exec_driver_sql("SHOW statement_timeout").scalar()
        )
    finally:
        await db.close()

    assert (name, timeout) == ("probe", "500ms")


async def test_postgres_refusing_connections_is_unavailable_at_once(proxy, proxied_db):
    await proxy.refuse()

    error, seconds = await _failure(proxied_db, _select(1))

    assert isinstance(translate(error), Unavailable)
    assert seconds < BOUND_SECONDS


async def test_postgres_resetting_pooled_connections_is_unavailable_then_recovers(
    proxy, proxied_db
):
    assert await proxied_db.run(_select(1)) == 1
    await proxy.refuse()

    error, _ = await _failure(proxied_db, _select(2))
    await proxy.resume()

    assert isinstance(translate(error), Unavailable)
    assert await proxied_db.run(_select(3)) == 3


async def test_postgres_not_answering_a_new_connection_is_unavailable_after_the_connect_timeout(
    proxy, proxied_db
):
    await proxy.black_hole()

    error, seconds = await _failure(proxied_db, _select(1))

    assert isinstance(translate(error), Unavailable)
    assert LIMITS.connect_timeout - 0.5 < seconds < BOUND_SECONDS


async def test_a_pooled_postgres_connection_that_stops_answering_is_cut_at_its_deadline(
    proxy, proxied_db
):
    assert await proxied_db.run(_select(1)) == 1
    await proxy.black_hole()

    error, seconds = await _failure(proxied_db, _select(2))

    assert isinstance(translate(error), Unavailable)
    assert seconds < BOUND_SECONDS
    await proxy.resume()
    assert await proxied_db.run(_select(3)) == 3  # the server needs no restart


async def test_a_statement_past_the_statement_timeout_is_cancelled_and_the_connection_kept(
    proxied_db,
):
    def backend_pid(session: Session) -> int:
        return session.connection().exec_driver_sql("SELECT pg_backend_pid()").scalar()

    pid = await proxied_db.run(backend_pid)
    error, seconds = await _failure(
        proxied_db, lambda s: s.connection().exec_driver_sql("SELECT pg_sleep(5)")
    )

    assert isinstance(translate(error), Unavailable)
    assert seconds < 4
    assert await proxied_db.run(backend_pid) == pid  # cancelled by PostgreSQL, not cut


async def test_a_connection_held_past_its_deadline_is_cut(proxied_db):
    def hold_then_query(session: Session) -> int:
        session.connection().exec_driver_sql("SELECT 1")
        time.sleep(LIMITS.hold_seconds + 0.6)
        return session.connection().exec_driver_sql("SELECT 2").scalar()

    error, _ = await _failure(proxied_db, hold_then_query)

    assert isinstance(translate(error), Unavailable)


async def test_migrations_hold_their_connection_without_a_deadline(proxied_db):
    def hold_then_query(session: Session) -> int:
        with unbounded():
            session.connection().exec_driver_sql("SELECT 1")
        time.sleep(LIMITS.hold_seconds + 0.6)
        return session.connection().exec_driver_sql("SELECT 2").scalar()

    assert await proxied_db.run(hold_then_query) == 2
