"""Checks that the caller's tier may use the API and that its token carries
the scope the method declares in the protos."""

from __future__ import annotations

import grpc

from neurogate.server.api import AccessRule
from neurogate.server.auth.tiers import POLICIES
from neurogate.server.context import current_call
from neurogate.server.errors import InsufficientPermissions
from neurogate.server.interceptors._base import Guard


class AuthorizationGuard(Guard):
    def __init__(self, rules: dict[str, AccessRule]) -> None:
        self._rules = rules

    async def check(self, method: str, context: grpc.aio.ServicerContext) -> None:
        principal = current_call().principal
        if principal is None:
            return
        if not POLICIES[principal.tier].may_call_api:
            raise InsufficientPermissions(
                "free accounts cannot call the API; upgrade to pro or enterprise",
                tier=principal.tier.value,
                suggestion="ask your administrator to change the account's tier",
            )
        scope = self._rules[method].scope
        if scope not in principal.scopes:
            raise InsufficientPermissions(
                f"this call needs the {scope!r} scope, which the token does not carry",
                required_scope=scope,
                granted_scopes=sorted(principal.scopes),
            )
