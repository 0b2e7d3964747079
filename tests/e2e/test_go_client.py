"""The Go client (clients/go): its example program, built with Debian's Go
toolchain against the committed stubs, authenticates, lists devices and
reads live packets from the real server, directly and through Envoy."""

from __future__ import annotations

import asyncio
import re
import shutil
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import httpx
import pytest
import pytest_asyncio

from conftest import NewCaller, Stack, service_missing
from neurogate.server.auth.accounts import NewAccount
from neurogate.server.auth.tiers import Tier

GO_CLIENT = Path(__file__).resolve().parents[2] / "clients" / "go"
PACKET = re.compile(
    r"^packet sequence=(\d+) first_sample=(\d+) samples=(\d+) channels=(\d+)$", re.MULTILINE
)


@dataclass(frozen=True)
class Run:
    returncode: int
    stdout: str
    stderr: str


@pytest_asyncio.fixture(scope="module")
async def program(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("go") is None:
        service_missing("the Go toolchain is missing: `make go-tools` installs Debian's golang-go")
    binary = tmp_path_factory.mktemp("go") / "neurogate-example"
    build = await asyncio.create_subprocess_exec(
        str(GO_CLIENT / "build.sh"),
        str(binary),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await build.communicate()
    assert build.returncode == 0, output.decode()
    return binary


async def run(program: Path, target: str, env: dict[str, str], *args: str) -> Run:
    process = await asyncio.create_subprocess_exec(
        str(program),
        "-target",
        target,
        "-timeout",
        "30s",
        *args,
        env={"PATH": "/usr/bin:/bin", **env},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await process.communicate()
    assert process.returncode is not None
    return Run(process.returncode, stdout.decode(), stderr.decode())


def client_credentials(account: NewAccount) -> dict[str, str]:
    return {
        "NEUROGATE_CLIENT_ID": account.client_id,
        "NEUROGATE_CLIENT_SECRET": account.client_secret,
    }


async def devices_of(rest: httpx.AsyncClient, token: str) -> list[dict]:
    reply = await rest.get("/v1/devices", headers={"authorization": f"Bearer {token}"})
    assert reply.status_code == 200, reply.text
    return reply.json()["devices"]


def assert_consecutive_blocks(
    packets: list[tuple[int, ...]], block_size: int, channels: int
) -> None:
    """Increasing sequences; each block starts where the last ended and holds
    at most ``block_size`` samples (fewer when its latency bound expired)."""
    for (sequence, first, samples, _), (next_sequence, next_first, _, _) in pairwise(packets):
        assert next_sequence > sequence
        assert next_first == first + samples
    assert all(0 < samples <= block_size for _, _, samples, _ in packets), packets
    assert {width for *_, width in packets} == {channels}


async def test_program_lists_devices_and_reads_packets_with_client_credentials(
    program: Path, stack: Stack, new_caller: NewCaller, rest: httpx.AsyncClient
):
    caller = await new_caller()
    [device] = await devices_of(rest, caller.token)

    result = await run(
        program,
        stack.grpc_target,
        client_credentials(caller.account),
        "-packets",
        "4",
        "-block-size",
        "10",
    )

    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "authenticated: client_credentials, expires_in=3600"
    assert lines[1] == (
        f'device {device["device_id"]} name="{device["name"]}" type=synthetic '
        f"status={device['status']} channels={len(device['channels'])} sample_rate=250"
    )
    assert lines[2] == f"stream {device['device_id']}: started"
    packets = [tuple(map(int, match)) for match in PACKET.findall(result.stdout)]
    assert len(packets) == 4
    assert_consecutive_blocks(packets, block_size=10, channels=len(device["channels"]))
    total = sum(samples for _, _, samples, _ in packets)
    assert lines[-1] == f"read 4 packets, {total} samples"


async def test_program_uses_an_api_key_and_reaches_the_server_through_envoy(
    program: Path, stack: Stack, new_caller: NewCaller, rest: httpx.AsyncClient
):
    caller = await new_caller()
    key = await rest.post(
        "/v1/auth/apikey",
        json={
            "client_id": caller.account.client_id,
            "client_secret": caller.account.client_secret,
            "scope": ["devices.read", "devices.write", "streams.read"],
        },
    )
    assert key.status_code == 200, key.text
    envoy_target = f"127.0.0.1:{stack.settings.http_port}"

    result = await run(program, envoy_target, {"NEUROGATE_API_KEY": key.json()["api_key"]})

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("authenticated: api_key\n")
    packets = [tuple(map(int, match)) for match in PACKET.findall(result.stdout)]
    assert len(packets) == 5
    assert_consecutive_blocks(packets, block_size=25, channels=16)
    total = sum(samples for _, _, samples, _ in packets)
    assert result.stdout.endswith(f"read 5 packets, {total} samples\n")


async def test_program_keeps_a_stream_that_already_runs(
    program: Path, stack: Stack, new_caller: NewCaller, rest: httpx.AsyncClient
):
    caller = await new_caller()
    [device] = await devices_of(rest, caller.token)
    started = await rest.post(
        f"/v1/devices/{device['device_id']}/stream/start",
        headers=caller.headers,
        json={"channels": [1, 2]},
    )
    assert started.status_code == 200, started.text

    result = await run(
        program, stack.grpc_target, client_credentials(caller.account), "-packets", "2"
    )

    assert result.returncode == 0, result.stderr
    assert f"stream {device['device_id']}: already streaming" in result.stdout
    assert {int(channels) for *_, channels in PACKET.findall(result.stdout)} == {2}


async def test_wrong_client_secret_fails_with_the_servers_error_code(
    program: Path, stack: Stack, new_caller: NewCaller
):
    caller = await new_caller()
    env = {**client_credentials(caller.account), "NEUROGATE_CLIENT_SECRET": "not-the-secret"}

    result = await run(program, stack.grpc_target, env)

    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == (
        "error: UNAUTHORIZED (gRPC Unauthenticated): invalid client credentials\n"
    )


async def test_free_tier_is_refused_after_authenticating(
    program: Path, stack: Stack, new_caller: NewCaller
):
    caller = await new_caller(tier=Tier.FREE)

    result = await run(program, stack.grpc_target, client_credentials(caller.account))

    assert result.returncode == 1
    assert result.stdout == "authenticated: client_credentials, expires_in=3600\n"
    assert result.stderr.startswith("error: INSUFFICIENT_PERMISSIONS (gRPC PermissionDenied): "), (
        result.stderr
    )


async def test_missing_credentials_are_refused_before_any_call(program: Path, stack: Stack):
    result = await run(program, stack.grpc_target, {})

    assert result.returncode == 1
    assert "NEUROGATE_API_KEY" in result.stderr


async def test_unreachable_server_is_reported_as_unavailable(program: Path):
    env = {"NEUROGATE_CLIENT_ID": "cli_x", "NEUROGATE_CLIENT_SECRET": "secret"}

    result = await run(program, "127.0.0.1:1", env)

    assert result.returncode == 1
    assert result.stderr.startswith("error: gRPC Unavailable: "), result.stderr
