"""Compute work stays bounded (issue 12): absurd hyperparameters are
refused, a job over the time limit or whose caller leaves is stopped, other
accounts' calls still get answers, and SIGTERM during a long job exits
within the grace."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import numpy as np
import pandas as pd
import pytest
import pytest_asyncio

from conftest import (
    Caller,
    NewCaller,
    Stack,
    assert_envelope,
    issue_token,
    start_stack,
    stop_stack,
    upload_frame,
)
from neurogate.server.auth.tiers import Tier

#: Seconds a job may run in the stack these tests start.
TIME_LIMIT = 15
#: A valid training that runs for minutes: 10,000 epochs that never stop early.
SLOW_NETWORK = {
    "hidden_layer_sizes": [256, 256],
    "max_iter": 10000,
    "tol": 0,
    "n_iter_no_change": 10000,
}


def numbers(rows: int = 2000) -> pd.DataFrame:
    rng = np.random.default_rng(1)
    frame = pd.DataFrame(rng.normal(0, 1, (rows, 10)), columns=[f"x{i}" for i in range(10)])
    frame["y"] = frame.sum(axis=1) + rng.normal(0, 1, rows)
    return frame.round(4)


def training(dataset_id: str, model_type: str, hyperparameters: dict) -> dict:
    return {
        "dataset_id": dataset_id,
        "target": "y",
        "task": "regression",
        "model_type": model_type,
        "hyperparameters": hyperparameters,
    }


async def caller_of(stack: Stack, name: str) -> Caller:
    account = await stack.accounts.create_account(name, Tier.PRO)
    return Caller(account, await issue_token(stack.rest_url, account))


async def analysis(rest: httpx.AsyncClient, caller: Caller, dataset_id: str) -> httpx.Response:
    return await rest.post(
        "/v1/analysis/descriptive",
        headers=caller.headers,
        json={"dataset_id": dataset_id, "columns": ["x0"]},
        timeout=120,
    )


# ---------------------------------------------------------------- bounds


async def test_absurd_trainings_are_refused_with_the_allowed_range_and_others_get_answers(
    new_caller: NewCaller, rest: httpx.AsyncClient
):
    prober, other = await new_caller(), await new_caller()
    probe_set = await upload_frame(rest, prober, numbers(), "probe")
    other_set = await upload_frame(rest, other, numbers(), "other")
    absurd = training(probe_set, "random_forest", {"n_estimators": 1_000_000_000})

    replies = await asyncio.gather(
        *(rest.post("/v1/ml/train", headers=prober.headers, json=absurd) for _ in range(2))
    )
    answered = await analysis(rest, other, other_set)

    for reply in replies:
        error = assert_envelope(reply, 400, "INVALID_PARAMETER")
        assert error["details"] == {
            "parameter": "hyperparameters.n_estimators",
            "value": 1_000_000_000,
            "minimum": 1,
            "maximum": 2000,
        }
        assert "n_estimators=1000000000" in error["message"]
        assert "1 to 2,000" in error["message"]
    assert answered.status_code == 200, answered.text
    listed = await rest.get("/v1/models", headers=prober.headers)
    assert [m for m in listed.json()["models"] if not m["model_id"].startswith("builtin")] == []


# ---------------------------------------------------------------- long jobs


@pytest_asyncio.fixture(scope="module")
async def limited(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    """A stack (one compute worker) whose jobs may run TIME_LIMIT seconds."""
    running = await start_stack(
        tmp_path_factory.mktemp("limited") / "data", NEUROGATE_COMPUTE_TIMEOUT=str(TIME_LIMIT)
    )
    yield running
    await stop_stack(running)


async def test_a_training_over_the_time_limit_is_stopped_and_another_account_gets_answers(
    limited: Stack,
):
    slow, other = await caller_of(limited, "slow"), await caller_of(limited, "other")
    async with httpx.AsyncClient(base_url=limited.rest_url, timeout=120) as rest:
        slow_set = await upload_frame(rest, slow, numbers(), "slow")
        other_set = await upload_frame(rest, other, numbers(), "other")
        training_call = asyncio.ensure_future(
            rest.post(
                "/v1/ml/train",
                headers=slow.headers,
                json=training(slow_set, "neural_network", SLOW_NETWORK),
            )
        )
        await asyncio.sleep(2)
        answered = await analysis(rest, other, other_set)
        stopped = await training_call
        listed = await rest.get("/v1/models", headers=slow.headers)

    assert answered.status_code == 200, answered.text
    error = assert_envelope(stopped, 500, "INTERNAL")
    assert f"time limit of {TIME_LIMIT} s" in error["message"]
    assert error["details"] == {"time_limit_seconds": TIME_LIMIT}
    assert [m for m in listed.json()["models"] if not m["model_id"].startswith("builtin")] == []


async def test_a_training_whose_caller_leaves_is_stopped_and_frees_the_worker(limited: Stack):
    leaving, other = await caller_of(limited, "leaving"), await caller_of(limited, "other")
    async with httpx.AsyncClient(base_url=limited.rest_url, timeout=120) as rest:
        leaving_set = await upload_frame(rest, leaving, numbers(), "leaving")
        other_set = await upload_frame(rest, other, numbers(), "other")
        began = time.monotonic()
        with pytest.raises(httpx.ReadTimeout):
            await rest.post(
                "/v1/ml/train",
                headers=leaving.headers,
                json=training(leaving_set, "neural_network", SLOW_NETWORK),
                timeout=3,
            )
        answered = await analysis(rest, other, other_set)
        waited = time.monotonic() - began

    assert answered.status_code == 200, answered.text
    # Had the training kept its worker, the analysis would have waited for
    # its time limit.
    assert waited < TIME_LIMIT - 5


# ---------------------------------------------------------------- shutdown


def children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            found += [int(child) for child in (task / "children").read_text().split()]
    return found


def running(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


async def test_sigterm_during_a_long_training_exits_within_the_grace(tmp_path: Path):
    grace = 5
    stack = await start_stack(tmp_path / "data", NEUROGATE_SHUTDOWN_GRACE=str(grace))
    try:
        caller = await caller_of(stack, "sigterm")
        async with httpx.AsyncClient(base_url=stack.rest_url, timeout=120) as rest:
            dataset_id = await upload_frame(rest, caller, numbers(), "sigterm")
            training_call = asyncio.ensure_future(
                rest.post(
                    "/v1/ml/train",
                    headers=caller.headers,
                    json=training(dataset_id, "neural_network", SLOW_NETWORK),
                )
            )
            await asyncio.sleep(3)
            workers = children(stack.server.pid)
            began = time.monotonic()
            stack.server.send_signal(signal.SIGTERM)
            exit_code = await asyncio.to_thread(stack.server.wait, 60)
            took = time.monotonic() - began
            stopped = await training_call
    finally:
        await stop_stack(stack)

    assert exit_code == 0, stack.server_log()
    assert took < grace + 10, stack.server_log()
    assert stopped.status_code >= 500
    assert workers and not any(running(pid) for pid in workers)
