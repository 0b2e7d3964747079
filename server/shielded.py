"""Work that must not stop half-way because whoever awaits it went away.

A database write runs in a thread: cancelling the coroutine awaiting it (a
client hanging up, a stop racing a timer) does not stop the write, it only
stops the bookkeeping after it. A coroutine method decorated with
:func:`runs_to_completion` runs as a task of its own: a cancelled caller
stops waiting, the work itself carries on to its end, and what it keeps in
memory stays in step with what it stored.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")


def runs_to_completion(work: Callable[P, Awaitable[T]]) -> Callable[P, Awaitable[T]]:
    @functools.wraps(work)
    async def shielded(*args: P.args, **kwargs: P.kwargs) -> T:
        return await asyncio.shield(work(*args, **kwargs))

    return shielded
