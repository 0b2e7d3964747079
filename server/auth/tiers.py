"""Account tiers and what each may do (docs/rest.md)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from neurogate.server.ratelimit import Limits


class Tier(StrEnum):
    FREE = "free"
    PRO = "pro"
    ENTERPRISE = "enterprise"


@dataclass(frozen=True)
class TierPolicy:
    #: Free accounts may authenticate, but every API call is refused (403).
    may_call_api: bool
    limits: Limits | None
    max_concurrent_streams: int


POLICIES: dict[Tier, TierPolicy] = {
    Tier.FREE: TierPolicy(may_call_api=False, limits=None, max_concurrent_streams=0),
    Tier.PRO: TierPolicy(
        may_call_api=True, limits=Limits(per_minute=60, per_day=10_000), max_concurrent_streams=4
    ),
    Tier.ENTERPRISE: TierPolicy(
        may_call_api=True, limits=Limits(per_minute=300, per_day=100_000), max_concurrent_streams=32
    ),
}


def rate_limits(overrides: tuple[tuple[str, int, int], ...] = ()) -> dict[Tier, Limits | None]:
    """Each tier's rate limits, with operator overrides (``NEUROGATE_TIER_LIMITS``)."""
    limits = {tier: policy.limits for tier, policy in POLICIES.items()}
    for tier, per_minute, per_day in overrides:
        limits[Tier(tier)] = Limits(per_minute=per_minute, per_day=per_day)
    return limits


def parse_tier(value: str) -> Tier:
    """The tier named ``value``; ``ValueError`` listing the tiers otherwise."""
    try:
        return Tier(value.strip().lower())
    except ValueError:
        raise ValueError(
            f"unknown tier {value!r}; choose one of: {', '.join(t.value for t in Tier)}"
        ) from None
