"""Resource identifiers: a type prefix and 96 random bits (``ds_3f9a...``)."""

from __future__ import annotations

import secrets


def new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(12)}"


def new_secret() -> str:
    """A client secret or password-grade random string (256 bits)."""
    return secrets.token_urlsafe(32)
