"""When a failed delivery is tried again.

Exponential backoff with full jitter in its upper half: attempt ``n`` (1 is the
first, failed, attempt) waits ``min(cap, base * factor ** (n - 1))`` times a
random factor in [0.5, 1], so receivers that came back up are not hit by every
sender at once, and a retry never comes sooner than half the nominal delay.

With the defaults (base 10 s, set by ``NEUROGATE_WEBHOOK_RETRY_BASE_SECONDS``;
factor 3; cap 6 h; 8 attempts) the nominal delays are 10 s, 30 s, 1.5 min,
4.5 min, 13.5 min, 40.5 min and 2 h: a receiver that is down for up to about
3 hours loses nothing. After the 8th failed attempt the delivery is marked
failed and stays in the delivery log.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

FACTOR = 3.0
CAP_SECONDS = 6 * 3600.0
MAX_ATTEMPTS = 8


@dataclass(frozen=True)
class RetryPolicy:
    base_seconds: float = 10.0
    factor: float = FACTOR
    cap_seconds: float = CAP_SECONDS
    max_attempts: int = MAX_ATTEMPTS

    def nominal_delay(self, attempts: int) -> float:
        """Seconds before the next try after ``attempts`` failed ones, before jitter."""
        return min(self.cap_seconds, self.base_seconds * self.factor ** (attempts - 1))

    def delay(self, attempts: int, rng: random.Random | None = None) -> float | None:
        """Seconds to wait after ``attempts`` failed attempts; None when that
        was the last one allowed."""
        if attempts >= self.max_attempts:
            return None
        jitter = (rng or random).uniform(0.5, 1.0)
        return self.nominal_delay(attempts) * jitter
