"""Account administration on both backends: accounts with an OAuth client
(only a hash of its secret stored), tiers, users and operator key revocation."""

from __future__ import annotations

import pytest

from neurogate.server.auth.accounts import AccountAdmin
from neurogate.server.auth.passwords import verify_secret
from neurogate.server.auth.tiers import Tier
from neurogate.server.errors import AccountNotFound, ApiKeyNotFound, Conflict, InvalidParameter
from neurogate.server.storage.models import Account, ApiKey, ClientCredential, User, utc_now

PASSWORD = "a long enough password"


@pytest.fixture
def admin(db) -> AccountAdmin:
    return AccountAdmin(db)


async def _get(db, model, key):
    return await db.run(lambda session: session.get(model, key))


async def _add(db, *rows) -> None:
    await db.run(lambda session: session.add_all(rows))


async def test_create_account_stores_the_account_and_its_client(admin, db):
    new = await admin.create_account("  Acme Labs  ", Tier.ENTERPRISE)

    account = await _get(db, Account, new.account_id)
    client = await _get(db, ClientCredential, new.client_id)
    assert account is not None
    assert (account.name, account.tier) == ("Acme Labs", "enterprise")
    assert account.created_at.tzinfo is not None
    assert client is not None
    assert client.account_id == new.account_id
    assert client.revoked_at is None
    assert new.account_id.startswith("acc_")
    assert new.client_id.startswith("cli_")


async def test_only_a_scrypt_hash_of_the_client_secret_is_stored(admin, db):
    new = await admin.create_account("Acme", Tier.PRO)

    client = await _get(db, ClientCredential, new.client_id)
    assert client is not None
    assert len(new.client_secret) >= 40
    assert client.secret_hash.startswith("scrypt$")
    assert new.client_secret not in client.secret_hash
    assert verify_secret(new.client_secret, client.secret_hash)


async def test_each_account_gets_its_own_secret(admin):
    first = await admin.create_account("A", Tier.PRO)
    second = await admin.create_account("B", Tier.PRO)

    assert first.client_secret != second.client_secret
    assert first.account_id != second.account_id


@pytest.mark.parametrize("name", ["", "   ", "x" * 201], ids=["empty", "blank", "too-long"])
async def test_an_account_name_must_have_1_to_200_characters(admin, db, name):
    with pytest.raises(InvalidParameter) as raised:
        await admin.create_account(name, Tier.PRO)

    assert raised.value.details["parameter"] == "name"
    assert await admin.list_accounts() == []


async def test_list_accounts_counts_clients_users_and_keys(admin, db):
    first = await admin.create_account("First", Tier.PRO)
    second = await admin.create_account("Second", Tier.FREE)
    await admin.create_user(first.account_id, "a@example.com", PASSWORD)
    await admin.create_user(first.account_id, "b@example.com", PASSWORD)
    await _add(
        db,
        ApiKey(
            id="key_1",
            account_id=first.account_id,
            client_id=first.client_id,
            scopes="data.read",
            expires_at=utc_now(),
        ),
    )

    summaries = {summary.account_id: summary for summary in await admin.list_accounts()}

    assert set(summaries) == {first.account_id, second.account_id}
    one, two = summaries[first.account_id], summaries[second.account_id]
    assert (one.name, one.tier, one.clients, one.users, one.api_keys) == ("First", "pro", 1, 2, 1)
    assert (two.name, two.tier, two.clients, two.users, two.api_keys) == ("Second", "free", 1, 0, 0)


async def test_list_accounts_is_oldest_first(admin):
    created = [(await admin.create_account(f"n{i}", Tier.PRO)).account_id for i in range(3)]

    assert [summary.account_id for summary in await admin.list_accounts()] == created


async def test_set_tier_changes_the_stored_tier(admin, db):
    new = await admin.create_account("Acme", Tier.FREE)

    await admin.set_tier(new.account_id, Tier.ENTERPRISE)

    account = await _get(db, Account, new.account_id)
    assert account is not None
    assert account.tier == "enterprise"


async def test_set_tier_of_an_unknown_account_is_404(admin):
    with pytest.raises(AccountNotFound) as raised:
        await admin.set_tier("acc_missing", Tier.PRO)

    assert raised.value.code == "ACCOUNT_NOT_FOUND"
    assert raised.value.http_status == 404
    assert raised.value.details == {"account_id": "acc_missing"}


async def test_create_user_stores_a_normalised_email_and_a_password_hash(admin, db):
    new = await admin.create_account("Acme", Tier.PRO)

    user_id = await admin.create_user(new.account_id, "  Alice@Example.COM ", PASSWORD)

    user = await _get(db, User, user_id)
    assert user is not None
    assert user.account_id == new.account_id
    assert user.email == "alice@example.com"
    assert user.password_hash.startswith("scrypt$")
    assert PASSWORD not in user.password_hash
    assert verify_secret(PASSWORD, user.password_hash)


async def test_a_second_user_with_the_same_email_is_a_conflict(admin):
    first = await admin.create_account("First", Tier.PRO)
    second = await admin.create_account("Second", Tier.PRO)
    await admin.create_user(first.account_id, "alice@example.com", PASSWORD)

    with pytest.raises(Conflict) as raised:
        await admin.create_user(second.account_id, "ALICE@example.com", PASSWORD)

    assert raised.value.code == "CONFLICT"
    assert raised.value.http_status == 409
    assert raised.value.details == {"parameter": "email"}


async def test_a_password_shorter_than_12_characters_is_refused(admin):
    new = await admin.create_account("Acme", Tier.PRO)

    with pytest.raises(InvalidParameter) as raised:
        await admin.create_user(new.account_id, "alice@example.com", "x" * 11)

    assert raised.value.details == {"parameter": "password"}
    assert "x" * 11 not in raised.value.message


@pytest.mark.parametrize(
    "email", ["alice", "", "a" * 320 + "@x.io"], ids=["no-at", "empty", "too-long"]
)
async def test_a_user_needs_an_email_address(admin, email):
    new = await admin.create_account("Acme", Tier.PRO)

    with pytest.raises(InvalidParameter) as raised:
        await admin.create_user(new.account_id, email, PASSWORD)

    assert raised.value.details["parameter"] == "email"


async def test_a_user_for_an_unknown_account_is_404(admin):
    with pytest.raises(AccountNotFound) as raised:
        await admin.create_user("acc_missing", "alice@example.com", PASSWORD)

    assert raised.value.code == "ACCOUNT_NOT_FOUND"


async def test_the_operator_can_revoke_any_api_key_once(admin, db):
    new = await admin.create_account("Acme", Tier.PRO)
    await _add(
        db,
        ApiKey(
            id="key_op",
            account_id=new.account_id,
            client_id=new.client_id,
            scopes="data.read",
            expires_at=utc_now(),
        ),
    )

    revoked = await admin.revoke_api_key("key_op")
    again = await admin.revoke_api_key("key_op")

    assert revoked.revoked_at is not None
    assert again.revoked_at == revoked.revoked_at


async def test_revoking_an_unknown_api_key_is_404(admin):
    with pytest.raises(ApiKeyNotFound) as raised:
        await admin.revoke_api_key("key_missing")

    assert raised.value.code == "API_KEY_NOT_FOUND"


@pytest.mark.parametrize("name", ["Acme\x00", "Acme\r\nLabs", "Acme\u202eLabs"])
async def test_an_account_name_with_control_or_bidi_characters_is_refused(admin, db, name):
    with pytest.raises(InvalidParameter) as raised:
        await admin.create_account(name, Tier.PRO)

    assert raised.value.details["parameter"] == "name"
