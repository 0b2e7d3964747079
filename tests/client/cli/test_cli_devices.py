"""``neurogate devices``, ``stream``, ``sessions`` and ``export`` against the
account's real synthetic BrainFlow board (16 channels, 250 Hz)."""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import pty
import subprocess
from pathlib import Path

import pytest
from cli_support import MODULE, Cli, account_cli

from conftest import Stack


@pytest.fixture
async def board(stack: Stack, tmp_path: Path):
    """A client and its account's synthetic board, streamed on channels 1-4
    and stopped after the test."""
    cli = await account_cli(stack, tmp_path)
    [device] = cli.json("devices", "list")
    started = cli.json("devices", "start", device["id"], "--channels", "1,2,3,4", "--notch", "50")
    assert started["channels"] == [1, 2, 3, 4]
    yield cli, device["id"]
    cli.run("devices", "stop", device["id"])


async def test_devices_list_and_status_show_the_synthetic_board(stack: Stack, tmp_path: Path):
    cli = await account_cli(stack, tmp_path)

    [device] = cli.json("devices", "list")
    status = cli.json("devices", "status", device["id"])

    assert device["type"] == "synthetic"
    assert len(device["channels"]) == 16
    assert device["sample_rate"] == 250
    assert status["device_id"] == device["id"]
    assert "streaming" in status


async def test_stream_json_gives_consecutive_packets_of_the_channels_asked_for(board):
    cli, device_id = board

    lines = cli.run(
        "stream", device_id, "--channels", "2,3", "--block-size", "10", "--count", "5", "--json"
    ).stdout.splitlines()

    packets = [json.loads(line) for line in lines]
    assert [p["sequence"] for p in packets] == [0, 1, 2, 3, 4]
    for before, after in itertools.pairwise(packets):
        assert after["first_sample_index"] == before["first_sample_index"] + before["sample_count"]
    assert [c["channel"] for c in packets[0]["channels"]] == [2, 3]
    assert all(c["rms"] > 0 and c["peak_to_peak"] > 0 for p in packets for c in p["channels"])
    assert all(c["quality"] for c in packets[0]["channels"])


async def test_stream_without_a_terminal_prints_a_line_per_update_and_each_marker(board):
    cli, device_id = board
    viewer = subprocess.Popen(
        [*MODULE, "stream", device_id, "--seconds", "4", "--interval", "0.5"],
        env=cli.env,
        cwd=cli.cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    first = viewer.stdout.readline()  # the stream is open: a marker now reaches it
    cli.json("devices", "marker", device_id, "stimulus", "--meta", "side=left")
    rest, errors = viewer.communicate(timeout=30)

    assert viewer.returncode == 0, errors
    lines = [first, *rest.splitlines()]
    updates = [line for line in lines if line.startswith("t=")]
    assert len(updates) >= 4
    assert "ch1 " in updates[-1] and "ch4 " in updates[-1] and " Hz rms " in updates[-1]
    [marker] = [line for line in lines if line.startswith("marker ")]
    assert marker.startswith("marker stimulus at ") and "side=left" in marker


async def test_stream_of_a_device_that_is_not_streaming_exits_1(stack: Stack, tmp_path: Path):
    cli = await account_cli(stack, tmp_path)
    [device] = cli.json("devices", "list")

    error = cli.json_error("stream", device["id"], "--count", "1")

    assert error["code"] == "STREAM_UNAVAILABLE"


async def test_status_of_an_unknown_device_exits_1(stack: Stack, tmp_path: Path):
    cli = await account_cli(stack, tmp_path)
    assert cli.json_error("devices", "status", "dev_nope")["code"] == "DEVICE_NOT_FOUND"


async def test_record_a_session_and_export_it_as_edf(board):
    cli, device_id = board

    session = cli.json(
        "sessions", "start", device_id, "--subject", "subject-01", "--experiment", "resting"
    )
    cli.json("devices", "marker", device_id, "eyes_closed")
    stopped = _wait_for_samples_then_stop(cli, session["id"])
    exported = cli.json("export", session["id"], "--format", "edf", "--output", "rec.edf")

    assert stopped["status"] == "stopped"
    [listed] = cli.json("sessions", "list")
    assert (listed["id"], listed["data_points"]) == (session["id"], stopped["data_points"])
    assert exported["path"] == "rec.edf"
    edf = (cli.cwd / "rec.edf").read_bytes()
    assert exported["bytes"] == len(edf)
    assert edf[:8] == b"0       "
    assert b"eyes_closed" in edf  # the marker, as an EDF+ annotation

    cli.json("sessions", "delete", session["id"])
    assert cli.json_error("export", session["id"])["code"] == "SESSION_NOT_FOUND"


def _wait_for_samples_then_stop(cli: Cli, session_id: str) -> dict:
    # One second of samples is committed per flush: wait for two.
    for _ in range(60):
        if cli.json("sessions", "show", session_id)["data_points"] >= 500:
            break
    return cli.json("sessions", "stop", session_id)


async def test_stream_on_a_terminal_redraws_a_table_per_update(board):
    cli, device_id = board
    leader, follower = pty.openpty()
    viewer = subprocess.Popen(
        [*MODULE, "stream", device_id, "--seconds", "2.5", "--interval", "0.5"],
        env=cli.env,
        cwd=cli.cwd,
        stdin=subprocess.DEVNULL,
        stdout=follower,
        stderr=subprocess.PIPE,
    )
    os.close(follower)
    screen = b""
    with contextlib.suppress(OSError):  # EIO once the viewer exits and closes the terminal
        while chunk := os.read(leader, 65536):
            screen += chunk
    os.close(leader)
    _, errors = viewer.communicate(timeout=30)
    assert viewer.returncode == 0, errors

    frames = screen.decode().split("\x1b[2J")  # click.clear() on a terminal
    assert len(frames) >= 4
    assert "CHANNEL  HZ" in frames[-1] and "QUALITY" in frames[-1]
    assert sum(line.strip().startswith(("1 ", "4 ")) for line in frames[-1].splitlines()) == 2
