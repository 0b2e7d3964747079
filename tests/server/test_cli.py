"""The ``neurogate`` command as operators and newcomers use it."""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from conftest import stack_env


def neurogate(
    *args: str, env: dict[str, str], input: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "neurogate.server", *args],
        env=env,
        capture_output=True,
        text=True,
        input=input,
        timeout=60,
    )


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return stack_env(tmp_path / "data")


def test_create_account_json_prints_only_the_credentials(env: dict[str, str]):
    result = neurogate(
        "admin", "create-account", "--name", "Lab A", "--tier", "pro", "--json", env=env
    )
    assert result.returncode == 0, result.stderr
    created = json.loads(result.stdout)
    assert set(created) == {"account_id", "client_id", "client_secret"}
    assert created["account_id"].startswith("acc_")


def test_accounts_are_listed_and_their_tier_changed(env: dict[str, str]):
    created = json.loads(
        neurogate("admin", "create-account", "--name", "Lab B", "--json", env=env).stdout
    )
    assert (
        neurogate("admin", "set-tier", created["account_id"], "enterprise", env=env).returncode == 0
    )
    listed = json.loads(neurogate("admin", "list-accounts", "--json", env=env).stdout)
    assert [(a["account_id"], a["tier"], a["clients"]) for a in listed] == [
        (created["account_id"], "enterprise", 1)
    ]


def test_unknown_tier_is_refused_listing_the_tiers(env: dict[str, str]):
    result = neurogate("admin", "create-account", "--name", "x", "--tier", "gold", env=env)
    assert result.returncode != 0
    assert "free, pro, enterprise" in result.stderr


def test_revoking_an_unknown_key_fails_clearly(env: dict[str, str]):
    result = neurogate("admin", "revoke-key", "key_nope", env=env)
    assert result.returncode == 1
    assert "no API key 'key_nope'" in result.stderr


def test_user_creation_prompts_for_the_password(env: dict[str, str]):
    account = json.loads(
        neurogate("admin", "create-account", "--name", "Lab C", "--json", env=env).stdout
    )
    password = "a long enough password"
    result = neurogate(
        "admin",
        "create-user",
        "--account",
        account["account_id"],
        "--email",
        "ada@example.org",
        "--json",
        env=env,
        input=f"{password}\n{password}\n",
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.splitlines()[-1])["user_id"].startswith("usr_")


def test_bad_configuration_is_a_clear_startup_error(env: dict[str, str]):
    result = neurogate("serve", env={**env, "NEUROGATE_GRPC_PORT": "grpc"})
    assert result.returncode != 0
    assert "NEUROGATE_GRPC_PORT='grpc' is not a valid int" in result.stderr


def _read_banner(process: subprocess.Popen[str]) -> str:
    lines = []
    for line in process.stdout:
        lines.append(line)
        if line.startswith("Stop with Ctrl-C"):
            return "".join(lines)
    raise AssertionError("no banner:\n" + "".join(lines))


def _commands_after(banner: str, heading: str) -> str:
    """The shell lines printed under ``heading``, continuations joined."""
    section = banner.split(heading, 1)[1].split("\n\n", 1)[0]
    return section.split("\n", 1)[1].replace("\\\n", " ")


def test_run_starts_server_envoy_and_a_streaming_demo_board_with_working_commands(
    env: dict[str, str], tmp_path: Path
):
    for attempt in range(2):  # a second start reuses the same demo account
        process = subprocess.Popen(
            [sys.executable, "-m", "neurogate.server", "run"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        try:
            banner = _read_banner(process)
            client_id = re.search(r"NEUROGATE_CLIENT_ID=(cli_\w+)", banner).group(1)
            if attempt == 0:
                first_client = client_id
            assert client_id == first_client
            argv = shlex.split(_commands_after(banner, "Get a token:"))
            body = argv[argv.index("-d") + 1]
            url = next(arg for arg in argv if arg.startswith("http"))
            token = httpx.post(
                url, content=body, headers={"content-type": "application/json"}
            ).json()
            assert token["token_type"] == "Bearer"
            listed = httpx.get(
                url.replace("/v1/auth/token", "/v1/datasets"),
                headers={"authorization": f"Bearer {token['access_token']}"},
            )
            assert listed.status_code == 200
            watch = _commands_after(banner, "is streaming; watch it:").replace(
                "curl -sN", "timeout 3 curl -sN"
            )
            streamed = subprocess.run(
                ["bash", "-c", watch], capture_output=True, text=True, timeout=30
            ).stdout.splitlines()
            packets = [json.loads(line) for line in streamed if line.strip()]
            assert len(packets) >= 5
            assert packets[0]["channel_numbers"] == [1] and len(packets[0]["samples"]) == 25
        finally:
            process.send_signal(signal.SIGTERM)
            exit_code = process.wait(30)
            process.stdout.close()
        assert exit_code == 0
        with pytest.raises(httpx.ConnectError):
            httpx.get(url)
    assert os.stat(tmp_path / "data" / "demo_credentials.json").st_mode & 0o077 == 0
