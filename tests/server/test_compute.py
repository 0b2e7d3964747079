"""CPU-heavy work runs in spawned worker processes; results and domain
errors (with their details) come back to the caller. A job is stopped at the
time limit or when its caller leaves, accounts take turns, and the pool
closes within the grace it is given."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from neurogate.server.auth.principal import CredentialKind, Principal
from neurogate.server.auth.tiers import Tier
from neurogate.server.compute import ComputePool
from neurogate.server.context import CallContext, open_call
from neurogate.server.datasets.upload import UploadFile, dataset_name, prepare_table
from neurogate.server.errors import InternalError, InvalidParameter, RateLimitExceeded, Unavailable
from neurogate.server.pagination import page_size

#: Generous: spawning a worker takes seconds on a busy machine.
PATIENCE = 60.0


@pytest.fixture(scope="module")
def pool() -> Iterator[ComputePool]:
    pool = ComputePool(workers=1)
    yield pool
    pool.close()


@pytest.fixture
def new_pool() -> Iterator[Callable[..., ComputePool]]:
    """Makes pools of their own, closed after the test."""
    made: list[ComputePool] = []

    def make(workers: int = 1, time_limit: float = PATIENCE) -> ComputePool:
        made.append(ComputePool(workers=workers, time_limit=time_limit))
        return made[-1]

    yield make
    for each in made:
        each.close()


# Module level, so a spawned worker can import them by name.


def raise_rate_limit() -> None:
    raise RateLimitExceeded("60 calls per minute", retry_after=12)


def raise_timeout() -> None:
    raise TimeoutError("the function's own timeout")


def return_unpicklable() -> Callable[[], int]:
    return lambda: 1


def mark_and_wait(started: Path, go: Path | None = None, seconds: float = PATIENCE) -> int:
    """Writes ``started``, then waits for ``go`` to exist (or ``seconds``);
    the worker's pid."""
    started.write_text(str(os.getpid()))
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not (go and go.exists()):
        time.sleep(0.01)
    return os.getpid()


def append_line(path: Path, line: str) -> None:
    with path.open("a") as file:
        file.write(line + "\n")


async def until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + PATIENCE
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting until {what}"
        await asyncio.sleep(0.02)


def gone(pid: int) -> bool:
    """The process has exited and been reaped."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def as_account(account: str, work: Callable[[], Awaitable[Any]]) -> asyncio.Task[Any]:
    """``work`` as a task of an authenticated call of ``account``."""

    async def call() -> Any:
        principal = Principal(account, Tier.PRO, frozenset(), CredentialKind.CLIENT, "cli")
        open_call(CallContext(method="/test/Call", request_id="req_test", principal=principal))
        return await work()

    return asyncio.ensure_future(call())


# ---------------------------------------------------------------- results and errors


async def test_a_pool_that_never_computes_starts_no_process():
    pool = ComputePool(workers=2)

    pool.close()

    assert pool.workers == 2
    assert pool.started_workers == 0


async def test_work_runs_in_another_process(pool):
    worker_pid = await pool.run(os.getpid)

    assert worker_pid != os.getpid()


async def test_positional_and_keyword_arguments_reach_the_function(pool):
    assert await pool.run(dataset_name, "", filename="trial 1.csv") == "trial 1"


async def test_results_come_back_as_values(pool):
    file = UploadFile(
        data=b"subject,alpha\ns1,0.5\n",
        filename="eeg.csv",
        content_type="text/csv",
        name="",
        encoding="",
        sheet="",
    )

    prepared = await pool.run(prepare_table, file)

    assert prepared.parsed.rows == 1
    assert prepared.preview == [{"subject": "s1", "alpha": 0.5}]


async def test_an_invalid_parameter_raised_in_the_worker_arrives_with_its_details(pool):
    with pytest.raises(InvalidParameter) as raised:
        await pool.run(page_size, -1)

    assert raised.value.message == "page_size cannot be negative"
    assert raised.value.details == {"parameter": "page_size", "value": -1}
    assert raised.value.code == "INVALID_PARAMETER"


async def test_a_refused_upload_parsed_in_the_worker_names_the_file(pool):
    png = UploadFile(
        data=b"\x89PNG\r\n\x1a\n" + b"\x00" * 64,
        filename="scan.png",
        content_type="image/png",
        name="",
        encoding="",
        sheet="",
    )

    with pytest.raises(InvalidParameter) as raised:
        await pool.run(prepare_table, png)

    assert raised.value.details["parameter"] == "file"


async def test_an_unexpected_error_keeps_its_type_and_the_workers_traceback(pool):
    with pytest.raises(ValueError, match="invalid literal") as raised:
        await pool.run(int, "seven")

    assert "Traceback" in str(raised.value.__cause__)


async def test_the_pool_keeps_working_after_an_error(pool):
    with pytest.raises(InvalidParameter):
        await pool.run(page_size, -5)

    assert await pool.run(page_size, 7) == 7


async def test_a_rate_limit_raised_in_the_worker_arrives_and_the_pool_survives(new_pool):
    pool = new_pool()

    with pytest.raises(RateLimitExceeded) as raised:
        await pool.run(raise_rate_limit)

    assert raised.value.retry_after == 12
    assert await pool.run(page_size, 3) == 3


async def test_arguments_that_cannot_be_sent_fail_the_call_and_spare_the_worker(pool):
    worker_pid = await pool.run(os.getpid)

    with pytest.raises(AttributeError, match="pickle"):
        await pool.run(len, lambda: 0)

    assert await pool.run(os.getpid) == worker_pid


async def test_a_result_that_cannot_be_sent_back_is_an_internal_error(pool):
    with pytest.raises(InternalError, match="could not be sent back"):
        await pool.run(return_unpicklable)

    assert await pool.run(page_size, 2) == 2


async def test_a_worker_that_dies_fails_its_call_and_the_next_call_gets_a_new_worker(new_pool):
    pool = new_pool()

    with pytest.raises(InternalError, match="compute worker stopped"):
        await pool.run(os._exit, 1)

    assert await pool.run(dataset_name, "", filename="after.csv") == "after"


# ---------------------------------------------------------------- time limit


async def test_a_job_over_the_time_limit_is_killed_with_a_clear_error_and_replaced(
    new_pool, tmp_path: Path
):
    pool = new_pool(time_limit=1.0)
    first_pid = await pool.run(os.getpid)
    started = time.monotonic()

    with pytest.raises(InternalError, match="time limit of 1 s") as raised:
        await pool.run(mark_and_wait, tmp_path / "started")

    assert time.monotonic() - started < PATIENCE / 2
    assert raised.value.details == {"time_limit_seconds": 1.0}
    await until(lambda: gone(first_pid), "the killed worker is gone")
    assert await pool.run(os.getpid) not in (first_pid, os.getpid())


async def test_the_functions_own_timeout_error_is_not_taken_for_the_time_limit(pool):
    with pytest.raises(TimeoutError, match="the function's own timeout"):
        await pool.run(raise_timeout)

    assert await pool.run(page_size, 4) == 4


# ---------------------------------------------------------------- cancellation


async def test_a_running_job_whose_caller_leaves_is_killed(new_pool, tmp_path: Path):
    pool = new_pool()
    started = tmp_path / "started"
    job = asyncio.ensure_future(pool.run(mark_and_wait, started))
    await until(started.exists, "the job runs")
    worker_pid = int(started.read_text())

    job.cancel()

    with pytest.raises(asyncio.CancelledError):
        await job
    await until(lambda: gone(worker_pid), "the worker is killed")
    assert await pool.run(os.getpid) != worker_pid


async def test_a_waiting_job_whose_caller_leaves_never_runs(new_pool, tmp_path: Path):
    pool = new_pool()
    started, go, order = tmp_path / "started", tmp_path / "go", tmp_path / "order"
    running = asyncio.ensure_future(pool.run(mark_and_wait, started, go))
    await until(started.exists, "the first job runs")
    waiting = asyncio.ensure_future(pool.run(append_line, order, "abandoned"))
    await asyncio.sleep(0.1)

    waiting.cancel()
    go.touch()

    with pytest.raises(asyncio.CancelledError):
        await waiting
    worker_pid = await running
    await pool.run(append_line, order, "later")
    assert order.read_text().split() == ["later"]
    assert await pool.run(os.getpid) == worker_pid  # nothing was killed


# ---------------------------------------------------------------- fairness


async def test_accounts_take_turns_and_one_just_served_waits_for_the_others(
    new_pool, tmp_path: Path
):
    pool = new_pool(workers=1)
    started, go, order = tmp_path / "started", tmp_path / "go", tmp_path / "order"
    blocker = as_account("acc_a", lambda: pool.run(mark_and_wait, started, go))
    await until(started.exists, "account a's first job runs")
    queued = [
        as_account(account, lambda label=label: pool.run(append_line, order, label))
        for account, label in [
            ("acc_a", "a1"),
            ("acc_a", "a2"),
            ("acc_a", "a3"),
            ("acc_b", "b1"),
            ("acc_c", "c1"),
            ("acc_b", "b2"),
        ]
    ]
    await asyncio.sleep(0.2)  # every job is queued

    go.touch()
    await asyncio.gather(blocker, *queued)

    assert order.read_text().split() == ["b1", "c1", "a1", "b2", "a2", "a3"]


async def test_an_accounts_backlog_delays_another_account_by_one_running_job_at_most(
    new_pool, tmp_path: Path
):
    pool = new_pool(workers=2)
    order, go = tmp_path / "order", tmp_path / "go"
    running = [
        as_account("acc_busy", lambda n=n: pool.run(mark_and_wait, tmp_path / f"s{n}", go))
        for n in range(2)
    ]
    await until(lambda: all((tmp_path / f"s{n}").exists() for n in range(2)), "both run")
    backlog = [
        as_account("acc_busy", lambda n=n: pool.run(append_line, order, f"busy{n}"))
        for n in range(10)
    ]
    await asyncio.sleep(0.1)
    other = as_account("acc_other", lambda: pool.run(append_line, order, "other"))
    await asyncio.sleep(0.2)

    go.touch()
    await asyncio.gather(*running, *backlog, other)

    assert order.read_text().split().index("other") <= 1


# ---------------------------------------------------------------- closing


async def test_drain_lets_running_jobs_finish_within_the_grace(new_pool, tmp_path: Path):
    pool = new_pool()
    started = tmp_path / "started"
    job = asyncio.ensure_future(pool.run(mark_and_wait, started, None, 0.5))
    await until(started.exists, "the job runs")

    await pool.drain(grace=PATIENCE)

    assert job.done()
    assert isinstance(await job, int)


async def test_after_the_grace_close_kills_busy_workers_and_waiting_jobs_fail_unavailable(
    new_pool, tmp_path: Path
):
    pool = new_pool()
    started = tmp_path / "started"
    running = asyncio.ensure_future(pool.run(mark_and_wait, started))
    await until(started.exists, "the job runs")
    worker_pid = int(started.read_text())
    waiting = asyncio.ensure_future(pool.run(page_size, 1))
    await asyncio.sleep(0.1)
    began = time.monotonic()

    await pool.drain(grace=0.5)
    pool.close()

    assert time.monotonic() - began < PATIENCE / 2
    assert gone(worker_pid)
    with pytest.raises(Unavailable, match="shutting down"):
        await running
    with pytest.raises(Unavailable, match="shutting down"):
        await waiting


async def test_a_closing_pool_refuses_new_jobs(new_pool):
    pool = new_pool()
    await pool.run(os.getpid)

    await pool.drain(grace=0)

    with pytest.raises(Unavailable):
        await pool.run(os.getpid)
    pool.close()
    assert pool.started_workers == 0
