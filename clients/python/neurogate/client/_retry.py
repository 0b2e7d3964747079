"""When to retry a failed call, and after how long.

Exponential backoff with full jitter (AWS's "Exponential Backoff and
Jitter"): the n-th retry waits a uniform draw from ``[0, min(cap, base *
2**n)]`` with base 0.5 s and cap 30 s, so clients that failed together do not
come back together. A 429 (RESOURCE_EXHAUSTED) carrying the server's reset
(``RetryInfo``) waits exactly until then, plus a little jitter; a reset
further away than the cap is not waited for: the error is raised at once,
with ``retry_after``, for the caller to decide.

Only ``UNAVAILABLE`` and the rate limiter's ``RESOURCE_EXHAUSTED`` are retried, and only for
idempotent calls (reads, analyses, deletes) or calls that carry an
idempotency key: a create whose answer was lost may have happened. A stream
that produced packets is not replayed here: the stream loop reconnects it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import grpc

from neurogate.client.errors import NeuroGateError

BASE_SECONDS = 0.5
FACTOR = 2.0
CAP_SECONDS = 30.0
#: Spread of the wait after a server-given reset, so that clients refused
#: in the same window do not all return in the same instant.
RESET_JITTER_SECONDS = 0.25

#: RESOURCE_EXHAUSTED also means "payload too large" or "slow consumer",
#: which a retry cannot cure: only the rate limiter's code is retried.
RATE_LIMITED = "RATE_LIMIT_EXCEEDED"


@dataclass(frozen=True)
class RetryPolicy:
    max_retries: int = 4

    def backoff(self, retry: int) -> float:
        """The full-jitter wait before retry number ``retry`` (from 0)."""
        return random.uniform(0, min(CAP_SECONDS, BASE_SECONDS * FACTOR**retry))

    def delay(self, retry: int, error: NeuroGateError, retryable: bool) -> float | None:
        """Seconds to wait before retry number ``retry``, or None to raise ``error``."""
        transient = error.status is grpc.StatusCode.UNAVAILABLE or error.code == RATE_LIMITED
        if not retryable or retry >= self.max_retries or not transient:
            return None
        if error.retry_after is not None:
            if error.retry_after > CAP_SECONDS:
                return None
            return error.retry_after + random.uniform(0, RESET_JITTER_SECONDS)
        return self.backoff(retry)
