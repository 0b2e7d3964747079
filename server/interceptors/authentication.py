"""Verifies the bearer token of every call that needs one.

Standard services (health, reflection) and methods declared
``anonymous`` in the protos (token issuance) pass without a token; every
other method needs ``authorization: Bearer <jwt>``. A method without an access
rule is refused: access is denied unless declared.
"""

from __future__ import annotations

import grpc

from neurogate.server.api import AccessRule, is_public
from neurogate.server.auth.tokens import TokenService
from neurogate.server.context import current_call
from neurogate.server.errors import InvalidToken, Unauthorized
from neurogate.server.interceptors._base import Guard


def bearer_token(context: grpc.aio.ServicerContext) -> str:
    values = [v for k, v in context.invocation_metadata() or () if k == "authorization"]
    if not values:
        raise Unauthorized(
            "this call needs a bearer token: send 'Authorization: Bearer <token>' "
            "(POST /v1/auth/token issues one)"
        )
    scheme, _, token = str(values[0]).strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise InvalidToken(
            "the authorization header must read 'Bearer <token>'", reason="malformed"
        )
    return token.strip()


class AuthenticationGuard(Guard):
    def __init__(self, tokens: TokenService, rules: dict[str, AccessRule]) -> None:
        self._tokens = tokens
        self._rules = rules

    async def check(self, method: str, context: grpc.aio.ServicerContext) -> None:
        if is_public(method):
            return
        rule = self._rules.get(method)
        if rule is None:
            raise Unauthorized(f"{method} is not open to callers")
        if rule.anonymous:
            return
        current_call().claims = self._tokens.verify(bearer_token(context))
