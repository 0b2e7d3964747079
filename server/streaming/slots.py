"""The per-account cap on concurrent streams (docs/rest.md, by tier).

Counted in this process: a subscriber holds a slot from the first packet to
the end of its stream. Over the cap is RATE_LIMIT_EXCEEDED (429) naming the
cap; the caller can retry once one of its streams ends.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

from neurogate.server.auth.principal import Principal
from neurogate.server.auth.tiers import POLICIES
from neurogate.server.errors import RateLimitExceeded


class StreamSlots:
    def __init__(self) -> None:
        self._open: Counter[str] = Counter()

    def open(self, account_id: str) -> int:
        return self._open[account_id]

    @contextmanager
    def hold(self, principal: Principal) -> Iterator[None]:
        cap = POLICIES[principal.tier].max_concurrent_streams
        account = principal.account_id
        if self._open[account] >= cap:
            raise RateLimitExceeded(
                f"the account already has {cap} open streams, the {principal.tier.value} "
                "tier's cap; close one first",
                retry_after=1,
                limit=cap,
                window="concurrent_streams",
            )
        self._open[account] += 1
        try:
            yield
        finally:
            self._open[account] -= 1
            if not self._open[account]:
                del self._open[account]
