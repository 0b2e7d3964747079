"""AIP-158 pagination: ``page_size`` (0 means the default, capped, negative
refused) and opaque ``page_token`` cursors.

Tokens are keyset cursors (the sort key of the last item returned), so pages
stay correct while items are added or deleted; a token remembers the filter
it was issued for and is refused with any other.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime

from neurogate.server.errors import InvalidParameter

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 500


def page_size(requested: int) -> int:
    if requested < 0:
        raise InvalidParameter(
            "page_size cannot be negative", parameter="page_size", value=requested
        )
    return min(requested or DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)


@dataclass(frozen=True)
class Cursor:
    """Position after the last item of a page, newest first."""

    created_at: datetime
    id: str


def encode_cursor(cursor: Cursor, scope: str) -> str:
    raw = json.dumps({"t": cursor.created_at.isoformat(), "i": cursor.id, "s": scope})
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(token: str, scope: str) -> Cursor | None:
    """The cursor in ``token`` (None for the first page)."""
    if not token:
        return None
    try:
        padded = token + "=" * (-len(token) % 4)
        raw = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if raw["s"] != scope:
            raise ValueError("token issued for another query")
        created_at = datetime.fromisoformat(raw["t"])
        if created_at.tzinfo is None:
            raise ValueError("cursor time without a UTC offset")
        return Cursor(created_at, str(raw["i"]))
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise InvalidParameter(
            "page_token is not a token this list returned (or was issued for other filters)",
            parameter="page_token",
        ) from None
