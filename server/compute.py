"""CPU-heavy work off the event loop: a pool of worker processes.

Parsing a 50 MB upload or fitting a model in the server process would stall
every stream and call for seconds, and threads would still contend for the
GIL; worker processes (spawned, never forked: forking a process that runs
gRPC is unsafe) keep the event loop free. Functions sent here must be
importable module-level functions with picklable arguments and results.

A worker that dies (killed for memory, or a crash in native code) breaks a
``ProcessPoolExecutor`` for good; the pool is then replaced, the calls it
was running fail with ``INTERNAL``, and later calls get fresh workers.
"""

from __future__ import annotations

import asyncio
import functools
import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

from neurogate.server.errors import InternalError

T = TypeVar("T")


class ComputePool:
    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._executor: ProcessPoolExecutor | None = None

    def _pool(self) -> ProcessPoolExecutor:
        # Started on first use: a server that never computes spawns nothing.
        if self._executor is None:
            self._executor = ProcessPoolExecutor(
                max_workers=self.workers, mp_context=multiprocessing.get_context("spawn")
            )
        return self._executor

    async def run(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        loop = asyncio.get_running_loop()
        executor = self._pool()
        try:
            return await loop.run_in_executor(
                executor, functools.partial(function, *args, **kwargs)
            )
        except BrokenProcessPool:
            if self._executor is executor:
                self._executor = None
                executor.shutdown(wait=False, cancel_futures=True)
            raise InternalError(
                "a compute worker stopped unexpectedly while working on this request"
            ) from None

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None
