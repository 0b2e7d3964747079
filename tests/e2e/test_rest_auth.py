"""Authentication, authorization and tenancy over REST, through the real Envoy."""

from __future__ import annotations

import base64
import json
import time

import httpx
from jose import jwt

from conftest import JWT_SECRET, NewCaller, Stack, assert_envelope
from neurogate.server.auth.tiers import Tier
from neurogate.server.settings import JWT_AUDIENCE, JWT_ISSUER


def forged(account_id: str, **changes: object) -> str:
    now = int(time.time())
    claims = {
        "iss": JWT_ISSUER,
        "aud": JWT_AUDIENCE,
        "sub": "cli_x",
        "iat": now,
        "exp": now + 600,
        "jti": "tok_x",
        "acc": account_id,
        "kind": "client",
        "scope": "data.read",
    }
    claims.update(changes)
    return jwt.encode(
        {k: v for k, v in claims.items() if v is not None}, JWT_SECRET, algorithm="HS256"
    )


def b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


async def test_client_credentials_give_a_bearer_token(stack: Stack, rest: httpx.AsyncClient):
    account = await stack.accounts.create_account("alice", Tier.PRO)
    reply = await rest.post(
        "/v1/auth/token",
        json={
            "client_id": account.client_id,
            "client_secret": account.client_secret,
            "grant_type": "client_credentials",
        },
    )
    assert reply.status_code == 200
    body = reply.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    assert "data.read" in body["scope"].split()
    listed = await rest.get(
        "/v1/datasets", headers={"authorization": f"Bearer {body['access_token']}"}
    )
    assert listed.status_code == 200
    assert listed.json() == {"datasets": [], "total": 0, "next_page_token": ""}


async def test_wrong_secret_is_401_without_saying_which_part_is_wrong(
    stack: Stack, rest: httpx.AsyncClient
):
    account = await stack.accounts.create_account("bob", Tier.PRO)
    wrong_secret = await rest.post(
        "/v1/auth/token",
        json={
            "client_id": account.client_id,
            "client_secret": "nope",
            "grant_type": "client_credentials",
        },
    )
    unknown_client = await rest.post(
        "/v1/auth/token",
        json={
            "client_id": "cli_unknown",
            "client_secret": "nope",
            "grant_type": "client_credentials",
        },
    )
    first = assert_envelope(wrong_secret, 401, "UNAUTHORIZED")
    second = assert_envelope(unknown_client, 401, "UNAUTHORIZED")
    assert first["message"] == second["message"]


async def test_unsupported_grant_type_names_the_valid_one(stack: Stack, rest: httpx.AsyncClient):
    account = await stack.accounts.create_account("carol", Tier.PRO)
    reply = await rest.post(
        "/v1/auth/token",
        json={
            "client_id": account.client_id,
            "client_secret": account.client_secret,
            "grant_type": "password",
        },
    )
    error = assert_envelope(reply, 400, "INVALID_PARAMETER")
    assert error["details"]["parameter"] == "grant_type"
    assert error["details"]["valid_choices"] == ["client_credentials"]


async def test_call_without_token_is_401_unauthorized(rest: httpx.AsyncClient):
    assert_envelope(await rest.get("/v1/datasets"), 401, "UNAUTHORIZED")


async def test_malformed_authorization_header_is_401_invalid_token(rest: httpx.AsyncClient):
    reply = await rest.get("/v1/datasets", headers={"authorization": "Token abc"})
    assert_envelope(reply, 401, "INVALID_TOKEN")


async def test_token_with_bad_signature_is_refused(new_caller: NewCaller, rest: httpx.AsyncClient):
    caller = await new_caller()
    tampered = caller.token[:-4] + ("AAAA" if not caller.token.endswith("AAAA") else "BBBB")
    reply = await rest.get("/v1/datasets", headers={"authorization": f"Bearer {tampered}"})
    assert assert_envelope(reply, 401, "INVALID_TOKEN")["details"]["reason"] == "signature"


async def test_expired_token_is_refused_with_a_message_that_says_so(
    new_caller: NewCaller, rest: httpx.AsyncClient
):
    caller = await new_caller()
    token = forged(caller.account_id, iat=int(time.time()) - 7200, exp=int(time.time()) - 3600)
    reply = await rest.get("/v1/datasets", headers={"authorization": f"Bearer {token}"})
    error = assert_envelope(reply, 401, "INVALID_TOKEN")
    assert "expired" in error["message"]
    assert error["details"]["reason"] == "expired"


async def test_alg_none_token_is_refused(new_caller: NewCaller, rest: httpx.AsyncClient):
    caller = await new_caller()
    now = int(time.time())
    payload = {
        "iss": JWT_ISSUER,
        "aud": JWT_AUDIENCE,
        "sub": "cli_x",
        "iat": now,
        "exp": now + 600,
        "jti": "t",
        "acc": caller.account_id,
        "kind": "client",
        "scope": "data.read",
    }
    token = f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64(payload)}."
    reply = await rest.get("/v1/datasets", headers={"authorization": f"Bearer {token}"})
    assert assert_envelope(reply, 401, "INVALID_TOKEN")["details"]["reason"] == "algorithm"


async def test_token_for_another_audience_is_refused(
    new_caller: NewCaller, rest: httpx.AsyncClient
):
    caller = await new_caller()
    token = forged(caller.account_id, aud="some-other-api")
    reply = await rest.get("/v1/datasets", headers={"authorization": f"Bearer {token}"})
    assert assert_envelope(reply, 401, "INVALID_TOKEN")["details"]["reason"] == "claims"


async def test_free_tier_may_authenticate_but_every_call_is_403(
    new_caller: NewCaller, rest: httpx.AsyncClient
):
    caller = await new_caller(Tier.FREE)
    reply = await rest.get("/v1/datasets", headers=caller.headers)
    error = assert_envelope(reply, 403, "INSUFFICIENT_PERMISSIONS")
    assert error["details"]["tier"] == "free"
    assert reply.headers["x-ratelimit-limit"] == "0"


async def test_token_without_the_methods_scope_is_403(
    new_caller: NewCaller, rest: httpx.AsyncClient
):
    caller = await new_caller(scope="data.read")
    assert (await rest.get("/v1/datasets", headers=caller.headers)).status_code == 200
    reply = await rest.post(
        "/v1/datasets", headers=caller.headers, json={"name": "study", "type": "eeg"}
    )
    error = assert_envelope(reply, 403, "INSUFFICIENT_PERMISSIONS")
    assert error["details"]["required_scope"] == "data.write"
    assert error["details"]["granted_scopes"] == ["data.read"]


async def test_tier_change_applies_to_the_next_call(
    stack: Stack, new_caller: NewCaller, rest: httpx.AsyncClient
):
    caller = await new_caller()
    assert (await rest.get("/v1/datasets", headers=caller.headers)).status_code == 200
    await stack.accounts.set_tier(caller.account_id, Tier.FREE)
    assert (await rest.get("/v1/datasets", headers=caller.headers)).status_code == 403


async def test_another_accounts_dataset_is_404_exactly_like_a_missing_one(
    new_caller: NewCaller, rest: httpx.AsyncClient
):
    owner, intruder = await new_caller(), await new_caller()
    created = await rest.post(
        "/v1/datasets", headers=owner.headers, json={"name": "private study", "type": "eeg"}
    )
    dataset_id = created.json()["dataset_id"]
    theirs = await rest.get(f"/v1/datasets/{dataset_id}", headers=intruder.headers)
    missing = await rest.get("/v1/datasets/ds_000000000000000000000000", headers=intruder.headers)
    deleted = await rest.delete(f"/v1/datasets/{dataset_id}", headers=intruder.headers)
    for reply in (theirs, missing, deleted):
        assert_envelope(reply, 404, "INVALID_DATASET")
    assert theirs.json()["error"]["message"].replace(dataset_id, "ID") == missing.json()["error"][
        "message"
    ].replace("ds_000000000000000000000000", "ID")
    still_there = await rest.get(f"/v1/datasets/{dataset_id}", headers=owner.headers)
    assert still_there.status_code == 200
    listed = await rest.get("/v1/datasets", headers=intruder.headers)
    assert listed.json()["total"] == 0


async def test_user_login_gives_a_token(stack: Stack, rest: httpx.AsyncClient):
    account = await stack.accounts.create_account("lab", Tier.PRO)
    await stack.accounts.create_user(account.account_id, "Ada@Example.org", "correct horse battery")
    reply = await rest.post(
        "/v2/auth/login", json={"email": "ada@example.org", "password": "correct horse battery"}
    )
    assert reply.status_code == 200
    token = reply.json()["access_token"]
    assert (
        await rest.get("/v1/datasets", headers={"authorization": f"Bearer {token}"})
    ).status_code == 200
    wrong = await rest.post("/v2/auth/login", json={"email": "ada@example.org", "password": "nope"})
    assert_envelope(wrong, 401, "UNAUTHORIZED")


async def test_api_key_is_a_scoped_bearer_token_revoked_at_once(
    stack: Stack, rest: httpx.AsyncClient
):
    account = await stack.accounts.create_account("keys", Tier.PRO)
    created = await rest.post(
        "/v1/auth/apikey",
        json={
            "client_id": account.client_id,
            "client_secret": account.client_secret,
            "scope": ["data.read", "apikeys.write"],
            "name": "ci",
        },
    )
    assert created.status_code == 200, created.text
    key = created.json()
    assert key["key_id"].startswith("key_")
    assert sorted(key["scope"]) == ["apikeys.write", "data.read"]
    headers = {"authorization": f"Bearer {key['api_key']}"}
    assert (await rest.get("/v1/datasets", headers=headers)).status_code == 200
    refused = await rest.post("/v1/datasets", headers=headers, json={"name": "x", "type": "eeg"})
    assert_envelope(refused, 403, "INSUFFICIENT_PERMISSIONS")

    revoked = await rest.delete(f"/v1/auth/apikeys/{key['key_id']}", headers=headers)
    assert revoked.status_code == 200, revoked.text
    after = await rest.get("/v1/datasets", headers=headers)
    assert "revoked" in assert_envelope(after, 401, "INVALID_TOKEN")["message"]


async def test_api_key_with_unknown_scope_lists_the_valid_scopes(
    stack: Stack, rest: httpx.AsyncClient
):
    account = await stack.accounts.create_account("keys2", Tier.PRO)
    reply = await rest.post(
        "/v1/auth/apikey",
        json={
            "client_id": account.client_id,
            "client_secret": account.client_secret,
            "scope": ["data.everything"],
        },
    )
    error = assert_envelope(reply, 400, "INVALID_PARAMETER")
    assert error["details"]["value"] == "data.everything"
    assert "data.read" in error["details"]["valid_choices"]


async def test_admin_revocation_of_an_api_key_applies_at_once(
    stack: Stack, rest: httpx.AsyncClient
):
    account = await stack.accounts.create_account("keys3", Tier.PRO)
    key = (
        await rest.post(
            "/v1/auth/apikey",
            json={
                "client_id": account.client_id,
                "client_secret": account.client_secret,
                "scope": ["data.read"],
            },
        )
    ).json()
    headers = {"authorization": f"Bearer {key['api_key']}"}
    assert (await rest.get("/v1/datasets", headers=headers)).status_code == 200
    await stack.accounts.revoke_api_key(key["key_id"])
    assert_envelope(await rest.get("/v1/datasets", headers=headers), 401, "INVALID_TOKEN")
