"""One task polls every streaming board of the process.

BrainFlow hands samples over by polling (``get_board_data``); its Python
wrapper costs a few ctypes calls per poll. Polling each board from a task of
its own would wake the event loop once per board per tick; one ticker that
visits every streaming board per tick keeps the cost to the polls themselves.
The tick is 4 ms, so a sample waits at most that long in BrainFlow's buffer.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Protocol

log = logging.getLogger(__name__)

POLL_SECONDS = 0.004


class Polled(Protocol):
    def poll(self) -> bool:
        """Takes what the board has; False once the board is lost."""
        ...

    async def lost(self) -> None: ...


class Acquisition:
    def __init__(self, poll_seconds: float = POLL_SECONDS) -> None:
        self._poll_seconds = poll_seconds
        self._boards: dict[int, Polled] = {}
        self._task: asyncio.Task[None] | None = None
        self._reporting: set[asyncio.Task[None]] = set()

    def add(self, board: Polled) -> None:
        self._boards[id(board)] = board
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name="acquisition")

    def remove(self, board: Polled) -> None:
        self._boards.pop(id(board), None)

    async def _run(self) -> None:
        while self._boards:
            for board in list(self._boards.values()):
                try:
                    alive = board.poll()
                except Exception:  # one broken board must not stop the others
                    log.exception("polling a board failed")
                    alive = False
                if not alive:
                    self.remove(board)
                    report = asyncio.create_task(board.lost())
                    self._reporting.add(report)
                    report.add_done_callback(self._reporting.discard)
            await asyncio.sleep(self._poll_seconds)
