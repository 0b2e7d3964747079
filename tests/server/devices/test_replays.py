"""Where the files that replay sessions live: per account under the data
dir, named by a session id that can only be an id, and gone on discard."""

from __future__ import annotations

from pathlib import Path

import pytest

from neurogate.server.devices.replays import ReplayFiles
from neurogate.server.errors import SessionNotFound


def test_a_replay_file_is_kept_per_account_under_the_data_dir(tmp_path: Path):
    replays = ReplayFiles(tmp_path)

    path = replays.path("acc_1", "ses_0123")

    assert path == tmp_path / "replays" / "acc_1" / "ses_0123.tsv"
    assert replays.path("acc_2", "ses_0123") != path


@pytest.mark.parametrize(
    "session_id", ["../acc_2/ses_1", "ses/1", "ses_\x00", "ses_1.tsv", "x" * 65]
)
def test_a_session_id_that_cannot_be_an_id_is_a_missing_session(tmp_path: Path, session_id: str):
    with pytest.raises(SessionNotFound) as raised:
        ReplayFiles(tmp_path).path("acc_1", session_id)

    assert raised.value.details == {"parameter": "session_id", "value": session_id}


def test_discard_deletes_the_sessions_file_and_nothing_else(tmp_path: Path):
    replays = ReplayFiles(tmp_path)
    kept, gone = replays.path("acc_1", "ses_1"), replays.path("acc_1", "ses_2")
    for path in (kept, gone):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x")

    replays.discard("acc_1", "ses_2")
    replays.discard("acc_1", "ses_3")  # never exported: nothing to do

    assert kept.exists()
    assert not gone.exists()
