"""JWT access tokens: HS256 only, every registered claim required and checked."""

from __future__ import annotations

import base64
import json
import time
from datetime import UTC, datetime

import pytest
from jose import jwt

from neurogate.server.auth.principal import CredentialKind
from neurogate.server.auth.tokens import TokenService
from neurogate.server.errors import InvalidToken

SECRET = "unit-test-signing-key-" + "s" * 32
ISSUER = "neurogate"
AUDIENCE = "neurogate-api"


@pytest.fixture
def tokens() -> TokenService:
    return TokenService(SECRET, issuer=ISSUER, audience=AUDIENCE)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _claims(**overrides) -> dict:
    now = int(time.time())
    claims = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "cli_1",
        "iat": now,
        "exp": now + 600,
        "jti": "tok_1",
        "acc": "acc_1",
        "kind": "client",
        "scope": "data.read data.write",
    }
    claims.update(overrides)
    return {key: value for key, value in claims.items() if value is not None}


def _hand_made(header: dict, claims: dict, signature: bytes = b"") -> str:
    return ".".join(
        [_b64(json.dumps(header).encode()), _b64(json.dumps(claims).encode()), _b64(signature)]
    )


def test_an_issued_token_verifies_to_its_claims(tokens):
    issued = tokens.issue(
        account_id="acc_1",
        subject="cli_1",
        kind=CredentialKind.CLIENT,
        scopes={"data.read", "analytics.read"},
        ttl_seconds=600,
    )

    claims = tokens.verify(issued.token)

    assert claims.account_id == "acc_1"
    assert claims.subject == "cli_1"
    assert claims.kind is CredentialKind.CLIENT
    assert claims.scopes == {"data.read", "analytics.read"}
    assert claims.token_id == issued.token_id
    assert claims.expires_at == issued.expires_at


def test_an_issued_token_carries_the_registered_claims(tokens):
    before = int(time.time())

    issued = tokens.issue(
        account_id="acc_1",
        subject="usr_1",
        kind=CredentialKind.USER,
        scopes=frozenset({"b.x", "a.y"}),
        ttl_seconds=120,
        token_id="tok_x",
    )

    header = jwt.get_unverified_header(issued.token)
    claims = jwt.get_unverified_claims(issued.token)
    assert header["alg"] == "HS256"
    assert claims["iss"] == ISSUER
    assert claims["aud"] == AUDIENCE
    assert claims["sub"] == "usr_1"
    assert claims["jti"] == "tok_x"
    assert claims["acc"] == "acc_1"
    assert claims["kind"] == "user"
    assert claims["scope"] == "a.y b.x"
    assert before <= claims["iat"] <= int(time.time())
    assert claims["exp"] == claims["iat"] + 120
    assert issued.token_id == "tok_x"
    assert issued.expires_at == datetime.fromtimestamp(claims["exp"], UTC)


def test_each_token_gets_its_own_id(tokens):
    issue = dict(
        account_id="a", subject="s", kind=CredentialKind.CLIENT, scopes=set(), ttl_seconds=60
    )

    first, second = tokens.issue(**issue), tokens.issue(**issue)

    assert first.token_id != second.token_id
    assert first.token_id.startswith("tok_")


def test_a_hand_made_token_with_every_claim_is_accepted(tokens):
    claims = tokens.verify(jwt.encode(_claims(kind="api_key"), SECRET, algorithm="HS256"))

    assert claims.kind is CredentialKind.API_KEY


def _refusal(tokens: TokenService, token: str) -> InvalidToken:
    with pytest.raises(InvalidToken) as raised:
        tokens.verify(token)
    assert raised.value.code == "INVALID_TOKEN"
    assert raised.value.http_status == 401
    return raised.value


def test_alg_none_is_refused(tokens):
    token = _hand_made({"alg": "none", "typ": "JWT"}, _claims())

    error = _refusal(tokens, token)

    assert error.details == {"reason": "algorithm"}


@pytest.mark.parametrize("alg", ["HS512", "HS384"])
def test_other_hmac_algorithms_are_refused_even_with_the_right_secret(tokens, alg):
    token = jwt.encode(_claims(), SECRET, algorithm=alg)

    error = _refusal(tokens, token)

    assert error.details == {"reason": "algorithm"}
    assert alg in error.message


def test_an_rs256_header_is_refused(tokens):
    token = _hand_made({"alg": "RS256", "typ": "JWT"}, _claims(), b"\x01" * 256)

    assert _refusal(tokens, token).details == {"reason": "algorithm"}


def test_a_token_signed_with_another_secret_is_refused(tokens):
    token = jwt.encode(_claims(), "another-secret-" + "o" * 32, algorithm="HS256")

    assert _refusal(tokens, token).details == {"reason": "signature"}


def test_a_token_whose_payload_was_changed_is_refused(tokens):
    header, _, signature = jwt.encode(_claims(), SECRET, algorithm="HS256").split(".")
    widened = _b64(json.dumps(_claims(acc="acc_victim")).encode())

    error = _refusal(tokens, f"{header}.{widened}.{signature}")

    assert error.details == {"reason": "signature"}


def test_a_token_for_another_audience_is_refused(tokens):
    token = jwt.encode(_claims(aud="someone-else"), SECRET, algorithm="HS256")

    assert _refusal(tokens, token).details == {"reason": "claims"}


def test_a_token_from_another_issuer_is_refused(tokens):
    token = jwt.encode(_claims(iss="evil"), SECRET, algorithm="HS256")

    assert _refusal(tokens, token).details == {"reason": "claims"}


def test_an_expired_token_is_refused_saying_so(tokens):
    issued = tokens.issue(
        account_id="acc_1",
        subject="cli_1",
        kind=CredentialKind.CLIENT,
        scopes=set(),
        ttl_seconds=-60,
    )

    error = _refusal(tokens, issued.token)

    assert "expired" in error.message
    assert error.details == {"reason": "expired"}


def test_a_token_expired_within_the_clock_skew_leeway_is_accepted(tokens):
    now = int(time.time())
    token = jwt.encode(_claims(iat=now - 60, exp=now - 1), SECRET, algorithm="HS256")

    assert tokens.verify(token).account_id == "acc_1"


@pytest.mark.parametrize("claim", ["exp", "iat", "jti", "iss", "aud", "sub"])
def test_a_token_missing_a_registered_claim_is_refused(tokens, claim):
    token = jwt.encode(_claims(**{claim: None}), SECRET, algorithm="HS256")

    _refusal(tokens, token)


@pytest.mark.parametrize("claim", ["exp", "iat", "jti"])
def test_a_missing_claim_is_reported_as_a_claims_problem(tokens, claim):
    token = jwt.encode(_claims(**{claim: None}), SECRET, algorithm="HS256")

    assert _refusal(tokens, token).details == {"reason": "claims"}


@pytest.mark.parametrize(
    "overrides",
    [{"acc": None}, {"kind": None}, {"kind": "root"}, {"exp": "tomorrow"}],
    ids=["no-account", "no-kind", "unknown-kind", "non-numeric-exp"],
)
def test_a_token_without_usable_neurogate_claims_is_refused(tokens, overrides):
    token = jwt.encode(_claims(**overrides), SECRET, algorithm="HS256")

    assert _refusal(tokens, token).details == {"reason": "claims"}


@pytest.mark.parametrize(
    "token",
    [
        "",
        "abc",
        "a.b.c",
        "....",
        "Bearer x",
        "eyJhbGciOiJIUzI1NiJ9",
        "eyJ9.e30.",
        _b64(b"[1, 2]") + "." + _b64(b"{}") + ".",
    ],
    ids=[
        "empty",
        "word",
        "three-words",
        "dots",
        "bearer-prefix",
        "header-only",
        "broken-header",
        "list-header",
    ],
)
def test_garbage_is_refused_as_malformed(tokens, token):
    assert _refusal(tokens, token).details == {"reason": "malformed"}


def test_a_token_from_a_service_with_another_secret_is_refused():
    issuer = TokenService("first-secret-" + "1" * 32, issuer=ISSUER, audience=AUDIENCE)
    verifier = TokenService("second-secret-" + "2" * 32, issuer=ISSUER, audience=AUDIENCE)
    issued = issuer.issue(
        account_id="a", subject="s", kind=CredentialKind.CLIENT, scopes=set(), ttl_seconds=60
    )

    assert _refusal(verifier, issued.token).details == {"reason": "signature"}
