"""Turns verified token claims into the live account the call acts for.

Re-reading the account and the credential on every call is what makes a
revoked API key or client, or a tier change, take effect at once.
"""

from __future__ import annotations

import grpc

from neurogate.server.auth.credentials import CredentialService
from neurogate.server.context import current_call
from neurogate.server.interceptors._base import Guard


class TenancyGuard(Guard):
    def __init__(self, credentials: CredentialService) -> None:
        self._credentials = credentials

    async def check(self, method: str, context: grpc.aio.ServicerContext) -> None:
        call = current_call()
        if call.claims is not None:
            call.principal = await self._credentials.resolve(call.claims)
