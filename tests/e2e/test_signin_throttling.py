"""Brute-force throttling of sign-ins through the real server and the real
Envoy, with the in-memory limiter and with the real Redis.

Each backend gets its own stack with tight limits: 3 failures per name and
25 per address in a window of 15 s. REST calls all come from 127.0.0.1 (as
Envoy reports it); gRPC calls go straight to the server, whose loopback peer
may name the client's address in ``x-forwarded-for``, so they can come from
distinct documentation addresses (198.51.100.0/24: a header value, nothing
is sent there).
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import grpc
import httpx
import pytest
import pytest_asyncio

from conftest import REDIS_URL, Stack, assert_envelope, redis_client, start_stack, stop_stack
from neurogate.server.auth.accounts import NewAccount
from neurogate.server.auth.tiers import Tier
from neurogate.v1 import auth_pb2, auth_pb2_grpc

PER_NAME = 3
PER_ADDRESS = 25
#: Long enough for a burst of PER_ADDRESS password checks on a busy machine.
WINDOW_SECONDS = 8
PASSWORD = "correct horse battery"
#: A Redis database of its own, so that this module's lockouts of 127.0.0.1
#: never meet another stack's counters.
THROTTLE_REDIS_URL = REDIS_URL.rsplit("/", 1)[0] + "/9"


@dataclass(frozen=True)
class Throttled:
    stack: Stack
    rest: httpx.AsyncClient
    auth: auth_pb2_grpc.AuthServiceStub

    async def user(self) -> tuple[NewAccount, str]:
        """A new account with a user; the user's email."""
        account = await self.stack.accounts.create_account("throttled", Tier.PRO)
        email = f"user-{uuid.uuid4().hex[:12]}@example.org"
        await self.stack.accounts.create_user(account.account_id, email, PASSWORD)
        return account, email

    async def login(self, email: str, password: str) -> httpx.Response:
        return await self.rest.post("/v2/auth/login", json={"email": email, "password": password})


async def _redis_available() -> None:
    await (await redis_client(THROTTLE_REDIS_URL)).aclose()


@pytest_asyncio.fixture(scope="module", params=["memory", "redis"])
async def throttled(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Throttled]:
    settings = {
        "NEUROGATE_AUTH_FAILURES_PER_NAME": str(PER_NAME),
        "NEUROGATE_AUTH_FAILURES_PER_ADDRESS": str(PER_ADDRESS),
        "NEUROGATE_AUTH_FAILURE_WINDOW_SECONDS": str(WINDOW_SECONDS),
    }
    if request.param == "redis":
        await _redis_available()
        settings["NEUROGATE_REDIS_URL"] = THROTTLE_REDIS_URL
    stack = await start_stack(
        tmp_path_factory.mktemp(f"throttle-{request.param}") / "data", **settings
    )
    try:
        async with httpx.AsyncClient(base_url=stack.rest_url, timeout=30) as rest:
            yield Throttled(stack, rest, auth_pb2_grpc.AuthServiceStub(stack.channel()))
    finally:
        await stop_stack(stack)


def refusal(error: grpc.aio.AioRpcError) -> tuple[dict[str, str], dict]:
    """The trailing metadata of a refused gRPC call, and its error envelope."""
    trailers = {key: value for key, value in error.trailing_metadata() or ()}
    return trailers, json.loads(trailers["x-neurogate-error"])["error"]


def assert_locked_out(reply: httpx.Response, limit: int) -> dict:
    error = assert_envelope(reply, 429, "RATE_LIMIT_EXCEEDED")
    retry_after = int(reply.headers["retry-after"])
    assert 1 <= retry_after <= WINDOW_SECONDS
    assert error["details"] == {"retry_after": retry_after, "limit": limit, "window": "lockout"}
    assert reply.headers["x-ratelimit-limit"] == str(limit)
    assert reply.headers["x-ratelimit-remaining"] == "0"
    assert int(reply.headers["x-ratelimit-reset"]) > 0
    return error


# ------------------------------------------------------------ REST, per name


async def test_after_wrong_passwords_the_right_one_is_refused_with_429(throttled: Throttled):
    _, email = await throttled.user()
    _, neighbour = await throttled.user()
    for _ in range(PER_NAME):
        assert_envelope(await throttled.login(email, "wrong password"), 401, "UNAUTHORIZED")

    refused = await throttled.login(email, PASSWORD)

    error = assert_locked_out(refused, PER_NAME)
    assert "too many failed sign-in attempts" in error["message"]
    assert (await throttled.login(neighbour, PASSWORD)).status_code == 200


async def test_an_unknown_email_gets_the_same_lockout_answer(throttled: Throttled):
    _, email = await throttled.user()
    unknown = f"nobody-{uuid.uuid4().hex[:12]}@example.org"
    for name in (email, unknown):
        for _ in range(PER_NAME):
            assert_envelope(await throttled.login(name, "wrong password"), 401, "UNAUTHORIZED")

    known_reply = await throttled.login(email, PASSWORD)
    unknown_reply = await throttled.login(unknown, PASSWORD)

    known, other = (
        assert_locked_out(known_reply, PER_NAME),
        assert_locked_out(unknown_reply, PER_NAME),
    )
    assert known["message"].split(";")[0] == other["message"].split(";")[0]
    assert known_reply.headers.keys() - {"date"} == unknown_reply.headers.keys() - {"date"}


async def test_the_right_password_works_again_once_the_lockout_ends(throttled: Throttled):
    _, email = await throttled.user()
    for _ in range(PER_NAME):
        await throttled.login(email, "wrong password")
    refused = await throttled.login(email, PASSWORD)
    assert refused.status_code == 429

    await asyncio.sleep(int(refused.headers["retry-after"]) + 0.5)

    assert (await throttled.login(email, PASSWORD)).status_code == 200


async def test_client_secret_guessing_is_locked_out_for_tokens_and_api_keys(
    throttled: Throttled,
):
    account, _ = await throttled.user()
    for _ in range(PER_NAME):
        reply = await throttled.rest.post(
            "/v1/auth/token",
            json={
                "client_id": account.client_id,
                "client_secret": "guess",
                "grant_type": "client_credentials",
            },
        )
        assert_envelope(reply, 401, "UNAUTHORIZED")

    token = await throttled.rest.post(
        "/v1/auth/token",
        json={
            "client_id": account.client_id,
            "client_secret": account.client_secret,
            "grant_type": "client_credentials",
        },
    )
    key = await throttled.rest.post(
        "/v1/auth/apikey",
        json={
            "client_id": account.client_id,
            "client_secret": account.client_secret,
            "scope": ["data.read"],
        },
    )

    assert_locked_out(token, PER_NAME)
    assert_locked_out(key, PER_NAME)


# ------------------------------------------------------------ gRPC


async def test_login_over_grpc_is_locked_out_with_retry_after(throttled: Throttled):
    _, email = await throttled.user()
    for _ in range(PER_NAME):
        with pytest.raises(grpc.aio.AioRpcError) as failed:
            await throttled.auth.Login(auth_pb2.LoginRequest(email=email, password="wrong"))
        assert failed.value.code() is grpc.StatusCode.UNAUTHENTICATED

    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await throttled.auth.Login(auth_pb2.LoginRequest(email=email, password=PASSWORD))

    assert refused.value.code() is grpc.StatusCode.RESOURCE_EXHAUSTED
    trailers, error = refusal(refused.value)
    assert error["code"] == "RATE_LIMIT_EXCEEDED"
    assert 1 <= int(trailers["retry-after"]) <= WINDOW_SECONDS
    assert trailers["x-ratelimit-limit"] == str(PER_NAME)


async def test_guessing_many_names_from_one_address_locks_that_address_only(
    throttled: Throttled,
):
    _, email = await throttled.user()
    attacker = (("x-forwarded-for", "198.51.100.7"),)
    guesses = await asyncio.gather(
        *(
            throttled.auth.Login(
                auth_pb2.LoginRequest(email=f"guess-{n}@example.org", password="wrong"),
                metadata=attacker,
            )
            for n in range(PER_ADDRESS)
        ),
        return_exceptions=True,
    )
    assert {g.code() for g in guesses} == {grpc.StatusCode.UNAUTHENTICATED}

    right = auth_pb2.LoginRequest(email=email, password=PASSWORD)
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await throttled.auth.Login(right, metadata=attacker)
    elsewhere = await throttled.auth.Login(right, metadata=(("x-forwarded-for", "198.51.100.8"),))

    assert refused.value.code() is grpc.StatusCode.RESOURCE_EXHAUSTED
    assert refusal(refused.value)[1]["details"]["limit"] == PER_ADDRESS
    assert elsewhere.access_token


async def test_a_rest_client_cannot_escape_the_address_lock_with_its_own_forwarded_for(
    throttled: Throttled,
):
    """Envoy appends the address it saw and the server counts that one, so
    guesses that each claim another address still lock 127.0.0.1 out. (Bursts
    of guesses until the lock shows, in case a window closes mid-burst.)"""
    _, email = await throttled.user()

    async def spoofed_guess(n: int) -> httpx.Response:
        return await throttled.rest.post(
            "/v2/auth/login",
            json={"email": f"spoof-{uuid.uuid4().hex[:12]}@example.org", "password": "wrong"},
            headers={"x-forwarded-for": f"198.51.100.{n % 250}"},
        )

    for _ in range(3):
        burst = await asyncio.gather(*(spoofed_guess(n) for n in range(PER_ADDRESS)))
        assert {reply.status_code for reply in burst} <= {401, 429}
        refused = await throttled.login(email, PASSWORD)
        if refused.status_code == 429:
            break
    assert_locked_out(refused, PER_ADDRESS)
    # Leave 127.0.0.1 unlocked for whatever runs next.
    await asyncio.sleep(int(refused.headers["retry-after"]) + 0.5)
