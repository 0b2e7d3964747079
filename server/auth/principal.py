"""Who is calling: the account a bearer token acts for, and what it may do."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from neurogate.server.auth.tiers import Tier


class CredentialKind(StrEnum):
    #: Access token from client credentials (POST /v1/auth/token).
    CLIENT = "client"
    #: Access token from a user's email and password (POST /v2/auth/login).
    USER = "user"
    #: Long-lived API key (POST /v1/auth/apikey).
    API_KEY = "api_key"


@dataclass(frozen=True)
class Principal:
    account_id: str
    tier: Tier
    scopes: frozenset[str]
    kind: CredentialKind
    #: client id, user id or API key id.
    subject: str
