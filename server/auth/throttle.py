"""Throttling of failed credential checks, against password and secret guessing.

Every check of a secret (a user's password at login, a client secret when a
token or an API key is issued) spends one attempt from two allowances of the
shared rate limiter (:mod:`neurogate.server.ratelimit`, so replicas on one
Redis share the counts): one for the name tried (the email or the client id)
and one for the caller's address. A check that fails keeps its attempts; any
other outcome (success, a server error) gives them back, so only failures
count. Once an allowance is spent, every check on that name or from that
address is refused with RATE_LIMIT_EXCEEDED (429, ``Retry-After``) until its
window, which opened with its first failure, closes; the right secret too,
or the lockout would only slow a guesser down by the checks it wastes.

- The name's allowance counts guesses at one name from everywhere; the
  address's counts guesses at any names from one place, so trying many names
  does not escape it. An IPv6 address counts as its /64, which one client
  usually holds whole.
- Names are counted whether or not they exist, under a hash of the name, so a
  lockout answers the same for every name and no name is stored in the clear.
- A success resets nothing: neither a guesser's own good logins nor the
  victim's refill an allowance. Failures leave it only when their window closes.
- The attempt is spent before the secret is checked, atomically, so
  concurrent guesses cannot all slip in before the first failure is counted.
"""

from __future__ import annotations

import hashlib
import ipaddress
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from enum import StrEnum

from neurogate.server.errors import RateLimitExceeded, Unauthorized
from neurogate.server.ratelimit import Allowance, Decision, RateLimiter

#: Prefix of the limiter keys, apart from the tiers' call budgets.
KEY_PREFIX = "signin"


class SecretKind(StrEnum):
    """Whose secret is checked: each kind's names are counted apart."""

    CLIENT = "client"
    USER = "user"


@dataclass(frozen=True)
class ThrottlePolicy:
    """Failed checks allowed per name and per address in ``window_seconds``."""

    failures_per_name: int
    failures_per_address: int
    window_seconds: int

    def allowances(self) -> tuple[Allowance, Allowance]:
        """The name's and the address's allowance."""
        return (
            Allowance(self.failures_per_name, self.window_seconds),
            Allowance(self.failures_per_address, self.window_seconds),
        )


class SignInLocked(RateLimitExceeded):
    """Too many failed checks on a name or from an address: every check is
    refused until the window closes."""

    def __init__(self, decision: Decision) -> None:
        super().__init__(
            f"too many failed sign-in attempts; retry in {decision.retry_after} s",
            retry_after=decision.retry_after,
            limit=decision.limit,
            window=decision.window,
        )
        self.decision = decision

    @property
    def headers(self) -> dict[str, str]:
        """The ``X-RateLimit-*`` headers every 429 carries."""
        return {
            "x-ratelimit-limit": str(self.decision.limit),
            "x-ratelimit-remaining": "0",
            "x-ratelimit-reset": str(self.decision.reset),
        }


def address_key(address: str) -> str:
    """What one client's address counts as: an IPv4 address (an IPv4-mapped
    IPv6 one too) itself, an IPv6 address its /64."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.IPv6Network((parsed, 64), strict=False))
    return str(parsed)


def _name_key(kind: SecretKind, name: str) -> str:
    digest = hashlib.sha256(f"{kind.value}\0{name}".encode()).hexdigest()[:32]
    return f"{KEY_PREFIX}:{kind.value}:{digest}"


class CredentialThrottle:
    def __init__(self, limiter: RateLimiter, policy: ThrottlePolicy) -> None:
        self._limiter = limiter
        self._per_name, self._per_address = policy.allowances()  # checked at start-up

    @asynccontextmanager
    async def attempt(
        self, kind: SecretKind, name: str, address: str | None
    ) -> AsyncIterator[None]:
        """Around one check of a secret: SignInLocked before it if the name or
        the address is locked out; the attempt stays counted only if the check
        raises Unauthorized. ``address`` is None when the caller's is unknown
        (then only the name counts)."""
        wanted = [(_name_key(kind, name), self._per_name)]
        if address:
            wanted.append((f"{KEY_PREFIX}:address:{address_key(address)}", self._per_address))
        spent: list[str] = []
        try:
            for key, allowance in wanted:
                decision = await self._limiter.spend(key, allowance)
                if not decision.allowed:
                    raise SignInLocked(decision)
                spent.append(key)
            yield
        except Unauthorized:
            raise  # a failed check: its attempts stay spent
        except BaseException:
            await self._refund(spent)
            raise
        await self._refund(spent)

    async def _refund(self, keys: list[str]) -> None:
        for key in keys:
            await self._limiter.refund(key)
