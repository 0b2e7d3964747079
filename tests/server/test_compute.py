"""CPU-heavy work runs in spawned worker processes; results and domain
errors (with their details) come back to the caller."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from neurogate.server.compute import ComputePool
from neurogate.server.datasets.upload import UploadFile, dataset_name, prepare_table
from neurogate.server.errors import InternalError, InvalidParameter, RateLimitExceeded
from neurogate.server.pagination import page_size


@pytest.fixture(scope="module")
def pool() -> Iterator[ComputePool]:
    pool = ComputePool(workers=1)
    yield pool
    pool.close()


def raise_rate_limit() -> None:
    """Module level, so a spawned worker can import it by name."""
    raise RateLimitExceeded("60 calls per minute", retry_after=12)


def test_a_pool_that_never_computes_starts_no_process():
    pool = ComputePool(workers=2)

    pool.close()

    assert pool.workers == 2
    assert pool._executor is None


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


async def test_the_pool_keeps_working_after_an_error(pool):
    with pytest.raises(InvalidParameter):
        await pool.run(page_size, -5)

    assert await pool.run(page_size, 7) == 7


async def test_a_rate_limit_raised_in_the_worker_arrives_and_the_pool_survives():
    pool = ComputePool(workers=1)
    try:
        with pytest.raises(RateLimitExceeded) as raised:
            await pool.run(raise_rate_limit)
        assert raised.value.retry_after == 12
        assert await pool.run(page_size, 3) == 3
    finally:
        pool.close()


async def test_a_worker_that_dies_fails_its_call_and_the_next_call_gets_a_new_worker():
    pool = ComputePool(workers=1)
    try:
        with pytest.raises(InternalError, match="compute worker stopped"):
            await pool.run(os._exit, 1)

        assert await pool.run(dataset_name, "", filename="after.csv") == "after"
    finally:
        pool.close()
