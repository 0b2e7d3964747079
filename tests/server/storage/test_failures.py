"""What a failing database or a full disk means to a caller: UNAVAILABLE
(503) for connection-level failures, StorageFull (also UNAVAILABLE) for a
full disk, and nothing at all for errors that are bugs. Real failures are
produced in test_database_limits.py; here each kind is classified."""

from __future__ import annotations

import errno
import sqlite3

import psycopg
import pytest
from psycopg import errors as pg
from sqlalchemy import exc

from neurogate.server.errors import StorageFull, Unavailable
from neurogate.server.storage.failures import translate


@pytest.mark.parametrize(
    "error",
    [
        OSError(errno.ENOSPC, "No space left on device"),
        OSError(errno.EDQUOT, "Disk quota exceeded"),
        pg.DiskFull("could not extend file"),
    ],
)
def test_a_full_disk_is_storage_full(error):
    translated = translate(error)

    assert isinstance(translated, StorageFull)
    assert isinstance(translated, Unavailable)
    assert (translated.code, translated.http_status) == ("UNAVAILABLE", 503)
    assert translated.details == {"reason": "storage_full"}
    assert "nothing was written" in translated.message


@pytest.mark.parametrize(
    "error",
    [
        psycopg.OperationalError("connection failed: Connection refused"),
        pg.ConnectionTimeout("connection timeout expired"),
        psycopg.InterfaceError("the connection is closed"),
        pg.QueryCanceled("canceling statement due to statement timeout"),
        pg.AdminShutdown("terminating connection due to administrator command"),
        pg.TooManyConnections("sorry, too many clients already"),
        pg.ConnectionFailure("connection failure"),
        pg.LockNotAvailable("canceling statement due to lock timeout"),
        exc.TimeoutError("QueuePool limit of size 8 overflow 10 reached"),
    ],
)
def test_a_database_that_cannot_answer_is_unavailable(error):
    translated = translate(error)

    assert type(translated) is Unavailable
    assert translated.details == {"reason": "database_unavailable"}
    assert "try again later" in translated.message


def test_the_driver_error_inside_a_sqlalchemy_error_is_what_counts():
    driver = psycopg.OperationalError('connection to server at "10.0.0.5", port 5432 failed')
    wrapped = exc.OperationalError("SELECT secret FROM accounts", {}, driver)

    translated = translate(wrapped)

    assert isinstance(translated, Unavailable)
    assert "10.0.0.5" not in translated.message
    assert "SELECT" not in translated.message


@pytest.mark.parametrize(
    "error",
    [
        pg.UniqueViolation("duplicate key value"),
        pg.UndefinedTable("relation does not exist"),
        pg.SyntaxError("syntax error at or near"),
        exc.IntegrityError("INSERT", {}, pg.ForeignKeyViolation("fk")),
        OSError(errno.EACCES, "Permission denied"),
        FileNotFoundError("gone"),
        ValueError("a bug"),
        RuntimeError("another bug"),
    ],
)
def test_errors_that_are_bugs_are_not_translated(error):
    assert translate(error) is None


def test_a_sqlite_error_that_is_a_bug_is_not_translated():
    connection = sqlite3.connect(":memory:")
    connection.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, 10)
    with pytest.raises(sqlite3.DataError) as raised:  # SQLITE_TOOBIG
        connection.execute("SELECT ?", ("x" * 100,))
    connection.close()

    assert translate(raised.value) is None


def test_a_sqlite_syntax_error_is_not_mistaken_for_an_outage():
    connection = sqlite3.connect(":memory:")
    with pytest.raises(sqlite3.OperationalError) as raised:
        connection.execute("SELEC 1")
    connection.close()

    assert translate(raised.value) is None
