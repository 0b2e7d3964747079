"""AuthService: tokens and API keys (thin: the work is in ``auth.credentials``).

A sign-in refused by the throttle (:mod:`neurogate.server.auth.throttle`)
carries the ``x-ratelimit-*`` headers every 429 does.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import grpc

from neurogate.server.auth.credentials import CredentialService, GrantedToken
from neurogate.server.auth.throttle import SignInLocked
from neurogate.server.context import current_account, current_call
from neurogate.server.services._client_address import client_address
from neurogate.server.services._convert import timestamp
from neurogate.server.storage.models import ApiKey
from neurogate.v1 import auth_pb2, auth_pb2_grpc

TOKEN_TYPE = "Bearer"


def _token_fields(granted: GrantedToken) -> dict[str, object]:
    return {
        "access_token": granted.issued.token,
        "token_type": TOKEN_TYPE,
        "expires_in": granted.ttl_seconds,
        "scope": " ".join(sorted(granted.scopes)),
    }


def _api_key(key: ApiKey) -> auth_pb2.ApiKey:
    return auth_pb2.ApiKey(
        key_id=key.id,
        name=key.name,
        scope=key.scopes.split(),
        created_at=timestamp(key.created_at),
        expires_at=timestamp(key.expires_at),
        revoked_at=timestamp(key.revoked_at),
    )


@contextmanager
def _lockout_headers() -> Iterator[None]:
    try:
        yield
    except SignInLocked as locked:
        current_call().response_headers.update(locked.headers)
        raise


class AuthServicer(auth_pb2_grpc.AuthServiceServicer):
    def __init__(self, credentials: CredentialService) -> None:
        self._credentials = credentials

    async def IssueToken(
        self, request: auth_pb2.IssueTokenRequest, context: grpc.aio.ServicerContext
    ) -> auth_pb2.IssueTokenResponse:
        with _lockout_headers():
            granted = await self._credentials.issue_client_token(
                request.client_id,
                request.client_secret,
                request.grant_type,
                request.scope,
                address=client_address(context),
            )
        return auth_pb2.IssueTokenResponse(**_token_fields(granted))

    async def Login(
        self, request: auth_pb2.LoginRequest, context: grpc.aio.ServicerContext
    ) -> auth_pb2.LoginResponse:
        with _lockout_headers():
            granted = await self._credentials.login(
                request.email, request.password, address=client_address(context)
            )
        return auth_pb2.LoginResponse(**_token_fields(granted))

    async def CreateApiKey(
        self, request: auth_pb2.CreateApiKeyRequest, context: grpc.aio.ServicerContext
    ) -> auth_pb2.CreateApiKeyResponse:
        with _lockout_headers():
            granted = await self._credentials.create_api_key(
                request.client_id,
                request.client_secret,
                list(request.scope),
                request.name,
                request.expires_in_days,
                address=client_address(context),
            )
        return auth_pb2.CreateApiKeyResponse(
            api_key=granted.issued.token,
            key_id=granted.key.id,
            scope=granted.key.scopes.split(),
            expires_at=timestamp(granted.key.expires_at),
        )

    async def ListApiKeys(
        self, request: auth_pb2.ListApiKeysRequest, context: grpc.aio.ServicerContext
    ) -> auth_pb2.ListApiKeysResponse:
        keys = await self._credentials.list_api_keys(current_account())
        return auth_pb2.ListApiKeysResponse(api_keys=[_api_key(key) for key in keys])

    async def RevokeApiKey(
        self, request: auth_pb2.RevokeApiKeyRequest, context: grpc.aio.ServicerContext
    ) -> auth_pb2.RevokeApiKeyResponse:
        key = await self._credentials.revoke_api_key(current_account(), request.key_id)
        return auth_pb2.RevokeApiKeyResponse(key_id=key.id, revoked_at=timestamp(key.revoked_at))
