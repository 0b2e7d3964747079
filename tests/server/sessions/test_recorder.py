"""The recorder commits a session's samples in chunks, each exactly once,
even when whoever waits on a commit is cancelled while it is being written."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from neurogate.server.auth.accounts import AccountAdmin
from neurogate.server.auth.tiers import Tier
from neurogate.server.ids import new_id
from neurogate.server.sessions.recorder import Recorder
from neurogate.server.sessions.store import SessionStore
from neurogate.server.storage.models import RecordingSession
from neurogate.server.streaming.hub import Block

RATE = 250.0
CHANNELS = 2


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'neurogate.db'}"


class CommitWatchingStore(SessionStore):
    """A real store whose commits, like those running in a database thread,
    land even when the caller waiting for them is cancelled."""

    def __init__(self, db) -> None:
        super().__init__(db)
        self.writing = asyncio.Event()

    async def append(self, *args: Any) -> None:
        commit = asyncio.ensure_future(super().append(*args))
        self.writing.set()
        await asyncio.shield(commit)


async def new_session(db, store: SessionStore) -> RecordingSession:
    account_id = (await AccountAdmin(db).create_account("Lab", Tier.PRO)).account_id
    return await store.add(
        RecordingSession(
            id=new_id("ses"),
            account_id=account_id,
            device_id=new_id("dev"),
            device_name="Synthetic board",
            board_id=-1,
            subject_pseudonym="sub_x",
            status="recording",
            sample_rate=RATE,
            channel_numbers=[1, 2],
            channel_names=["Fz", "Cz"],
        )
    )


def block(first: int, size: int) -> Block:
    index = np.arange(first, first + size)
    return Block(first, 1_700_000_000 + index / RATE, np.column_stack([index, -index]) * 1.0)


def no_stream_end(_end: object) -> Any:
    raise AssertionError("the stream did not end")


async def test_a_flush_cancelled_mid_commit_is_counted_and_close_commits_the_rest(db) -> None:
    store = CommitWatchingStore(db)
    session = await new_session(db, store)
    recorder = Recorder(session.id, store, RATE, CHANNELS, no_stream_end)
    recorder.write(block(0, 100))

    flushing = asyncio.create_task(recorder.flush())
    await store.writing.wait()
    flushing.cancel()
    with pytest.raises(asyncio.CancelledError):
        await flushing
    recorder.write(block(100, 50))
    await recorder.close()

    recording = await store.recording(session.account_id, session.id)
    assert recorder.data_points == 150
    assert await store.chunk_count(session.id) == 2
    np.testing.assert_array_equal(recording.samples[:, 0], np.arange(150))


async def test_close_without_samples_commits_nothing(db) -> None:
    store = SessionStore(db)
    session = await new_session(db, store)
    recorder = Recorder(session.id, store, RATE, CHANNELS, no_stream_end)

    await recorder.close()

    assert recorder.data_points == 0
    assert await store.chunk_count(session.id) == 0
