"""JWT access tokens and API keys (python-jose, HS256 only).

Claims: ``iss``, ``aud``, ``sub`` (client id, user id or key id), ``iat``,
``exp``, ``jti``, plus ``acc`` (account id), ``kind`` (client, user or
api_key) and ``scope`` (space-separated). Verification pins the algorithm:
a token whose header names ``none`` or any other algorithm is refused before
its signature is even looked at, and every registered claim is required.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime

from jose import jwt
from jose.exceptions import ExpiredSignatureError, JWTClaimsError, JWTError

from neurogate.server.auth.principal import CredentialKind
from neurogate.server.errors import InvalidToken
from neurogate.server.ids import new_id

ALGORITHM = "HS256"
_REQUIRED = ("exp", "iat", "iss", "aud", "sub", "jti")
#: Seconds of clock skew tolerated between replicas.
_LEEWAY = 5


@dataclass(frozen=True)
class IssuedToken:
    token: str
    token_id: str
    expires_at: datetime


@dataclass(frozen=True)
class TokenClaims:
    account_id: str
    subject: str
    kind: CredentialKind
    scopes: frozenset[str]
    token_id: str
    expires_at: datetime


class TokenService:
    def __init__(self, secret: str, *, issuer: str, audience: str) -> None:
        self._secret = secret
        self.issuer = issuer
        self.audience = audience

    def issue(
        self,
        *,
        account_id: str,
        subject: str,
        kind: CredentialKind,
        scopes: frozenset[str] | set[str],
        ttl_seconds: int,
        token_id: str | None = None,
    ) -> IssuedToken:
        now = int(time.time())
        token_id = token_id or new_id("tok")
        claims = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": subject,
            "iat": now,
            "exp": now + ttl_seconds,
            "jti": token_id,
            "acc": account_id,
            "kind": kind.value,
            "scope": " ".join(sorted(scopes)),
        }
        token = jwt.encode(claims, self._secret, algorithm=ALGORITHM)
        return IssuedToken(token, token_id, datetime.fromtimestamp(now + ttl_seconds, UTC))

    def verify(self, token: str) -> TokenClaims:
        try:
            header = jwt.get_unverified_header(token)
        except JWTError:
            raise InvalidToken(
                "the bearer token is not a well-formed JWT", reason="malformed"
            ) from None
        if header.get("alg") != ALGORITHM:
            raise InvalidToken(
                f"tokens signed with {header.get('alg')!r} are not accepted; NeuroGate "
                f"tokens use {ALGORITHM}",
                reason="algorithm",
            )
        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=[ALGORITHM],
                audience=self.audience,
                issuer=self.issuer,
                options={"leeway": _LEEWAY},
            )
        except ExpiredSignatureError:
            raise InvalidToken(
                "the bearer token has expired; request a new one", reason="expired"
            ) from None
        except JWTClaimsError as error:
            raise InvalidToken(
                f"the bearer token was not issued for this API: {error}", reason="claims"
            ) from None
        except JWTError:
            raise InvalidToken(
                "the bearer token's signature is not valid", reason="signature"
            ) from None
        missing = [name for name in _REQUIRED if name not in claims]
        if missing:
            raise InvalidToken(
                f"the bearer token lacks the {', '.join(missing)} claim(s)", reason="claims"
            )
        if not isinstance(claims["iat"], int) or claims["iat"] > time.time() + _LEEWAY:
            raise InvalidToken(
                "the bearer token claims to be issued in the future", reason="claims"
            )
        try:
            return TokenClaims(
                account_id=str(claims["acc"]),
                subject=str(claims["sub"]),
                kind=CredentialKind(claims["kind"]),
                scopes=frozenset(str(claims.get("scope", "")).split()),
                token_id=str(claims["jti"]),
                expires_at=datetime.fromtimestamp(int(claims["exp"]), UTC),
            )
        except (KeyError, ValueError, TypeError):
            raise InvalidToken("the bearer token lacks NeuroGate claims", reason="claims") from None
