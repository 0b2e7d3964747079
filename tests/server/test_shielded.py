"""Work marked runs_to_completion carries on to its end when the caller
awaiting it is cancelled; the caller alone stops waiting."""

from __future__ import annotations

import asyncio

import pytest

from neurogate.server.shielded import runs_to_completion


class Ledger:
    def __init__(self) -> None:
        self.writing = asyncio.Event()
        self.entries: list[str] = []

    @runs_to_completion
    async def write(self, entry: str) -> int:
        self.writing.set()
        await asyncio.sleep(0.05)
        self.entries.append(entry)
        return len(self.entries)


async def test_a_cancelled_caller_stops_waiting_but_the_work_finishes() -> None:
    ledger = Ledger()
    caller = asyncio.create_task(ledger.write("first"))
    await ledger.writing.wait()

    caller.cancel()
    with pytest.raises(asyncio.CancelledError):
        await caller
    assert ledger.entries == []

    await asyncio.sleep(0.1)
    assert ledger.entries == ["first"]


async def test_an_uncancelled_caller_gets_the_result_and_the_errors() -> None:
    ledger = Ledger()
    assert await ledger.write("first") == 1

    @runs_to_completion
    async def refuse() -> None:
        raise ValueError("no")

    with pytest.raises(ValueError, match="no"):
        await refuse()
