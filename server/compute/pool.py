"""The compute pool: at most one job per worker process, the others waiting
in a :class:`~.fair_queue.FairQueue` by the calling account.

A job is stopped, and its worker killed and later replaced, when

- it runs longer than the pool's time limit (``NEUROGATE_COMPUTE_TIMEOUT``):
  the caller gets ``INTERNAL`` saying so, not ``UNAVAILABLE``, which clients
  retry, and the same job would only run out of time again;
- its caller leaves (the gRPC call is cancelled: the client hung up or its
  deadline passed): a job still waiting simply leaves the queue;
- the server stops: :meth:`ComputePool.drain` fails waiting jobs with
  ``UNAVAILABLE`` and gives running ones the grace, then
  :meth:`ComputePool.close` kills what still runs (``UNAVAILABLE`` too).

A worker that dies on its own (killed for memory, or a crash in native code)
fails only its job, with ``INTERNAL``; the next job gets a fresh worker.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from neurogate.server.compute.fair_queue import Account, FairQueue
from neurogate.server.compute.worker import Worker, WorkerDied
from neurogate.server.context import calling_account
from neurogate.server.errors import InternalError, Unavailable
from neurogate.server.settings import Settings

T = TypeVar("T")

#: How long an idle worker may take to exit when the pool closes before it
#: is killed (an interpreter's teardown; no job is lost).
IDLE_EXIT_SECONDS = 2.0


def _shutting_down() -> Unavailable:
    return Unavailable("the server is shutting down: try again in a moment")


class ComputePool:
    def __init__(self, workers: int, time_limit: float = Settings.compute_timeout) -> None:
        self.workers = workers
        self.time_limit = time_limit
        self._context = multiprocessing.get_context("spawn")
        self._idle: list[Worker] = []
        self._busy: set[Worker] = set()
        self._waiting: FairQueue[asyncio.Future[Worker]] = FairQueue()
        self._threads: ThreadPoolExecutor | None = None
        self._closing = False
        self._drained: asyncio.Future[None] | None = None

    @property
    def started_workers(self) -> int:
        """Worker processes running now (busy or idle)."""
        return len(self._idle) + len(self._busy)

    async def run(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """``function(*args, **kwargs)`` in a worker process: its result, or
        the exception it raised. Queued under the calling account."""
        if self._closing:
            raise _shutting_down()
        account = calling_account()
        assigned: asyncio.Future[Worker] = asyncio.get_running_loop().create_future()
        self._waiting.push(account, assigned)
        self._dispatch()
        try:
            worker = await assigned
        except asyncio.CancelledError:
            # The caller left while waiting, or just as a worker was given.
            if not self._waiting.remove(account, assigned) and _given(assigned):
                self._release(account, assigned.result())
            raise
        try:
            return await self._execute(worker, function, args, kwargs)
        finally:
            self._release(account, worker)

    async def drain(self, grace: float) -> None:
        """Takes no more jobs and fails the waiting ones with UNAVAILABLE;
        returns when the running ones are done, or after ``grace`` seconds."""
        self._closing = True
        for assigned in self._waiting.drain():
            if not assigned.done():
                assigned.set_exception(_shutting_down())
        if self._busy and grace > 0:
            self._drained = asyncio.get_running_loop().create_future()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(self._drained), grace)

    def close(self) -> None:
        """Kills the workers still running a job (their callers get
        UNAVAILABLE) and waits until every worker has exited."""
        self._closing = True
        for worker in self._busy:
            worker.kill()
        idle, self._idle = self._idle, []
        for worker in idle:
            worker.stop()
        for worker in [*self._busy, *idle]:
            worker.reap(timeout=IDLE_EXIT_SECONDS)
        if self._threads is not None:
            # Threads waiting on killed workers end as their pipes close.
            self._threads.shutdown(wait=True)
            self._threads = None

    async def _execute(
        self, worker: Worker, function: Callable[..., T], args: tuple, kwargs: dict
    ) -> T:
        if self._closing:  # closed between the dispatch and this
            raise _shutting_down()
        loop = asyncio.get_running_loop()
        threads = self._thread_pool()
        limit: asyncio.Timeout | None = None
        try:
            await loop.run_in_executor(threads, worker.wait_ready)
            limit = asyncio.timeout(self.time_limit)  # counts from here
            async with limit:
                return await loop.run_in_executor(threads, worker.call, function, args, kwargs)
        except TimeoutError:
            if limit is None or not limit.expired():
                raise  # the function's own TimeoutError
            worker.kill()
            raise InternalError(
                f"the computation ran longer than the server's time limit of "
                f"{self.time_limit:g} s and was stopped; ask for less work at once "
                "(fewer rows, columns or iterations)",
                time_limit_seconds=self.time_limit,
            ) from None
        except asyncio.CancelledError:
            worker.kill()
            raise
        except WorkerDied:
            if self._closing:
                raise _shutting_down() from None
            raise InternalError(
                "a compute worker stopped unexpectedly while working on this request"
            ) from None

    def _dispatch(self) -> None:
        """Gives free workers (starting new ones up to the pool's size) to
        waiting jobs, fairly."""
        while self._waiting and not self._closing:
            if not self._idle and len(self._busy) >= self.workers:
                return
            account, assigned = self._waiting.pop()
            if assigned.done():  # its caller was cancelled just now
                self._waiting.finished(account)
                continue
            try:
                worker = self._idle.pop() if self._idle else Worker(self._context)
            except OSError as error:  # no process could be started (limits, memory)
                self._waiting.finished(account)
                assigned.set_exception(Unavailable(f"no compute worker could be started: {error}"))
                continue
            self._busy.add(worker)
            assigned.set_result(worker)

    def _release(self, account: Account, worker: Worker) -> None:
        self._waiting.finished(account)
        self._busy.discard(worker)
        if worker.alive:  # while closing, kept for close() to stop
            self._idle.append(worker)
        if self._drained is not None and not self._busy and not self._drained.done():
            self._drained.set_result(None)
        self._dispatch()

    def _thread_pool(self) -> ThreadPoolExecutor:
        # One thread per busy worker waits on its pipe, and a killed
        # worker's thread may linger a moment after the kill.
        if self._threads is None:
            self._threads = ThreadPoolExecutor(
                max_workers=2 * self.workers, thread_name_prefix="neurogate-compute"
            )
        return self._threads


def _given(assigned: asyncio.Future[Worker]) -> bool:
    """A worker was handed to this job (its future holds one)."""
    return assigned.done() and not assigned.cancelled() and assigned.exception() is None
