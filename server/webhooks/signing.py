"""Signed deliveries: how a receiver knows a request came from NeuroGate,
unchanged and recently.

Every delivery carries::

    X-NeuroGate-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>
    X-NeuroGate-Event: spc.out_of_control
    X-NeuroGate-Delivery: whd_...

where the HMAC is keyed with the webhook's secret and taken over
``f"{t}.{body}"``, the timestamp, a dot and the raw request body, byte for
byte. Signing the timestamp with the body stops an attacker from replaying an
old body under a fresh timestamp.

Receivers (:func:`verify` is written to be copied):

1. recompute the HMAC over the raw body (before any JSON parsing) and compare
   in constant time;
2. reject timestamps more than 5 minutes (:data:`TOLERANCE_SECONDS`) from
   their clock, which bounds how long a captured request can be replayed;
3. remember delivery ids they processed for at least that long and ignore
   repeats: a delivery is retried until it is acknowledged with a 2xx, so
   the same delivery (same id, new timestamp and signature) can arrive more
   than once, e.g. when the 2xx was lost.

Each attempt is signed afresh with the current time, so a retry hours after
the event still passes step 2.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

from neurogate.server.errors import InvalidParameter

SIGNATURE_HEADER = "X-NeuroGate-Signature"
EVENT_HEADER = "X-NeuroGate-Event"
DELIVERY_HEADER = "X-NeuroGate-Delivery"
#: Oldest (or furthest in the future) timestamp a receiver should accept.
TOLERANCE_SECONDS = 300
#: A caller's own secret: long enough to resist guessing, short enough to store.
MIN_SECRET = 16
MAX_SECRET = 200


def new_secret() -> str:
    """A generated secret: 256 random bits."""
    return "whsec_" + secrets.token_urlsafe(32)


def check_secret(secret: str) -> str:
    """The caller's secret, or a generated one when empty."""
    if not secret:
        return new_secret()
    if not MIN_SECRET <= len(secret) <= MAX_SECRET:
        raise InvalidParameter(
            f"secret must be {MIN_SECRET} to {MAX_SECRET} characters (or empty to "
            "have one generated)",
            parameter="secret",
            value=len(secret),
        )
    return secret


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """Hex HMAC-SHA256 of ``f"{timestamp}.{body}"`` keyed with ``secret``."""
    message = f"{timestamp}.".encode() + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_header(secret: str, timestamp: int, body: bytes) -> str:
    return f"t={timestamp},v1={signature(secret, timestamp, body)}"


def verify(
    secret: str,
    header: str,
    body: bytes,
    *,
    now: float | None = None,
    tolerance: float = TOLERANCE_SECONDS,
) -> bool:
    """Whether ``header`` (the X-NeuroGate-Signature value) signs ``body``
    with ``secret`` at a time within ``tolerance`` seconds of ``now``.

    Self-contained (hashlib, hmac, time) so receivers can copy it.
    """
    fields: dict[str, list[str]] = {}
    for part in header.split(","):
        name, _, value = part.strip().partition("=")
        fields.setdefault(name, []).append(value)
    try:
        timestamp = int(fields["t"][0])
    except (KeyError, ValueError):
        return False
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance:
        return False
    expected = hmac.new(
        secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256
    ).hexdigest()
    return any(hmac.compare_digest(expected, given) for given in fields.get("v1", []))
