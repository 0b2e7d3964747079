"""Per-account rate limits by tier, for gRPC and REST callers alike.

Every authenticated call counts, and its response carries
``x-ratelimit-limit``, ``x-ratelimit-remaining`` and ``x-ratelimit-reset``
(Unix seconds); a call over the limit is refused with RATE_LIMIT_EXCEEDED
(429) and ``retry-after``. Free accounts have no budget: they get limit 0 and
are refused by the authorization interceptor. Anonymous calls (token
issuance) have no account and carry no rate-limit headers.
"""

from __future__ import annotations

import math
import time

import grpc

from neurogate.server.auth.tiers import Tier
from neurogate.server.context import current_call
from neurogate.server.errors import RateLimitExceeded
from neurogate.server.interceptors._base import Guard
from neurogate.server.ratelimit import Limits, RateLimiter


class RateLimitGuard(Guard):
    def __init__(self, limiter: RateLimiter, limits: dict[Tier, Limits | None]) -> None:
        self._limiter = limiter
        self._limits = limits

    async def check(self, method: str, context: grpc.aio.ServicerContext) -> None:
        call = current_call()
        if call.principal is None:
            return
        limits = self._limits[call.principal.tier]
        if limits is None:
            next_minute = math.floor(time.time() / 60 + 1) * 60
            call.response_headers.update(
                {
                    "x-ratelimit-limit": "0",
                    "x-ratelimit-remaining": "0",
                    "x-ratelimit-reset": str(next_minute),
                }
            )
            return
        decision = await self._limiter.hit(call.principal.account_id, limits)
        call.response_headers.update(
            {
                "x-ratelimit-limit": str(decision.limit),
                "x-ratelimit-remaining": str(decision.remaining),
                "x-ratelimit-reset": str(decision.reset),
            }
        )
        if not decision.allowed:
            raise RateLimitExceeded(
                f"rate limit of {decision.limit} calls per {decision.window} exceeded; "
                f"retry in {decision.retry_after} s",
                retry_after=decision.retry_after,
                limit=decision.limit,
                window=decision.window,
                tier=call.principal.tier.value,
            )
