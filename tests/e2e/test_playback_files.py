"""Playback files over REST through Envoy: a file an account names is its own
or the operator's shared library, never another account's recording; the
answer for a file it may not play is the answer for a missing one; the file
that replays a session goes with the session."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest

from conftest import Caller, NewCaller, Stack, assert_envelope
from neurogate.server.devices.store import DeviceStore

MISSING_SESSION = "ses_0123456789abcdef01234567"


async def recorded_session(rest: httpx.AsyncClient, caller: Caller) -> str:
    """Half a second of the caller's synthetic board, recorded and stopped."""
    devices = (await rest.get("/v1/devices", headers=caller.headers)).json()["devices"]
    device_id = devices[0]["device_id"]
    created = await rest.post("/v1/sessions", headers=caller.headers, json={"device_id": device_id})
    assert created.status_code == 200, created.text
    session_id = created.json()["session_id"]
    await asyncio.sleep(0.5)
    stopped = await rest.post(f"/v1/sessions/{session_id}/stop", headers=caller.headers, json={})
    assert stopped.status_code == 200, stopped.text
    await rest.post(f"/v2/devices/{device_id}/stream/stop", headers=caller.headers, json={})
    return session_id


async def brainflow_export(rest: httpx.AsyncClient, caller: Caller, session_id: str) -> bytes:
    reply = await rest.get(
        f"/v1/sessions/{session_id}/export", params={"format": "brainflow"}, headers=caller.headers
    )
    assert reply.status_code == 200, reply.text
    return reply.content


async def register_playback(
    rest: httpx.AsyncClient, caller: Caller, **params: object
) -> httpx.Response:
    return await rest.post(
        "/v1/devices",
        headers=caller.headers,
        json={"name": "player", "type": "playback_file", "params": params},
    )


async def device_ids(rest: httpx.AsyncClient, caller: Caller) -> list[str]:
    reply = await rest.get("/v1/devices", headers=caller.headers)
    assert reply.status_code == 200, reply.text
    return [device["device_id"] for device in reply.json()["devices"]]


def files_named_after(stack: Stack, session_id: str) -> list[Path]:
    """Every file under the data dir (the playback dir is inside it) whose
    name carries ``session_id``."""
    return [path for path in stack.settings.data_dir.rglob(f"*{session_id}*") if path.is_file()]


def assert_answered_like(
    theirs: httpx.Response, nobodys: httpx.Response, name: str, missing: str, stack: Stack
) -> None:
    """``theirs`` (for the file ``name``) is a 400 exactly like ``nobodys``
    (for the missing file ``missing``) and neither shows a server path."""
    error = assert_envelope(theirs, 400, "INVALID_PARAMETER")
    expected = assert_envelope(nobodys, 400, "INVALID_PARAMETER")
    assert error["message"] == expected["message"].replace(missing, name)
    assert error["details"] == {**expected["details"], "value": name}
    assert error["details"]["parameter"] == "params.file"
    for server_path in (stack.settings.data_dir, stack.settings.resolved_playback_dir):
        assert str(server_path.resolve()) not in theirs.text + nobodys.text


# ---------------------------------------------------------------- tenancy


async def test_another_account_cannot_register_a_playback_of_a_recording_by_file_name(
    stack: Stack, new_caller: NewCaller, rest: httpx.AsyncClient
):
    owner, intruder = await new_caller(), await new_caller()
    session_id = await recorded_session(rest, owner)
    replay = await register_playback(rest, owner, session_id=session_id)
    assert replay.status_code == 200, replay.text
    assert files_named_after(stack, session_id)  # the replay file the owner's device plays
    before = await device_ids(rest, intruder)

    for name, missing in (
        (f".recordings/{session_id}.tsv", f".recordings/{MISSING_SESSION}.tsv"),
        (f"accounts/{owner.account_id}/{session_id}.tsv", f"accounts/x/{MISSING_SESSION}.tsv"),
        (f"{session_id}.tsv", f"{MISSING_SESSION}.tsv"),
    ):
        theirs = await register_playback(rest, intruder, file=name)
        nobodys = await register_playback(rest, intruder, file=missing)
        assert_answered_like(theirs, nobodys, name, missing, stack)

    outside = await register_playback(rest, intruder, file=f"../replays/{session_id}.tsv")
    assert assert_envelope(outside, 400, "INVALID_PARAMETER")["details"]["parameter"] == (
        "params.file"
    )
    assert str(stack.settings.data_dir.resolve()) not in outside.text
    assert await device_ids(rest, intruder) == before


async def test_a_device_stored_on_another_accounts_recording_cannot_connect_or_stream(
    stack: Stack, new_caller: NewCaller, rest: httpx.AsyncClient
):
    """What an older server let an account register, and left on disk, plays
    nothing now."""
    owner, intruder = await new_caller(), await new_caller()
    session_id = await recorded_session(rest, owner)
    name = f".recordings/{session_id}.tsv"
    leftover = stack.settings.resolved_playback_dir / name
    leftover.parent.mkdir(parents=True, exist_ok=True)
    leftover.write_bytes(await brainflow_export(rest, owner, session_id))
    params = {"file": name, "master_board": "synthetic", "loop": False}
    device = await DeviceStore(stack.db).add(intruder.account_id, "x", "playback_file", params)

    connected = await rest.post(
        f"/v1/devices/{device.id}/connect", headers=intruder.headers, json={}
    )
    started = await rest.post(
        f"/v1/devices/{device.id}/stream/start", headers=intruder.headers, json={}
    )
    nobodys = await register_playback(rest, intruder, file=f".recordings/{MISSING_SESSION}.tsv")

    missing = f".recordings/{MISSING_SESSION}.tsv"
    assert_answered_like(connected, nobodys, name, missing, stack)
    assert_answered_like(started, nobodys, name, missing, stack)
    status = await rest.get(f"/v1/devices/{device.id}/status", headers=intruder.headers)
    assert status.json()["status"] == "disconnected"


async def test_a_file_in_an_accounts_own_playback_folder_plays_for_that_account_only(
    stack: Stack, new_caller: NewCaller, rest: httpx.AsyncClient
):
    owner, intruder = await new_caller(), await new_caller()
    session_id = await recorded_session(rest, owner)
    folder = stack.settings.resolved_playback_dir / "accounts" / owner.account_id
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "mine.csv").write_bytes(await brainflow_export(rest, owner, session_id))

    mine = await register_playback(rest, owner, file="mine.csv")
    assert mine.status_code == 200, mine.text
    connected = await rest.post(
        f"/v1/devices/{mine.json()['device_id']}/connect", headers=owner.headers, json={}
    )
    assert connected.status_code == 200, connected.text
    await rest.post(
        f"/v1/devices/{mine.json()['device_id']}/disconnect", headers=owner.headers, json={}
    )

    for name, missing in (
        ("mine.csv", "nothing.csv"),
        (f"accounts/{owner.account_id}/mine.csv", f"accounts/{owner.account_id}/nothing.csv"),
    ):
        theirs = await register_playback(rest, intruder, file=name)
        nobodys = await register_playback(rest, intruder, file=missing)
        assert_answered_like(theirs, nobodys, name, missing, stack)


# ---------------------------------------------------------------- replay files


async def test_deleting_a_session_deletes_its_replay_file_and_its_replays_cannot_connect(
    stack: Stack, new_caller: NewCaller, rest: httpx.AsyncClient
):
    caller = await new_caller()
    session_id = await recorded_session(rest, caller)
    replay = await register_playback(rest, caller, session_id=session_id)
    assert replay.status_code == 200, replay.text
    device_id = replay.json()["device_id"]
    assert files_named_after(stack, session_id)

    deleted = await rest.delete(f"/v1/sessions/{session_id}", headers=caller.headers)

    assert deleted.status_code == 200, deleted.text
    assert files_named_after(stack, session_id) == []
    device = await rest.get(f"/v1/devices/{device_id}", headers=caller.headers)
    assert device.status_code == 200, device.text
    connected = await rest.post(f"/v1/devices/{device_id}/connect", headers=caller.headers, json={})
    error = assert_envelope(connected, 404, "SESSION_NOT_FOUND")
    assert error["details"] == {"parameter": "session_id", "value": session_id}
    assert files_named_after(stack, session_id) == []


async def test_the_replay_file_goes_with_the_last_device_that_replays_it(
    stack: Stack, new_caller: NewCaller, rest: httpx.AsyncClient
):
    caller = await new_caller()
    session_id = await recorded_session(rest, caller)
    first, second = [
        (await register_playback(rest, caller, session_id=session_id)).json()["device_id"]
        for _ in range(2)
    ]

    await rest.delete(f"/v1/devices/{first}", headers=caller.headers)
    kept = files_named_after(stack, session_id)
    await rest.delete(f"/v1/devices/{second}", headers=caller.headers)

    assert kept
    assert files_named_after(stack, session_id) == []
    session = await rest.get(f"/v1/sessions/{session_id}", headers=caller.headers)
    assert session.status_code == 200, session.text


# ---------------------------------------------------------------- bad names


@pytest.mark.parametrize(
    "name",
    [
        pytest.param("a\x00b.csv", id="NUL byte"),
        pytest.param("line\nbreak.csv", id="newline"),
        pytest.param("\x7f.csv", id="DEL"),
        pytest.param("/etc/passwd", id="absolute path"),
        pytest.param("sub/../../x.csv", id="parent folder"),
        pytest.param("x" * 300 + ".csv", id="part too long"),
        pytest.param("a/" * 600 + "x.csv", id="name too long"),
    ],
)
async def test_a_malformed_file_name_is_a_400_that_stores_nothing(
    name: str, stack: Stack, new_caller: NewCaller, rest: httpx.AsyncClient
):
    caller = await new_caller()
    before = await device_ids(rest, caller)

    reply = await register_playback(rest, caller, file=name)

    error = assert_envelope(reply, 400, "INVALID_PARAMETER")
    assert error["details"]["parameter"] == "params.file"
    assert str(stack.settings.resolved_playback_dir.resolve()) not in reply.text
    assert await device_ids(rest, caller) == before


async def test_a_session_id_with_a_nul_byte_is_a_missing_session(
    new_caller: NewCaller, rest: httpx.AsyncClient
):
    caller = await new_caller()
    before = await device_ids(rest, caller)

    reply = await register_playback(rest, caller, session_id="ses_\x00x")

    error = assert_envelope(reply, 404, "SESSION_NOT_FOUND")
    assert error["details"] == {"parameter": "session_id", "value": "ses_\x00x"}
    assert await device_ids(rest, caller) == before
