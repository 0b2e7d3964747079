"""The BrainFlow files that replay recording sessions.

A playback device with ``params.session_id`` plays the session's recording
exported as a BrainFlow file, ``<data dir>/replays/<account id>/<session
id>.tsv``. The file is derived data: it lives apart from the playback
library (so no file name reaches it), is exported again whenever it is
missing, and goes when its session is deleted or when the last device that
replays it is.
"""

from __future__ import annotations

import re
from pathlib import Path

from neurogate.server.errors import SessionNotFound, not_found

REPLAYS_FOLDER = "replays"
_ID = re.compile(r"[A-Za-z0-9_]{1,64}")


def _checked_id(session_id: str) -> str:
    """``session_id`` when it can be an id at all; SessionNotFound otherwise,
    exactly like an id that names no session."""
    if not _ID.fullmatch(session_id):
        raise not_found(SessionNotFound, "session", session_id)
    return session_id


class ReplayFiles:
    def __init__(self, data_dir: Path) -> None:
        self.root = data_dir / REPLAYS_FOLDER

    def path(self, account_id: str, session_id: str) -> Path:
        return self.root / account_id / f"{_checked_id(session_id)}.tsv"

    def discard(self, account_id: str, session_id: str) -> None:
        """Deletes the session's replay file, if it has one."""
        self.path(account_id, session_id).unlink(missing_ok=True)
