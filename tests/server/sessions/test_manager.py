"""Recording sessions over a real synthetic board: a session with a duration
completes by itself and keeps what it recorded; a stopped one is not timed
out later, even when whoever stopped it hung up half-way."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from neurogate.server.auth.accounts import AccountAdmin
from neurogate.server.auth.tiers import Tier
from neurogate.server.compute import ComputePool
from neurogate.server.datasets.store import DatasetStore
from neurogate.server.devices.manager import DeviceManager
from neurogate.server.devices.store import DeviceStore
from neurogate.server.errors import InvalidParameter
from neurogate.server.sessions.manager import SessionManager
from neurogate.server.sessions.pseudonyms import Pseudonymizer
from neurogate.server.sessions.store import SessionFilter, SessionStore
from neurogate.server.streaming.hub import BacklogPolicy

#: A "minute" of duration_minutes lasts this long here.
MINUTE_SECONDS = 1.0


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'neurogate.db'}"


@pytest_asyncio.fixture
async def devices(db, tmp_path: Path) -> AsyncIterator[DeviceManager]:
    manager = DeviceManager(
        DeviceStore(db), tmp_path / "playback", BacklogPolicy(5.0, 10.0), data_dir=tmp_path
    )
    yield manager
    await manager.close()


@pytest_asyncio.fixture
async def sessions(db, devices: DeviceManager) -> AsyncIterator[SessionManager]:
    compute = ComputePool(workers=1)
    manager = SessionManager(
        SessionStore(db),
        devices,
        DatasetStore(db),
        compute,
        Pseudonymizer("k" * 32),
        minute_seconds=MINUTE_SECONDS,
    )
    devices.is_recording = manager.is_recording
    await manager.start()
    yield manager
    await manager.close()
    compute.close()


@pytest_asyncio.fixture
async def board(db, devices: DeviceManager) -> tuple[str, str]:
    """An account and the synthetic board it starts with."""
    account_id = (await AccountAdmin(db).create_account("Lab", Tier.PRO)).account_id
    [(device, _)] = await devices.list(account_id)
    return account_id, device.id


async def test_a_session_with_a_duration_completes_by_itself_with_its_samples(
    sessions: SessionManager, board: tuple[str, str]
) -> None:
    account_id, device_id = board
    session = await sessions.create(account_id, device_id, "subject-1", "rest", 1, [], "")

    await asyncio.sleep(MINUTE_SECONDS + 1.0)

    done = await sessions.get(account_id, session.id)
    assert done.status == "completed"
    assert not sessions.is_recording(device_id)
    # About a second of samples from a 250 Hz board, committed when it ended.
    assert 150 <= done.data_points <= 400


async def test_a_session_stopped_early_stays_stopped_after_its_duration(
    sessions: SessionManager, board: tuple[str, str]
) -> None:
    account_id, device_id = board
    session = await sessions.create(account_id, device_id, "subject-1", "rest", 1, [], "")
    await asyncio.sleep(0.3)

    stopped = await sessions.stop(account_id, session.id)
    await asyncio.sleep(MINUTE_SECONDS + 0.2)

    after = await sessions.get(account_id, session.id)
    assert stopped.status == after.status == "stopped"
    assert after.data_points == stopped.data_points


async def test_a_stop_whose_caller_is_cancelled_half_way_still_finishes_the_session(
    sessions: SessionManager, board: tuple[str, str]
) -> None:
    account_id, device_id = board
    session = await sessions.create(account_id, device_id, "subject-1", "rest", 0, [], "")
    await asyncio.sleep(0.3)

    stopping = asyncio.create_task(sessions.stop(account_id, session.id))
    while sessions.is_recording(device_id):  # the stop has begun finishing the session
        await asyncio.sleep(0)
    stopping.cancel()
    with pytest.raises(asyncio.CancelledError):
        await stopping

    for _ in range(100):
        finished = await sessions.get(account_id, session.id)
        if finished.status != "recording":
            break
        await asyncio.sleep(0.02)
    assert finished.status == "stopped"
    assert finished.data_points > 0


@pytest.mark.parametrize("minutes", [-1, 100_000])
async def test_a_duration_out_of_range_is_refused_and_records_nothing(
    sessions: SessionManager, board: tuple[str, str], minutes: int
) -> None:
    account_id, device_id = board
    with pytest.raises(InvalidParameter) as refused:
        await sessions.create(account_id, device_id, "subject-1", "rest", minutes, [], "")

    assert refused.value.details["parameter"] == "duration_minutes"
    assert not sessions.is_recording(device_id)
    assert (await sessions.page(account_id, SessionFilter(), 10, "")).sessions == []
