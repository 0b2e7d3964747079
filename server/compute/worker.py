"""One compute worker: a spawned process that runs the jobs sent down its
pipe, one at a time, and the server's handle on it.

A worker lives as long as it is healthy, so what a job caches in the process
(stored tables and models, database engines) serves the jobs after it. The
handle kills it with SIGKILL, which a job deep in native code cannot ignore
or delay, when the job runs over its time limit, its caller leaves or the
server stops; the pool then starts a fresh worker for the next job.

The handle's :meth:`Worker.wait_ready` and :meth:`Worker.call` block; the
pool runs them in threads, and a thread waiting on a killed worker wakes up
with :class:`WorkerDied` (its pipe reads end of file).
"""

from __future__ import annotations

import signal
import traceback
from collections.abc import Callable
from multiprocessing.connection import Connection
from multiprocessing.context import SpawnContext
from multiprocessing.reduction import ForkingPickler
from typing import Any

from neurogate.server.errors import InternalError

#: The worker's first message: it has started and waits for jobs.
READY = "ready"


class WorkerDied(Exception):
    """The worker process ended while the server was waiting on it."""


class RemoteTraceback(Exception):
    """An unexpected error's traceback in the worker, chained to the error so
    the server's log shows where it happened."""

    def __str__(self) -> str:
        return str(self.args[0])


def serve(connection: Connection) -> None:
    """The worker process: runs jobs until its pipe closes."""
    # Ctrl-C in a terminal reaches the whole process group; the server alone
    # decides when its workers stop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    connection.send(READY)
    while True:
        try:
            function, args, kwargs = connection.recv()
        except EOFError:
            return
        connection.send_bytes(_outcome(function, args, kwargs))


def _outcome(function: Callable[..., Any], args: tuple, kwargs: dict) -> memoryview:
    """The pickled ``(True, result)`` or ``(False, error, traceback)``."""
    try:
        outcome: tuple = (True, function(*args, **kwargs))
    except Exception as error:
        outcome = (False, error, traceback.format_exc())
    try:
        return ForkingPickler.dumps(outcome)
    except Exception:
        unsendable = InternalError("the result of the computation could not be sent back")
        return ForkingPickler.dumps((False, unsendable, traceback.format_exc()))


class Worker:
    """The server's handle on one worker process, started at construction."""

    def __init__(self, context: SpawnContext) -> None:
        self._connection, child = context.Pipe()
        self.process = context.Process(
            target=serve, args=(child,), name="neurogate-compute", daemon=True
        )
        self.process.start()
        # Only the worker holds its end now, so its death reads as end of file.
        child.close()
        self._ready = False
        #: False once the worker is killed or found dead: it takes no more jobs.
        self.alive = True

    def wait_ready(self) -> None:
        """Blocks until the process has started (a fresh interpreter takes a
        while on a busy machine, which is not the first job's time)."""
        if not self._ready:
            self._read()
            self._ready = True

    def call(self, function: Callable[..., Any], args: tuple, kwargs: dict) -> Any:
        """Blocks until the worker has run ``function(*args, **kwargs)``; its
        result, or the exception it raised. :class:`WorkerDied` if the process
        ended meanwhile."""
        # Unpicklable arguments fail here, before anything reaches the worker.
        job = ForkingPickler.dumps((function, args, kwargs))
        try:
            self._connection.send_bytes(job)
        except OSError:
            self._dispose()
            raise WorkerDied from None
        try:
            outcome = ForkingPickler.loads(self._read())
        except WorkerDied:
            raise
        except Exception:
            raise InternalError("the result of the computation could not be read") from None
        if outcome[0]:
            return outcome[1]
        _, error, remote_traceback = outcome
        raise error from RemoteTraceback(remote_traceback)

    def kill(self) -> None:
        """Ends the process now, whatever it is doing. A thread waiting in
        :meth:`call` then raises :class:`WorkerDied` and releases the process."""
        self.alive = False
        self.process.kill()

    def stop(self) -> None:
        """Asks an idle worker to exit: closing its pipe ends its loop."""
        self.alive = False
        self._connection.close()

    def reap(self, timeout: float) -> None:
        """Blocks until the process has exited, killing it after ``timeout``."""
        self.process.join(timeout)
        if self.process.exitcode is None:
            self.process.kill()
            self.process.join()

    def _read(self) -> bytes:
        try:
            return self._connection.recv_bytes()
        except (EOFError, OSError):
            self._dispose()
            raise WorkerDied from None

    def _dispose(self) -> None:
        # Runs in the thread that found the pipe closed, its only user.
        self.alive = False
        self.process.kill()
        self.process.join()
        self._connection.close()
