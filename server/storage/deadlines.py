"""A deadline on every database connection a thread holds.

PostgreSQL's ``statement_timeout`` ends a slow statement, but only if the
server hears it: when the database host stops answering (packets dropped,
a hung proxy) a driver waits on its socket for as long as TCP keeps it
open, and the call with it. So each checkout of a pooled connection gets a
deadline, and one watchdog thread per process cuts the connections still
held past theirs: a PostgreSQL socket is shut down (the waiting driver
fails at once with a connection error, and the pool discards it), a SQLite
statement is interrupted. Either way the caller gets ``UNAVAILABLE``
(:mod:`neurogate.server.storage.failures`) instead of a hang.

Schema migrations run without a deadline (:func:`unbounded`): they may
legitimately take long, and cutting one would only make start-up fail.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

log = logging.getLogger(__name__)

#: How often the watchdog looks for expired deadlines while any are held.
TICK_SECONDS = 0.1

Cut = Callable[[], None]


def _shut_socket(dbapi_connection: Any) -> None:
    """Shuts down a psycopg connection's socket, waking its waiting thread."""
    if dbapi_connection.closed:
        return
    duplicate = os.dup(dbapi_connection.fileno())
    try:
        with socket.socket(fileno=duplicate) as sock:
            sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass  # already gone


def _interrupt(dbapi_connection: Any) -> None:
    dbapi_connection.interrupt()


#: How to cut a connection held past its deadline, per backend.
CUTTERS: dict[str, Callable[[Any], None]] = {
    "postgresql": _shut_socket,
    "sqlite": _interrupt,
}

_unbounded = threading.local()


@contextlib.contextmanager
def unbounded() -> Iterator[None]:
    """Connections this thread checks out meanwhile get no deadline."""
    _unbounded.active = True
    try:
        yield
    finally:
        _unbounded.active = False


def is_unbounded() -> bool:
    return getattr(_unbounded, "active", False)


class Watchdog:
    """Cuts what is held past its deadline; one thread, idle when nothing is held."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._held: dict[object, tuple[float, Cut]] = {}
        self._busy = threading.Event()
        self._thread: threading.Thread | None = None

    def hold(self, key: object, seconds: float, cut: Cut) -> None:
        with self._lock:
            self._held[key] = (time.monotonic() + seconds, cut)
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._watch, name="db-deadlines", daemon=True
                )
                self._thread.start()
            self._busy.set()

    def release(self, key: object) -> None:
        with self._lock:
            self._held.pop(key, None)

    def expired(self, key: object) -> bool:
        """True once ``key``'s deadline has passed (or it was cut)."""
        with self._lock:
            held = self._held.get(key)
        return held is None or held[0] <= time.monotonic()

    def _watch(self) -> None:
        while True:
            self._busy.wait()
            time.sleep(TICK_SECONDS)
            now = time.monotonic()
            with self._lock:
                due = [key for key, (deadline, _) in self._held.items() if deadline <= now]
                cuts = [self._held.pop(key)[1] for key in due]
                if not self._held:
                    self._busy.clear()
            for cut in cuts:
                try:
                    cut()
                except Exception:  # a cut that fails must not stop the watchdog
                    log.exception("could not cut a database connection past its deadline")
                else:
                    log.warning("cut a database connection held past its deadline")


#: The process's watchdog (compute workers have their own).
watchdog = Watchdog()
