"""Account administration (``neurogate admin``): accounts, their OAuth
clients and users, tiers, and revoking API keys on an operator's behalf.
A new account starts with a synthetic board."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, func, select

from neurogate.server.auth.passwords import hash_secret_async
from neurogate.server.auth.tiers import Tier
from neurogate.server.devices.store import default_device
from neurogate.server.errors import AccountNotFound, ApiKeyNotFound, Conflict, InvalidParameter
from neurogate.server.ids import new_id, new_secret
from neurogate.server.names import checked_name
from neurogate.server.storage.database import Database
from neurogate.server.storage.models import Account, ApiKey, ClientCredential, User, utc_now

MAX_NAME_LENGTH = 200
MIN_PASSWORD_LENGTH = 12


@dataclass(frozen=True)
class NewAccount:
    account_id: str
    client_id: str
    #: Shown once; only its hash is stored.
    client_secret: str


@dataclass(frozen=True)
class AccountSummary:
    account_id: str
    name: str
    tier: str
    created_at: datetime
    clients: int
    users: int
    api_keys: int


def _clean_name(name: str) -> str:
    return checked_name(name, "name", "an account name", MAX_NAME_LENGTH, required=True)


def normalise_email(email: str) -> str:
    return email.strip().lower()


class AccountAdmin:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def create_account(self, name: str, tier: Tier) -> NewAccount:
        account = Account(id=new_id("acc"), name=_clean_name(name), tier=tier.value)
        secret = new_secret()
        credential = ClientCredential(
            client_id=new_id("cli"),
            account_id=account.id,
            secret_hash=await hash_secret_async(secret),
        )
        device = default_device(account.id)
        await self._db.run(lambda session: session.add_all([account, credential, device]))
        return NewAccount(account.id, credential.client_id, secret)

    async def list_accounts(self) -> list[AccountSummary]:
        def read(session: Session) -> list[AccountSummary]:
            accounts = session.exec(select(Account).order_by(col(Account.created_at))).all()
            counts = {
                model: dict(
                    session.exec(
                        select(model.account_id, func.count()).group_by(model.account_id)
                    ).all()
                )
                for model in (ClientCredential, User, ApiKey)
            }
            return [
                AccountSummary(
                    account_id=a.id,
                    name=a.name,
                    tier=a.tier,
                    created_at=a.created_at,
                    clients=counts[ClientCredential].get(a.id, 0),
                    users=counts[User].get(a.id, 0),
                    api_keys=counts[ApiKey].get(a.id, 0),
                )
                for a in accounts
            ]

        return await self._db.run(read)

    async def set_tier(self, account_id: str, tier: Tier) -> None:
        def update(session: Session) -> None:
            account = session.get(Account, account_id)
            if account is None:
                raise AccountNotFound(f"no account {account_id!r}", account_id=account_id)
            account.tier = tier.value

        await self._db.run(update)

    async def create_user(self, account_id: str, email: str, password: str) -> str:
        email = normalise_email(email)
        if "@" not in email or len(email) > 320:
            raise InvalidParameter("not an email address", parameter="email", value=email[:50])
        if len(password) < MIN_PASSWORD_LENGTH:
            raise InvalidParameter(
                f"a password needs at least {MIN_PASSWORD_LENGTH} characters",
                parameter="password",
            )
        user = User(
            id=new_id("usr"),
            account_id=account_id,
            email=email,
            password_hash=await hash_secret_async(password),
        )

        def insert(session: Session) -> None:
            if session.get(Account, account_id) is None:
                raise AccountNotFound(f"no account {account_id!r}", account_id=account_id)
            if session.exec(select(User).where(User.email == email)).first() is not None:
                raise Conflict(f"a user with email {email!r} exists", parameter="email")
            session.add(user)

        await self._db.run(insert)
        return user.id

    async def revoke_api_key(self, key_id: str) -> ApiKey:
        def revoke(session: Session) -> ApiKey:
            key = session.get(ApiKey, key_id)
            if key is None:
                raise ApiKeyNotFound(f"no API key {key_id!r}", key_id=key_id)
            key.revoked_at = key.revoked_at or utc_now()
            return key

        return await self._db.run(revoke)
