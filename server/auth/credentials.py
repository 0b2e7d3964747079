"""Turning credentials into tokens, and tokens back into a live principal.

Issuing: client credentials (OAuth client-credentials grant), a user's email
and password, or client credentials for a scoped API key. Resolving: every
authenticated call re-reads the account and the credential behind its token,
so a revoked key or client, a deleted account or a tier change takes effect
on the very next call. Every check of a secret is throttled against guessing
(:mod:`neurogate.server.auth.throttle`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlmodel import Session, col, select

from neurogate.server.auth.accounts import MAX_NAME_LENGTH, normalise_email
from neurogate.server.auth.passwords import hash_secret, verify_secret_async
from neurogate.server.auth.principal import CredentialKind, Principal
from neurogate.server.auth.scopes import ALL_SCOPES, unknown_scopes
from neurogate.server.auth.throttle import CredentialThrottle, SecretKind
from neurogate.server.auth.tiers import POLICIES, Tier
from neurogate.server.auth.tokens import IssuedToken, TokenClaims, TokenService
from neurogate.server.errors import (
    ApiKeyNotFound,
    InsufficientPermissions,
    InvalidParameter,
    InvalidToken,
    Unauthorized,
)
from neurogate.server.ids import new_id
from neurogate.server.names import checked_name
from neurogate.server.storage.database import Database
from neurogate.server.storage.models import Account, ApiKey, ClientCredential, User, utc_now

GRANT_TYPE = "client_credentials"
DEFAULT_API_KEY_DAYS = 365
MAX_API_KEY_DAYS = 3650
#: Verified against when a client id or email is unknown, so that a wrong id
#: and a wrong secret take the same time.
_DUMMY_HASH = hash_secret("neurogate-timing-equaliser")


@dataclass(frozen=True)
class GrantedToken:
    issued: IssuedToken
    scopes: frozenset[str]
    ttl_seconds: int


@dataclass(frozen=True)
class GrantedApiKey:
    issued: IssuedToken
    key: ApiKey


def _requested_scopes(requested: list[str], parameter: str) -> frozenset[str]:
    unknown = unknown_scopes(requested)
    if unknown:
        raise InvalidParameter(
            f"unknown scope {unknown[0]!r}",
            parameter=parameter,
            value=unknown[0],
            valid_choices=sorted(ALL_SCOPES),
        )
    return frozenset(requested)


class CredentialService:
    """``address`` (of the methods that check a secret): the caller's network
    address, which the throttle counts failures by as well as by name; None
    when unknown."""

    def __init__(
        self,
        db: Database,
        tokens: TokenService,
        access_token_ttl: int,
        throttle: CredentialThrottle,
    ) -> None:
        self._db = db
        self._tokens = tokens
        self._ttl = access_token_ttl
        self._throttle = throttle

    async def _authenticate_client(
        self, client_id: str, client_secret: str, address: str | None
    ) -> Account:
        if not client_id or not client_secret:
            missing = "client_id" if not client_id else "client_secret"
            raise InvalidParameter(f"{missing} is required", parameter=missing)

        def read(session: Session) -> tuple[ClientCredential | None, Account | None]:
            credential = session.get(ClientCredential, client_id)
            return credential, session.get(Account, credential.account_id) if credential else None

        async with self._throttle.attempt(SecretKind.CLIENT, client_id, address):
            credential, account = await self._db.run(read)
            valid = await verify_secret_async(
                client_secret, credential.secret_hash if credential else _DUMMY_HASH
            )
            if not valid or credential is None or account is None or credential.revoked_at:
                raise Unauthorized("invalid client credentials")
        return account

    async def issue_client_token(
        self,
        client_id: str,
        client_secret: str,
        grant_type: str,
        scope: str,
        *,
        address: str | None = None,
    ) -> GrantedToken:
        if grant_type != GRANT_TYPE:
            raise InvalidParameter(
                f"unsupported grant_type {grant_type!r}",
                parameter="grant_type",
                value=grant_type,
                valid_choices=[GRANT_TYPE],
            )
        scopes = _requested_scopes(scope.split(), "scope") or ALL_SCOPES
        account = await self._authenticate_client(client_id, client_secret, address)
        issued = self._tokens.issue(
            account_id=account.id,
            subject=client_id,
            kind=CredentialKind.CLIENT,
            scopes=scopes,
            ttl_seconds=self._ttl,
        )
        return GrantedToken(issued, scopes, self._ttl)

    async def login(self, email: str, password: str, *, address: str | None = None) -> GrantedToken:
        if not email or not password:
            missing = "email" if not email else "password"
            raise InvalidParameter(f"{missing} is required", parameter=missing)
        email = normalise_email(email)
        async with self._throttle.attempt(SecretKind.USER, email, address):
            user = await self._db.run(
                lambda session: session.exec(select(User).where(User.email == email)).first()
            )
            valid = await verify_secret_async(password, user.password_hash if user else _DUMMY_HASH)
            if not valid or user is None:
                raise Unauthorized("invalid email or password")
        issued = self._tokens.issue(
            account_id=user.account_id,
            subject=user.id,
            kind=CredentialKind.USER,
            scopes=ALL_SCOPES,
            ttl_seconds=self._ttl,
        )
        return GrantedToken(issued, ALL_SCOPES, self._ttl)

    async def create_api_key(
        self,
        client_id: str,
        client_secret: str,
        scope: list[str],
        name: str,
        days: int,
        *,
        address: str | None = None,
    ) -> GrantedApiKey:
        if not scope:
            raise InvalidParameter(
                "an API key needs at least one scope",
                parameter="scope",
                valid_choices=sorted(ALL_SCOPES),
            )
        scopes = _requested_scopes(scope, "scope")
        days = days or DEFAULT_API_KEY_DAYS
        if not 1 <= days <= MAX_API_KEY_DAYS:
            raise InvalidParameter(
                f"expires_in_days must be between 1 and {MAX_API_KEY_DAYS}",
                parameter="expires_in_days",
                value=days,
            )
        name = checked_name(name, "name", "a key name", MAX_NAME_LENGTH)
        account = await self._authenticate_client(client_id, client_secret, address)
        if not POLICIES[Tier(account.tier)].may_call_api:
            raise InsufficientPermissions(
                "free accounts cannot create API keys; upgrade to pro or enterprise",
                tier=account.tier,
            )
        key_id = new_id("key")
        issued = self._tokens.issue(
            account_id=account.id,
            subject=key_id,
            kind=CredentialKind.API_KEY,
            scopes=scopes,
            ttl_seconds=int(timedelta(days=days).total_seconds()),
            token_id=key_id,
        )
        key = ApiKey(
            id=key_id,
            account_id=account.id,
            client_id=client_id,
            name=name,
            scopes=" ".join(sorted(scopes)),
            expires_at=issued.expires_at,
        )
        await self._db.run(lambda session: session.add(key))
        return GrantedApiKey(issued, key)

    async def list_api_keys(self, account_id: str) -> list[ApiKey]:
        return await self._db.run(
            lambda session: list(
                session.exec(
                    select(ApiKey)
                    .where(ApiKey.account_id == account_id)
                    .order_by(col(ApiKey.created_at).desc())
                ).all()
            )
        )

    async def revoke_api_key(self, account_id: str, key_id: str) -> ApiKey:
        def revoke(session: Session) -> ApiKey:
            key = session.get(ApiKey, key_id)
            if key is None or key.account_id != account_id:
                raise ApiKeyNotFound(f"no API key {key_id!r}", parameter="key_id", value=key_id)
            key.revoked_at = key.revoked_at or utc_now()
            return key

        return await self._db.run(revoke)

    async def resolve(self, claims: TokenClaims) -> Principal:
        """The live principal behind verified claims, or InvalidToken."""
        account = await self._db.run(lambda session: _live_account(session, claims))
        return Principal(
            account_id=account.id,
            tier=Tier(account.tier),
            scopes=claims.scopes,
            kind=claims.kind,
            subject=claims.subject,
        )


def _live_account(session: Session, claims: TokenClaims) -> Account:
    """The account of ``claims`` if it and the credential behind them still stand."""
    account = session.get(Account, claims.account_id)
    if account is None:
        raise InvalidToken("the account of this token no longer exists", reason="account")
    if claims.kind is CredentialKind.CLIENT:
        credential = session.get(ClientCredential, claims.subject)
        if credential is None or credential.account_id != account.id or credential.revoked_at:
            raise InvalidToken("the client of this token was revoked", reason="revoked")
    elif claims.kind is CredentialKind.USER:
        user = session.get(User, claims.subject)
        if user is None or user.account_id != account.id:
            raise InvalidToken("the user of this token no longer exists", reason="revoked")
    else:
        key = session.get(ApiKey, claims.token_id)
        if key is None or key.account_id != account.id:
            raise InvalidToken("unknown API key", reason="revoked")
        if key.revoked_at is not None:
            raise InvalidToken("this API key was revoked", reason="revoked", key_id=key.id)
    return account
