"""Brute-force throttling of secret checks, through CredentialService on a
real SQLite database and the in-memory limiter (and, where replicas share
counts, the real Redis on 127.0.0.1:6379).

Policy here: 3 failures per name and 5 per address in a 60 s window (1 s where
a test waits for the window to close).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from conftest import redis_client
from neurogate.server.auth.accounts import AccountAdmin, NewAccount
from neurogate.server.auth.credentials import CredentialService
from neurogate.server.auth.throttle import (
    CredentialThrottle,
    SignInLocked,
    ThrottlePolicy,
    address_key,
)
from neurogate.server.auth.tiers import Tier
from neurogate.server.auth.tokens import TokenService
from neurogate.server.errors import InvalidParameter, RateLimitExceeded, Unauthorized
from neurogate.server.ratelimit import MemoryRateLimiter, RedisRateLimiter
from neurogate.server.storage.database import Database

PASSWORD = "a long enough password"
EMAIL = "alice@example.com"
GRANT = "client_credentials"
ATTACKER = "198.51.100.7"
REDIS_URL = "redis://127.0.0.1:6379/0"
POLICY = ThrottlePolicy(failures_per_name=3, failures_per_address=5, window_seconds=60)


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(f"sqlite:///{tmp_path / 'neurogate.db'}")
    await database.migrate()
    yield database
    await database.close()


@pytest.fixture
def admin(db: Database) -> AccountAdmin:
    return AccountAdmin(db)


def service(db: Database, policy: ThrottlePolicy = POLICY) -> CredentialService:
    tokens = TokenService("throttle-test-key-" + "k" * 32, issuer="neurogate", audience="api")
    return CredentialService(db, tokens, 900, CredentialThrottle(MemoryRateLimiter(), policy))


@pytest.fixture
def credentials(db: Database) -> CredentialService:
    return service(db)


@pytest.fixture
async def pro(admin: AccountAdmin) -> NewAccount:
    account = await admin.create_account("Pro Labs", Tier.PRO)
    await admin.create_user(account.account_id, EMAIL, PASSWORD)
    return account


async def fail_logins(credentials: CredentialService, n: int, email: str = EMAIL, **kw) -> None:
    for _ in range(n):
        with pytest.raises(Unauthorized):
            await credentials.login(email, "wrong password!", **kw)


# ------------------------------------------------------------ per name


async def test_after_the_allowed_failures_even_the_right_password_is_refused(credentials, pro):
    await fail_logins(credentials, 3)

    with pytest.raises(SignInLocked) as locked:
        await credentials.login(EMAIL, PASSWORD)

    assert isinstance(locked.value, RateLimitExceeded)
    assert locked.value.code == "RATE_LIMIT_EXCEEDED"
    assert 1 <= locked.value.retry_after <= 60
    assert locked.value.details == {
        "retry_after": locked.value.retry_after,
        "limit": 3,
        "window": "lockout",
    }
    assert locked.value.headers["x-ratelimit-limit"] == "3"
    assert locked.value.headers["x-ratelimit-remaining"] == "0"


async def test_the_right_password_works_again_once_the_window_closes(db, pro):
    credentials = service(db, ThrottlePolicy(2, 100, window_seconds=1))
    await fail_logins(credentials, 2)
    with pytest.raises(SignInLocked):
        await credentials.login(EMAIL, PASSWORD)

    await asyncio.sleep(1.2)

    assert (await credentials.login(EMAIL, PASSWORD)).issued.token


async def test_an_unknown_email_is_locked_out_with_the_same_answer(credentials, pro):
    await fail_logins(credentials, 3, EMAIL)
    await fail_logins(credentials, 3, "nobody@example.com")

    with pytest.raises(SignInLocked) as known:
        await credentials.login(EMAIL, PASSWORD)
    with pytest.raises(SignInLocked) as unknown:
        await credentials.login("nobody@example.com", PASSWORD)

    assert known.value.message.split(";")[0] == unknown.value.message.split(";")[0]
    assert known.value.details.keys() == unknown.value.details.keys()
    assert known.value.details["limit"] == unknown.value.details["limit"]


async def test_emails_are_counted_as_normalised(credentials, pro):
    await fail_logins(credentials, 3, "  Alice@Example.COM ")

    with pytest.raises(SignInLocked):
        await credentials.login(EMAIL, PASSWORD)


async def test_a_locked_name_does_not_lock_other_names(credentials, admin, pro):
    await admin.create_user(pro.account_id, "bob@example.com", PASSWORD)
    await fail_logins(credentials, 3)

    assert await credentials.login("bob@example.com", PASSWORD)


async def test_successful_logins_do_not_count(credentials, pro):
    for _ in range(10):
        await credentials.login(EMAIL, PASSWORD, address=ATTACKER)

    await fail_logins(credentials, 2)
    assert await credentials.login(EMAIL, PASSWORD)


async def test_a_success_does_not_reset_earlier_failures(credentials, pro):
    await fail_logins(credentials, 2)
    await credentials.login(EMAIL, PASSWORD)
    await fail_logins(credentials, 1)

    with pytest.raises(SignInLocked):
        await credentials.login(EMAIL, PASSWORD)


async def test_a_missing_field_is_not_a_failed_check(credentials, pro):
    for _ in range(5):
        with pytest.raises(InvalidParameter):
            await credentials.login(EMAIL, "")

    assert await credentials.login(EMAIL, PASSWORD)


async def test_concurrent_guesses_get_exactly_the_allowance(credentials, pro):
    outcomes = await asyncio.gather(
        *(credentials.login(EMAIL, f"guess {n}") for n in range(12)), return_exceptions=True
    )

    assert sum(isinstance(o, Unauthorized) for o in outcomes) == 3
    assert sum(isinstance(o, SignInLocked) for o in outcomes) == 9


# ------------------------------------------------------------ per address


async def test_guessing_many_names_from_one_address_locks_the_address(credentials, admin, pro):
    for n in range(5):
        await fail_logins(credentials, 1, f"user{n}@example.com", address=ATTACKER)

    with pytest.raises(SignInLocked) as locked:
        await credentials.login(EMAIL, PASSWORD, address=ATTACKER)
    assert locked.value.details["limit"] == 5
    assert await credentials.login(EMAIL, PASSWORD, address="203.0.113.9")


async def test_a_success_from_the_address_does_not_reset_its_count(credentials, pro):
    for n in range(4):
        await fail_logins(credentials, 1, f"user{n}@example.com", address=ATTACKER)
    await credentials.login(EMAIL, PASSWORD, address=ATTACKER)
    await fail_logins(credentials, 1, "user9@example.com", address=ATTACKER)

    with pytest.raises(SignInLocked):
        await credentials.login(EMAIL, PASSWORD, address=ATTACKER)


async def test_a_name_refused_by_the_address_lock_spends_nothing_of_its_own(credentials, pro):
    for n in range(5):
        await fail_logins(credentials, 1, f"user{n}@example.com", address=ATTACKER)
    for _ in range(5):
        with pytest.raises(SignInLocked):
            await credentials.login(EMAIL, "wrong password!", address=ATTACKER)

    assert await credentials.login(EMAIL, PASSWORD, address="203.0.113.9")


@pytest.mark.parametrize(
    ("address", "counted_as"),
    [
        ("198.51.100.7", "198.51.100.7"),
        ("::ffff:198.51.100.7", "198.51.100.7"),
        ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64"),
        ("2001:db8:1:3::1", "2001:db8:1:3::/64"),
    ],
)
def test_an_ipv6_client_counts_as_its_slash_64(address, counted_as):
    assert address_key(address) == counted_as


# ------------------------------------------------------------ client secrets


async def test_client_secrets_are_throttled_for_tokens_and_api_keys_alike(credentials, pro):
    for _ in range(2):
        with pytest.raises(Unauthorized):
            await credentials.issue_client_token(pro.client_id, "wrong", GRANT, "")
    with pytest.raises(Unauthorized):
        await credentials.create_api_key(pro.client_id, "wrong", ["data.read"], "k", 30)

    with pytest.raises(SignInLocked):
        await credentials.issue_client_token(pro.client_id, pro.client_secret, GRANT, "")
    with pytest.raises(SignInLocked):
        await credentials.create_api_key(pro.client_id, pro.client_secret, ["data.read"], "k", 30)


async def test_client_ids_and_emails_are_counted_apart(credentials, pro):
    await fail_logins(credentials, 3)

    assert await credentials.issue_client_token(pro.client_id, pro.client_secret, GRANT, "")


# ------------------------------------------------------------ stored keys


async def test_names_are_stored_hashed_and_counts_shared_through_redis(db, pro):
    client = await redis_client(REDIS_URL)
    prefix = f"neurogate-test:throttle:{uuid.uuid4().hex}"
    limiters = [RedisRateLimiter(REDIS_URL, prefix=prefix) for _ in range(2)]
    tokens = TokenService("throttle-test-key-" + "k" * 32, issuer="neurogate", audience="api")
    replicas = [
        CredentialService(db, tokens, 900, CredentialThrottle(limiter, POLICY))
        for limiter in limiters
    ]
    try:
        for n in range(3):
            await fail_logins(replicas[n % 2], 1, address=ATTACKER)
        with pytest.raises(SignInLocked):
            await replicas[1].login(EMAIL, PASSWORD, address=ATTACKER)
        keys = sorted([key.decode() async for key in client.scan_iter(match=f"{prefix}:*")])
    finally:
        for limiter in limiters:
            await limiter.close()
        stored = [key async for key in client.scan_iter(match=f"{prefix}:*")]
        if stored:
            await client.delete(*stored)
        await client.aclose()

    assert len(keys) == 2
    assert keys[0] == f"{prefix}:signin:address:{ATTACKER}:a"
    assert keys[1].startswith(f"{prefix}:signin:user:")
    assert "alice" not in keys[1]
