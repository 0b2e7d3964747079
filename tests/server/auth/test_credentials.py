"""Credentials to tokens (client credentials, login, API keys), and tokens
back to a live principal, on both backends. Revocations, deletions and tier
changes take effect on the very next resolve."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete

from neurogate.server.auth.accounts import AccountAdmin, NewAccount
from neurogate.server.auth.credentials import CredentialService
from neurogate.server.auth.principal import CredentialKind, Principal
from neurogate.server.auth.scopes import ALL_SCOPES
from neurogate.server.auth.throttle import CredentialThrottle, ThrottlePolicy
from neurogate.server.auth.tiers import Tier
from neurogate.server.auth.tokens import TokenService
from neurogate.server.errors import (
    ApiKeyNotFound,
    InsufficientPermissions,
    InvalidParameter,
    InvalidToken,
    Unauthorized,
)
from neurogate.server.ratelimit import MemoryRateLimiter
from neurogate.server.storage.models import Account, ApiKey, ClientCredential, utc_now

SECRET = "credentials-test-key-" + "k" * 32
TTL = 900
PASSWORD = "a long enough password"
GRANT = "client_credentials"


@pytest.fixture
def tokens() -> TokenService:
    return TokenService(SECRET, issuer="neurogate", audience="neurogate-api")


@pytest.fixture
def admin(db) -> AccountAdmin:
    return AccountAdmin(db)


@pytest.fixture
def credentials(db, tokens) -> CredentialService:
    # Throttling is specified in test_throttle.py; here it never gets in the way.
    unthrottled = ThrottlePolicy(
        failures_per_name=1000, failures_per_address=1000, window_seconds=60
    )
    return CredentialService(db, tokens, TTL, CredentialThrottle(MemoryRateLimiter(), unthrottled))


@pytest.fixture
async def pro(admin) -> NewAccount:
    return await admin.create_account("Pro Labs", Tier.PRO)


async def _revoke_client(db, client_id: str) -> None:
    def revoke(session) -> None:
        session.get(ClientCredential, client_id).revoked_at = utc_now()

    await db.run(revoke)


async def _delete_account(db, account_id: str) -> None:
    await db.run(lambda session: session.exec(delete(Account).where(Account.id == account_id)))


async def _resolve(credentials: CredentialService, tokens: TokenService, token: str) -> Principal:
    return await credentials.resolve(tokens.verify(token))


# ------------------------------------------------------------ client credentials


async def test_client_credentials_give_a_token_for_every_scope_by_default(credentials, tokens, pro):
    granted = await credentials.issue_client_token(pro.client_id, pro.client_secret, GRANT, "")

    claims = tokens.verify(granted.issued.token)
    assert granted.scopes == ALL_SCOPES
    assert granted.ttl_seconds == TTL
    assert claims.account_id == pro.account_id
    assert claims.subject == pro.client_id
    assert claims.kind is CredentialKind.CLIENT
    assert claims.scopes == ALL_SCOPES
    remaining = (claims.expires_at - datetime.now(UTC)).total_seconds()
    assert TTL - 5 <= remaining <= TTL


async def test_a_token_can_be_narrowed_to_requested_scopes(credentials, tokens, pro):
    granted = await credentials.issue_client_token(
        pro.client_id, pro.client_secret, GRANT, "data.read  analytics.read"
    )

    assert granted.scopes == {"data.read", "analytics.read"}
    assert tokens.verify(granted.issued.token).scopes == {"data.read", "analytics.read"}


async def test_an_unsupported_grant_type_is_refused_with_the_valid_choice(credentials, pro):
    with pytest.raises(InvalidParameter) as raised:
        await credentials.issue_client_token(pro.client_id, pro.client_secret, "password", "")

    assert raised.value.details == {
        "parameter": "grant_type",
        "value": "password",
        "valid_choices": [GRANT],
    }


async def test_an_unknown_scope_is_refused_listing_the_scopes(credentials, pro):
    with pytest.raises(InvalidParameter) as raised:
        await credentials.issue_client_token(
            pro.client_id, pro.client_secret, GRANT, "data.read everything"
        )

    assert raised.value.details == {
        "parameter": "scope",
        "value": "everything",
        "valid_choices": sorted(ALL_SCOPES),
    }


@pytest.mark.parametrize(
    ("client_id", "secret", "missing"), [("", "s", "client_id"), ("cli_1", "", "client_secret")]
)
async def test_missing_client_credentials_are_named(credentials, client_id, secret, missing):
    with pytest.raises(InvalidParameter) as raised:
        await credentials.issue_client_token(client_id, secret, GRANT, "")

    assert raised.value.details == {"parameter": missing}


async def _unauthorized_message(credentials: CredentialService, client_id: str, secret: str):
    with pytest.raises(Unauthorized) as raised:
        await credentials.issue_client_token(client_id, secret, GRANT, "")
    assert raised.value.code == "UNAUTHORIZED"
    assert raised.value.http_status == 401
    return raised.value.message, raised.value.details


async def test_bad_secret_unknown_client_and_revoked_client_look_the_same(
    credentials, admin, db, pro
):
    revoked = await admin.create_account("Revoked", Tier.PRO)
    await _revoke_client(db, revoked.client_id)

    bad_secret = await _unauthorized_message(credentials, pro.client_id, "not-the-secret")
    unknown = await _unauthorized_message(credentials, "cli_unknown", pro.client_secret)
    revoked_client = await _unauthorized_message(
        credentials, revoked.client_id, revoked.client_secret
    )

    assert bad_secret == unknown == revoked_client == ("invalid client credentials", {})


async def test_another_accounts_secret_does_not_open_a_client(credentials, admin, pro):
    other = await admin.create_account("Other", Tier.PRO)

    with pytest.raises(Unauthorized):
        await credentials.issue_client_token(pro.client_id, other.client_secret, GRANT, "")


async def test_a_free_account_may_still_get_a_token(credentials, admin, tokens):
    free = await admin.create_account("Free", Tier.FREE)

    granted = await credentials.issue_client_token(free.client_id, free.client_secret, GRANT, "")

    principal = await _resolve(credentials, tokens, granted.issued.token)
    assert principal.tier is Tier.FREE


# ------------------------------------------------------------ login


async def test_login_gives_a_user_token_for_every_scope(credentials, admin, tokens, pro):
    user_id = await admin.create_user(pro.account_id, "alice@example.com", PASSWORD)

    granted = await credentials.login("  ALICE@example.com ", PASSWORD)

    claims = tokens.verify(granted.issued.token)
    assert (claims.account_id, claims.subject, claims.kind) == (
        pro.account_id,
        user_id,
        CredentialKind.USER,
    )
    assert granted.scopes == ALL_SCOPES
    assert granted.ttl_seconds == TTL


async def test_wrong_password_and_unknown_email_look_the_same(credentials, admin, pro):
    await admin.create_user(pro.account_id, "alice@example.com", PASSWORD)

    with pytest.raises(Unauthorized) as wrong_password:
        await credentials.login("alice@example.com", PASSWORD + "!")
    with pytest.raises(Unauthorized) as unknown_email:
        await credentials.login("bob@example.com", PASSWORD)

    assert wrong_password.value.message == unknown_email.value.message
    assert wrong_password.value.details == unknown_email.value.details == {}


@pytest.mark.parametrize(
    ("email", "password", "missing"),
    [("", PASSWORD, "email"), ("alice@example.com", "", "password")],
)
async def test_login_names_a_missing_field(credentials, email, password, missing):
    with pytest.raises(InvalidParameter) as raised:
        await credentials.login(email, password)

    assert raised.value.details == {"parameter": missing}


# ------------------------------------------------------------ API keys


async def test_create_api_key_stores_the_key_and_returns_a_bearer_token(
    credentials, tokens, db, pro
):
    granted = await credentials.create_api_key(
        pro.client_id, pro.client_secret, ["data.read", "analytics.read"], " ci key ", 30
    )

    claims = tokens.verify(granted.issued.token)
    stored = await db.run(lambda session: session.get(ApiKey, granted.key.id))
    assert stored is not None
    assert (stored.account_id, stored.client_id, stored.name) == (
        pro.account_id,
        pro.client_id,
        "ci key",
    )
    assert stored.scopes == "analytics.read data.read"
    assert stored.revoked_at is None
    assert granted.issued.token not in stored.scopes + stored.name + stored.id
    assert claims.kind is CredentialKind.API_KEY
    assert claims.token_id == claims.subject == granted.key.id
    assert claims.scopes == {"data.read", "analytics.read"}
    assert stored.expires_at == granted.issued.expires_at
    expected = datetime.now(UTC) + timedelta(days=30)
    assert abs((stored.expires_at - expected).total_seconds()) < 60


async def test_an_api_key_without_days_lives_a_year(credentials, pro):
    granted = await credentials.create_api_key(
        pro.client_id, pro.client_secret, ["data.read"], "", 0
    )

    lifetime = granted.key.expires_at - datetime.now(UTC)
    assert timedelta(days=364) < lifetime <= timedelta(days=365)


async def test_an_api_key_needs_at_least_one_scope(credentials, pro):
    with pytest.raises(InvalidParameter) as raised:
        await credentials.create_api_key(pro.client_id, pro.client_secret, [], "", 30)

    assert raised.value.details == {"parameter": "scope", "valid_choices": sorted(ALL_SCOPES)}


async def test_an_api_key_with_an_unknown_scope_is_refused(credentials, pro):
    with pytest.raises(InvalidParameter) as raised:
        await credentials.create_api_key(pro.client_id, pro.client_secret, ["admin"], "", 30)

    assert raised.value.details["value"] == "admin"


@pytest.mark.parametrize("days", [-1, 3651])
async def test_api_key_lifetime_is_between_1_and_3650_days(credentials, db, pro, days):
    with pytest.raises(InvalidParameter) as raised:
        await credentials.create_api_key(pro.client_id, pro.client_secret, ["data.read"], "", days)

    assert raised.value.details == {"parameter": "expires_in_days", "value": days}
    assert await credentials.list_api_keys(pro.account_id) == []


@pytest.mark.parametrize("days", [1, 3650])
async def test_api_key_lifetimes_at_the_bounds_are_accepted(credentials, pro, days):
    granted = await credentials.create_api_key(
        pro.client_id, pro.client_secret, ["data.read"], "", days
    )

    assert granted.key.id.startswith("key_")


async def test_an_api_key_name_over_200_characters_is_refused(credentials, pro):
    with pytest.raises(InvalidParameter) as raised:
        await credentials.create_api_key(
            pro.client_id, pro.client_secret, ["data.read"], "n" * 201, 30
        )

    assert (raised.value.details["parameter"], raised.value.details["max_length"]) == ("name", 200)


async def test_a_free_account_cannot_create_api_keys(credentials, admin):
    free = await admin.create_account("Free", Tier.FREE)

    with pytest.raises(InsufficientPermissions) as raised:
        await credentials.create_api_key(free.client_id, free.client_secret, ["data.read"], "", 30)

    assert raised.value.code == "INSUFFICIENT_PERMISSIONS"
    assert raised.value.http_status == 403
    assert raised.value.details == {"tier": "free"}
    assert await credentials.list_api_keys(free.account_id) == []


async def test_an_api_key_needs_valid_client_credentials(credentials, pro):
    with pytest.raises(Unauthorized):
        await credentials.create_api_key(pro.client_id, "wrong", ["data.read"], "", 30)


async def test_list_api_keys_shows_only_the_accounts_keys_newest_first(credentials, admin, pro):
    other = await admin.create_account("Other", Tier.PRO)
    first = await credentials.create_api_key(
        pro.client_id, pro.client_secret, ["data.read"], "first", 30
    )
    second = await credentials.create_api_key(
        pro.client_id, pro.client_secret, ["data.read"], "second", 30
    )
    await credentials.create_api_key(other.client_id, other.client_secret, ["data.read"], "x", 30)

    keys = await credentials.list_api_keys(pro.account_id)

    assert [key.id for key in keys] == [second.key.id, first.key.id]


async def test_an_account_can_revoke_its_own_api_key(credentials, pro):
    granted = await credentials.create_api_key(
        pro.client_id, pro.client_secret, ["data.read"], "", 30
    )

    revoked = await credentials.revoke_api_key(pro.account_id, granted.key.id)

    assert revoked.revoked_at is not None
    [listed] = await credentials.list_api_keys(pro.account_id)
    assert listed.revoked_at == revoked.revoked_at


async def test_revoking_another_accounts_key_is_404_and_leaves_it_live(credentials, admin, pro):
    other = await admin.create_account("Other", Tier.PRO)
    theirs = await credentials.create_api_key(
        other.client_id, other.client_secret, ["data.read"], "", 30
    )

    with pytest.raises(ApiKeyNotFound) as raised:
        await credentials.revoke_api_key(pro.account_id, theirs.key.id)

    assert raised.value.code == "API_KEY_NOT_FOUND"
    assert raised.value.details == {"parameter": "key_id", "value": theirs.key.id}
    [key] = await credentials.list_api_keys(other.account_id)
    assert key.revoked_at is None


async def test_revoking_an_unknown_key_is_the_same_404(credentials, pro):
    with pytest.raises(ApiKeyNotFound) as raised:
        await credentials.revoke_api_key(pro.account_id, "key_missing")

    assert raised.value.details == {"parameter": "key_id", "value": "key_missing"}


# ------------------------------------------------------------ resolve


async def test_a_client_token_resolves_to_a_live_principal(credentials, tokens, pro):
    granted = await credentials.issue_client_token(
        pro.client_id, pro.client_secret, GRANT, "data.read"
    )

    principal = await _resolve(credentials, tokens, granted.issued.token)

    assert principal == Principal(
        account_id=pro.account_id,
        tier=Tier.PRO,
        scopes=frozenset({"data.read"}),
        kind=CredentialKind.CLIENT,
        subject=pro.client_id,
    )


async def test_a_user_token_resolves_to_its_account(credentials, admin, tokens, pro):
    user_id = await admin.create_user(pro.account_id, "alice@example.com", PASSWORD)
    granted = await credentials.login("alice@example.com", PASSWORD)

    principal = await _resolve(credentials, tokens, granted.issued.token)

    assert (principal.account_id, principal.kind, principal.subject) == (
        pro.account_id,
        CredentialKind.USER,
        user_id,
    )


async def test_an_api_key_resolves_with_its_own_scopes(credentials, tokens, pro):
    granted = await credentials.create_api_key(
        pro.client_id, pro.client_secret, ["analytics.read"], "", 30
    )

    principal = await _resolve(credentials, tokens, granted.issued.token)

    assert (principal.kind, principal.subject, principal.scopes) == (
        CredentialKind.API_KEY,
        granted.key.id,
        frozenset({"analytics.read"}),
    )


async def test_a_revoked_api_key_is_refused_on_the_next_resolve(credentials, tokens, pro):
    granted = await credentials.create_api_key(
        pro.client_id, pro.client_secret, ["data.read"], "", 30
    )
    await _resolve(credentials, tokens, granted.issued.token)

    await credentials.revoke_api_key(pro.account_id, granted.key.id)

    with pytest.raises(InvalidToken) as raised:
        await _resolve(credentials, tokens, granted.issued.token)
    assert raised.value.details == {"reason": "revoked", "key_id": granted.key.id}


async def test_an_api_key_revoked_by_the_operator_is_refused(credentials, admin, tokens, pro):
    granted = await credentials.create_api_key(
        pro.client_id, pro.client_secret, ["data.read"], "", 30
    )

    await admin.revoke_api_key(granted.key.id)

    with pytest.raises(InvalidToken):
        await _resolve(credentials, tokens, granted.issued.token)


async def test_a_revoked_client_is_refused_on_the_next_resolve(credentials, tokens, db, pro):
    granted = await credentials.issue_client_token(pro.client_id, pro.client_secret, GRANT, "")
    await _resolve(credentials, tokens, granted.issued.token)
    await _revoke_client(db, pro.client_id)

    with pytest.raises(InvalidToken) as raised:
        await _resolve(credentials, tokens, granted.issued.token)

    assert raised.value.details == {"reason": "revoked"}


async def test_a_deleted_account_is_refused_on_the_next_resolve(
    credentials, admin, tokens, db, pro
):
    await admin.create_user(pro.account_id, "alice@example.com", PASSWORD)
    client_token = await credentials.issue_client_token(pro.client_id, pro.client_secret, GRANT, "")
    user_token = await credentials.login("alice@example.com", PASSWORD)
    api_key = await credentials.create_api_key(
        pro.client_id, pro.client_secret, ["data.read"], "", 30
    )

    await _delete_account(db, pro.account_id)

    for granted in (client_token, user_token, api_key):
        with pytest.raises(InvalidToken) as raised:
            await _resolve(credentials, tokens, granted.issued.token)
        assert raised.value.details == {"reason": "account"}


async def test_deleting_an_account_deletes_its_credentials(credentials, admin, db, pro):
    await admin.create_user(pro.account_id, "alice@example.com", PASSWORD)
    await credentials.create_api_key(pro.client_id, pro.client_secret, ["data.read"], "", 30)

    await _delete_account(db, pro.account_id)

    assert await admin.list_accounts() == []
    assert await credentials.list_api_keys(pro.account_id) == []
    with pytest.raises(Unauthorized):
        await credentials.login("alice@example.com", PASSWORD)
    with pytest.raises(Unauthorized):
        await credentials.issue_client_token(pro.client_id, pro.client_secret, GRANT, "")


async def test_a_tier_change_shows_on_the_next_resolve(credentials, admin, tokens, pro):
    granted = await credentials.issue_client_token(pro.client_id, pro.client_secret, GRANT, "")
    assert (await _resolve(credentials, tokens, granted.issued.token)).tier is Tier.PRO

    await admin.set_tier(pro.account_id, Tier.FREE)

    assert (await _resolve(credentials, tokens, granted.issued.token)).tier is Tier.FREE


async def test_a_token_naming_another_accounts_client_is_refused(credentials, admin, tokens, pro):
    other = await admin.create_account("Other", Tier.PRO)
    forged = tokens.issue(
        account_id=other.account_id,
        subject=pro.client_id,
        kind=CredentialKind.CLIENT,
        scopes=ALL_SCOPES,
        ttl_seconds=60,
    )

    with pytest.raises(InvalidToken) as raised:
        await _resolve(credentials, tokens, forged.token)

    assert raised.value.details == {"reason": "revoked"}


async def test_a_token_naming_another_accounts_api_key_is_refused(credentials, admin, tokens, pro):
    other = await admin.create_account("Other", Tier.PRO)
    theirs = await credentials.create_api_key(
        other.client_id, other.client_secret, ["data.read"], "", 30
    )
    forged = tokens.issue(
        account_id=pro.account_id,
        subject=theirs.key.id,
        kind=CredentialKind.API_KEY,
        scopes=ALL_SCOPES,
        ttl_seconds=60,
        token_id=theirs.key.id,
    )

    with pytest.raises(InvalidToken):
        await _resolve(credentials, tokens, forged.token)


async def test_a_token_for_a_user_that_no_longer_exists_is_refused(credentials, tokens, pro):
    forged = tokens.issue(
        account_id=pro.account_id,
        subject="usr_gone",
        kind=CredentialKind.USER,
        scopes=ALL_SCOPES,
        ttl_seconds=60,
    )

    with pytest.raises(InvalidToken) as raised:
        await _resolve(credentials, tokens, forged.token)

    assert raised.value.details == {"reason": "revoked"}


async def test_an_api_key_name_with_a_control_character_is_refused(credentials, pro):
    with pytest.raises(InvalidParameter) as raised:
        await credentials.create_api_key(
            pro.client_id, pro.client_secret, ["data.read"], "ci\x00key", 30
        )

    assert raised.value.details["parameter"] == "name"
