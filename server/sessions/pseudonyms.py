"""Subject ids are pseudonymised before anything stores them: HMAC-SHA256 with
a server key, so the same subject always gets the same pseudonym (studies
can group by it) while the raw id cannot be recovered or guessed without
the key."""

from __future__ import annotations

import hashlib
import hmac

from neurogate.server.errors import InvalidParameter

MAX_SUBJECT_ID_LENGTH = 200


class Pseudonymizer:
    def __init__(self, key: str) -> None:
        self._key = key.encode()

    def __call__(self, subject_id: str) -> str:
        """``sub_`` and 32 hex digits; empty for no subject."""
        subject_id = subject_id.strip()
        if not subject_id:
            return ""
        if len(subject_id) > MAX_SUBJECT_ID_LENGTH:
            raise InvalidParameter(
                f"a subject id has at most {MAX_SUBJECT_ID_LENGTH} characters",
                parameter="subject_id",
            )
        digest = hmac.new(self._key, subject_id.encode(), hashlib.sha256).hexdigest()
        return f"sub_{digest[:32]}"
