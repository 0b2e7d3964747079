"""What a failing database or a full disk means to a caller.

The database refusing, dropping or timing out connections, a lock held
beyond the timeout, or a statement cancelled by the statement timeout is
``UNAVAILABLE`` (503): nothing the caller did, worth retrying later. A full
disk (SQLite's ``SQLITE_FULL``, PostgreSQL's ``disk_full`` or an ``ENOSPC``
writing a file) is :class:`~neurogate.server.errors.StorageFull`, also
``UNAVAILABLE``: the caller can only retry once an operator frees space, and
the transaction was rolled back, so nothing was half-written. Callers never
see the driver's message (hosts, ports, SQL); the server logs it.

Other database errors (constraint violations, programming errors) are not
translated here: they are bugs, answered as ``INTERNAL``.
"""

from __future__ import annotations

import errno
import sqlite3
from collections.abc import Callable

import psycopg
from sqlalchemy import exc

from neurogate.server.errors import NeuroGateError, StorageFull, Unavailable


def database_unavailable() -> NeuroGateError:
    return Unavailable(
        "the database is unavailable or did not answer in time; try again later",
        reason="database_unavailable",
    )


def storage_full() -> NeuroGateError:
    return StorageFull(
        "the server's storage is full; nothing was written; try again later",
        reason="storage_full",
    )


#: SQLite primary result codes (the low byte of the extended code).
_SQLITE_CODES: dict[int, Callable[[], NeuroGateError]] = {
    sqlite3.SQLITE_FULL: storage_full,
    sqlite3.SQLITE_BUSY: database_unavailable,  # locked beyond the busy timeout
    sqlite3.SQLITE_LOCKED: database_unavailable,
    sqlite3.SQLITE_IOERR: database_unavailable,
    sqlite3.SQLITE_CANTOPEN: database_unavailable,
    sqlite3.SQLITE_INTERRUPT: database_unavailable,  # cut at the statement timeout
}

#: PostgreSQL SQLSTATEs, then SQLSTATE classes (their first two characters).
_POSTGRES_STATES: dict[str, Callable[[], NeuroGateError]] = {
    "53100": storage_full,  # disk_full
    "55P03": database_unavailable,  # lock_not_available: waited past the lock timeout
}
_POSTGRES_CLASSES: dict[str, Callable[[], NeuroGateError]] = {
    "08": database_unavailable,  # connection exception
    "53": database_unavailable,  # insufficient resources (memory, connections)
    "57": database_unavailable,  # operator intervention: query_canceled, admin_shutdown
    "58": database_unavailable,  # system error (I/O)
}

_OS_ERRNOS: dict[int, Callable[[], NeuroGateError]] = {
    errno.ENOSPC: storage_full,
    errno.EDQUOT: storage_full,
}


def _sqlite(error: sqlite3.Error) -> NeuroGateError | None:
    code = getattr(error, "sqlite_errorcode", None)
    translate = _SQLITE_CODES.get(code & 0xFF) if code is not None else None
    return translate() if translate else None


def _postgres(error: psycopg.Error) -> NeuroGateError | None:
    state = error.sqlstate
    if state is None:
        # Raised by the client itself: refused, reset, closed, timed out.
        connection_level = isinstance(error, psycopg.OperationalError | psycopg.InterfaceError)
        return database_unavailable() if connection_level else None
    translate = _POSTGRES_STATES.get(state) or _POSTGRES_CLASSES.get(state[:2])
    return translate() if translate else None


def _os(error: OSError) -> NeuroGateError | None:
    translate = _OS_ERRNOS.get(error.errno or 0)
    return translate() if translate else None


def _pool_timeout(error: exc.TimeoutError) -> NeuroGateError:
    return database_unavailable()  # no pooled connection became free in time


_BY_TYPE: tuple[tuple[type[BaseException], Callable[..., NeuroGateError | None]], ...] = (
    (sqlite3.Error, _sqlite),
    (psycopg.Error, _postgres),
    (exc.TimeoutError, _pool_timeout),
    (OSError, _os),
)


def translate(error: BaseException) -> NeuroGateError | None:
    """The caller's view of an infrastructure failure; None for anything else."""
    if isinstance(error, exc.DBAPIError) and error.orig is not None:
        error = error.orig  # SQLAlchemy's wrapper around the driver's error
    for kind, translator in _BY_TYPE:
        if isinstance(error, kind):
            return translator(error)
    return None
