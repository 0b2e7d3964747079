"""Per-account rate limits: the same budget for REST and gRPC callers, the
headers on every response, 429 with Retry-After, and one budget shared by
replicas through Redis."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import httpx
import pytest
import pytest_asyncio

from conftest import (
    REDIS_URL,
    NewCaller,
    Stack,
    assert_envelope,
    grpc_token,
    redis_client,
    server_process,
)
from neurogate.server.auth.tiers import POLICIES, Tier
from neurogate.v1 import data_pb2, data_pb2_grpc

PRO_PER_MINUTE = POLICIES[Tier.PRO].limits.per_minute


def metadata_dict(metadata: grpc.aio.Metadata | None) -> dict[str, str]:
    return {key: value for key, value in (metadata or ())}


async def test_every_response_carries_rate_limit_headers(
    new_caller: NewCaller, rest: httpx.AsyncClient
):
    caller = await new_caller()
    ok = await rest.get("/v1/datasets", headers=caller.headers)
    failed = await rest.get("/v1/datasets/ds_missing", headers=caller.headers)
    for reply in (ok, failed):
        assert reply.headers["x-ratelimit-limit"] == str(PRO_PER_MINUTE)
        assert int(reply.headers["x-ratelimit-reset"]) > time.time()
    assert (
        int(failed.headers["x-ratelimit-remaining"]) == int(ok.headers["x-ratelimit-remaining"]) - 1
    )


async def test_grpc_callers_get_the_same_headers_as_metadata(stack: Stack, new_caller: NewCaller):
    caller = await new_caller()
    stub = data_pb2_grpc.DataServiceStub(stack.channel())
    call = stub.ListDatasets(data_pb2.ListDatasetsRequest(), metadata=caller.metadata)
    await call
    headers = metadata_dict(await call.initial_metadata())
    assert headers["x-ratelimit-limit"] == str(PRO_PER_MINUTE)
    assert headers["x-request-id"].startswith("req_")
    failing = stub.GetDataset(
        data_pb2.GetDatasetRequest(dataset_id="ds_x"), metadata=caller.metadata
    )
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await failing
    assert raised.value.code() is grpc.StatusCode.NOT_FOUND
    assert "x-ratelimit-remaining" in metadata_dict(raised.value.trailing_metadata())


async def list_datasets_over_grpc(
    stub: data_pb2_grpc.DataServiceStub, metadata: tuple[tuple[str, str], ...]
) -> tuple[dict[str, str], grpc.aio.AioRpcError | None]:
    """One ListDatasets call: its headers, and the error if it was refused."""
    call = stub.ListDatasets(data_pb2.ListDatasetsRequest(), metadata=metadata)
    try:
        await call
    except grpc.aio.AioRpcError as error:
        assert error.code() is grpc.StatusCode.RESOURCE_EXHAUSTED
        return metadata_dict(error.trailing_metadata()), error
    return metadata_dict(await call.initial_metadata()), None


async def exhaust_minute(call_once, limit: int) -> tuple[list[dict[str, str]], object]:
    """Calls until refused within one minute window; returns the headers of the
    allowed calls and the refusal. Restarts if a window boundary is crossed."""
    while True:
        allowed: list[dict[str, str]] = []
        window = None
        while True:
            headers, refusal = await call_once()
            if refusal is not None:
                return allowed, refusal
            if window is not None and headers["x-ratelimit-reset"] != window:
                break  # a new minute began: count again
            window = headers["x-ratelimit-reset"]
            allowed.append(headers)
            assert len(allowed) <= limit, "more calls allowed than the limit"


async def test_over_the_limit_is_429_with_retry_after(
    new_caller: NewCaller, rest: httpx.AsyncClient
):
    caller = await new_caller()
    last: dict[str, httpx.Response] = {}

    async def call_once():
        reply = await rest.get("/v1/datasets", headers=caller.headers)
        last["reply"] = reply
        return dict(reply.headers), (reply if reply.status_code == 429 else None)

    allowed, refusal = await exhaust_minute(call_once, PRO_PER_MINUTE)
    assert len(allowed) == PRO_PER_MINUTE
    assert [int(h["x-ratelimit-remaining"]) for h in allowed[-3:]] == [2, 1, 0]
    error = assert_envelope(refusal, 429, "RATE_LIMIT_EXCEEDED")
    assert error["details"]["window"] == "minute"
    assert 1 <= int(refusal.headers["retry-after"]) <= 60
    assert refusal.headers["x-ratelimit-remaining"] == "0"


async def test_rest_and_grpc_calls_share_one_budget(
    stack: Stack, new_caller: NewCaller, rest: httpx.AsyncClient
):
    caller = await new_caller()
    stub = data_pb2_grpc.DataServiceStub(stack.channel())
    calls = 0

    async def call_once():
        nonlocal calls
        calls += 1
        if calls % 2:
            reply = await rest.get("/v1/datasets", headers=caller.headers)
            return dict(reply.headers), (reply if reply.status_code == 429 else None)
        return await list_datasets_over_grpc(stub, caller.metadata)

    allowed, _ = await exhaust_minute(call_once, PRO_PER_MINUTE)
    assert len(allowed) == PRO_PER_MINUTE


# ----------------------------------------------------------- Redis, replicas


@pytest_asyncio.fixture
async def redis_url() -> AsyncIterator[str]:
    await (await redis_client(REDIS_URL)).aclose()
    yield REDIS_URL


async def test_replicas_sharing_redis_share_one_budget(tmp_path: Path, redis_url: str):
    """Two server processes on one database and one Redis: an account's calls
    to either count against the same per-minute budget."""
    shared = {
        "NEUROGATE_DATABASE_URL": f"sqlite:///{tmp_path / 'shared.db'}",
        "NEUROGATE_REDIS_URL": redis_url,
    }
    async with (
        server_process(tmp_path / "data", **shared) as first,
        server_process(tmp_path / "data", **shared) as second,
        grpc.aio.insecure_channel(first.settings.grpc_target) as first_channel,
        grpc.aio.insecure_channel(second.settings.grpc_target) as second_channel,
    ):
        account = await first.accounts.create_account("replicated", Tier.PRO)
        metadata = (("authorization", f"Bearer {await grpc_token(first_channel, account)}"),)
        stubs = [data_pb2_grpc.DataServiceStub(c) for c in (first_channel, second_channel)]
        calls = 0

        async def call_once():
            nonlocal calls
            calls += 1
            return await list_datasets_over_grpc(stubs[calls % 2], metadata)

        allowed, _ = await exhaust_minute(call_once, PRO_PER_MINUTE)
    assert len(allowed) == PRO_PER_MINUTE


async def test_operators_can_override_a_tiers_limits(tmp_path: Path):
    async with server_process(tmp_path / "data", NEUROGATE_TIER_LIMITS="pro=3/1000") as server:
        account = await server.accounts.create_account("tight", Tier.PRO)
        async with grpc.aio.insecure_channel(server.settings.grpc_target) as channel:
            metadata = (("authorization", f"Bearer {await grpc_token(channel, account)}"),)
            stub = data_pb2_grpc.DataServiceStub(channel)
            headers, refusal = await list_datasets_over_grpc(stub, metadata)
    assert refusal is None
    assert headers["x-ratelimit-limit"] == "3"
