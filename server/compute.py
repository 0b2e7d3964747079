"""CPU-heavy work off the event loop: a pool of worker processes.

Parsing a 50 MB upload or fitting a model in the server process would stall
every stream and call for seconds, and threads would still contend for the
GIL; worker processes (spawned, never forked: forking a process that runs
gRPC is unsafe) keep the event loop free. Functions sent here must be
importable module-level functions with picklable arguments and results.
"""

from __future__ import annotations

import asyncio
import functools
import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import Any, TypeVar

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
        return await loop.run_in_executor(
            self._pool(), functools.partial(function, *args, **kwargs)
        )

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None
