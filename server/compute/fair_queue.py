"""Jobs waiting for a compute worker, served fairly between accounts.

First come, first served lets an account that queues a dozen trainings hold
every other account's calls until all of them are done. Here each account
has its own line, and a free worker takes the next job of the account with
the fewest jobs running, ties going to the account served longest ago (one
never served first). A call from an account with nothing running therefore
waits for one running job to finish, whatever others have queued.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Hashable
from itertools import count
from typing import Generic, TypeVar

Job = TypeVar("Job", bound=Hashable)
#: Who a job is for: an account id, or None for work outside an
#: authenticated call (those share one line).
Account = str | None


class FairQueue(Generic[Job]):
    def __init__(self) -> None:
        self._lines: dict[Account, deque[Job]] = {}
        self._running: Counter[Account] = Counter()
        #: Turn number of each account's latest dispatch, kept while the
        #: account has jobs waiting or running.
        self._last_served: dict[Account, int] = {}
        self._turns = count(1)

    def __bool__(self) -> bool:
        return bool(self._lines)

    def __len__(self) -> int:
        return sum(len(line) for line in self._lines.values())

    def push(self, account: Account, job: Job) -> None:
        self._lines.setdefault(account, deque()).append(job)

    def remove(self, account: Account, job: Job) -> bool:
        """Takes back a job that has not been dispatched; False if it had been."""
        line = self._lines.get(account)
        if line is None or job not in line:
            return False
        line.remove(job)
        if not line:
            del self._lines[account]
            self._forget_if_idle(account)
        return True

    def pop(self) -> tuple[Account, Job]:
        """The next job to run (and its account), now counted as running."""
        account = min(
            self._lines, key=lambda name: (self._running[name], self._last_served.get(name, 0))
        )
        line = self._lines[account]
        job = line.popleft()
        if not line:
            del self._lines[account]
        self._running[account] += 1
        self._last_served[account] = next(self._turns)
        return account, job

    def finished(self, account: Account) -> None:
        """A job :meth:`pop` gave out has ended."""
        self._running[account] -= 1
        if self._running[account] <= 0:
            del self._running[account]
        self._forget_if_idle(account)

    def drain(self) -> list[Job]:
        """Every waiting job, in no particular order; the queue is left empty."""
        jobs = [job for line in self._lines.values() for job in line]
        accounts = list(self._lines)
        self._lines.clear()
        for account in accounts:
            self._forget_if_idle(account)
        return jobs

    def _forget_if_idle(self, account: Account) -> None:
        if account not in self._lines and account not in self._running:
            self._last_served.pop(account, None)
