"""``client.auth``: API keys.

Creating a key proves the account with its client credentials (the server
takes them in the request body), so ``create_api_key`` needs a client made
with ``client_id``/``client_secret``; listing and revoking use the bearer
token like every other call.
"""

from __future__ import annotations

from neurogate.client._calls import Unary
from neurogate.client._namespace import Namespace
from neurogate.client.models import ApiKey
from neurogate.v1 import auth_pb2


class AuthNamespace(Namespace):
    def create_api_key(
        self, name: str, scopes: list[str] | None = None, expires_in_days: int | None = None
    ) -> ApiKey:
        """A new API key with these scopes (required: the server lists the
        valid ones when they are missing); ``.key`` is the bearer token, shown
        only now."""
        credentials = self._transport.settings.credentials
        if not credentials.exchanges:
            raise ValueError("create_api_key needs a client made with client_id and client_secret")
        request = auth_pb2.CreateApiKeyRequest(
            client_id=credentials.client_id,
            client_secret=credentials.client_secret,
            scope=scopes or [],
            name=name,
            expires_in_days=expires_in_days or 0,
        )
        return self._run(
            Unary(
                "AuthService/CreateApiKey",
                request,
                lambda reply: ApiKey.created(reply, name),
                idempotent=False,
                authenticated=False,
            )
        )

    def list_api_keys(self) -> list[ApiKey]:
        return self._run(
            Unary(
                "AuthService/ListApiKeys",
                auth_pb2.ListApiKeysRequest(),
                lambda reply: [ApiKey.listed(key) for key in reply.api_keys],
                idempotent=True,
            )
        )

    def revoke_api_key(self, key_id: str) -> None:
        """Revokes a key at once (repeating it is harmless: idempotent)."""
        return self._run(
            Unary(
                "AuthService/RevokeApiKey",
                auth_pb2.RevokeApiKeyRequest(key_id=key_id),
                lambda reply: None,
                idempotent=True,
            )
        )
