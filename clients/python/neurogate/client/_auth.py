"""Credentials: a bearer API key, or client credentials exchanged for tokens.

An API key (``POST /v1/auth/apikey``) is a long-lived bearer token: it is
sent as it is. Client credentials are exchanged for a short-lived JWT with
``AuthService.IssueToken``; the token is renewed a little before
``expires_in`` runs out (:data:`REFRESH_MARGIN`), and once more when a call is
refused as UNAUTHENTICATED (the token may have been revoked or the server's
clock differs). The exchange itself is a call plan the transport runs, so
the sync and the asyncio client share this class.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from neurogate.client._calls import Unary
from neurogate.v1 import auth_pb2

#: Renew a token this long before it expires, or at a tenth of its life for
#: very short-lived tokens.
REFRESH_MARGIN = 30.0


@dataclass
class Credentials:
    api_key: str | None = None
    client_id: str | None = None
    client_secret: str | None = field(default=None, repr=False)
    _token: str | None = field(default=None, repr=False)
    _renew_at: float = 0.0

    def __post_init__(self) -> None:
        if self.api_key:
            self._token = self.api_key
        elif not (self.client_id and self.client_secret):
            raise ValueError(
                "pass api_key=..., or client_id=... and client_secret=... "
                "(or set NEUROGATE_API_KEY, or NEUROGATE_CLIENT_ID and NEUROGATE_CLIENT_SECRET)"
            )

    @property
    def exchanges(self) -> bool:
        """Tokens come from client credentials (and can be renewed)."""
        return self.api_key is None

    def token(self) -> str | None:
        """The bearer token, or None when a new one must be issued first."""
        if self.exchanges and time.monotonic() >= self._renew_at:
            return None
        return self._token

    def issue(self) -> Unary[str]:
        """The plan that exchanges the client credentials for a token."""
        request = auth_pb2.IssueTokenRequest(
            client_id=self.client_id,
            client_secret=self.client_secret,
            grant_type="client_credentials",
        )
        return Unary(
            "AuthService/IssueToken", request, self._accept, idempotent=True, authenticated=False
        )

    def _accept(self, reply: auth_pb2.IssueTokenResponse) -> str:
        self._token = reply.access_token
        margin = min(REFRESH_MARGIN, reply.expires_in / 10)
        self._renew_at = time.monotonic() + reply.expires_in - margin
        return reply.access_token

    def invalidate(self) -> bool:
        """Forget the token after an UNAUTHENTICATED answer; whether a new one
        can be issued (an API key cannot be renewed)."""
        if not self.exchanges:
            return False
        self._renew_at = 0.0
        return True
