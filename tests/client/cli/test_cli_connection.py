"""``neurogate login``/``logout`` and where commands find their connection:
options over environment over the stored file, and never a default
credential."""

from __future__ import annotations

import json
import stat
from pathlib import Path

from cli_support import ENTRY_POINT, Cli, clean_env, envoy_target

from conftest import Stack, free_port
from neurogate.server.auth.tiers import Tier


async def test_client_commands_are_registered_on_the_neurogate_command(tmp_path: Path):
    result = Cli(clean_env(tmp_path), tmp_path).run("--help", command=ENTRY_POINT)
    assert result.returncode == 0, result.stderr
    for command in ("serve", "admin", "login", "datasets", "analyze", "spc", "devices", "stream"):
        assert f"  {command} " in result.stdout


async def test_login_with_client_credentials_stores_an_api_key_readable_only_by_the_user(
    stack: Stack, tmp_path: Path
):
    account = await stack.accounts.create_account("login", Tier.PRO)
    cli = Cli(clean_env(tmp_path), tmp_path)

    logged_in = cli.json(
        "login",
        "--target",
        envoy_target(stack),
        "--client-id",
        account.client_id,
        "--client-secret",
        account.client_secret,
        command=ENTRY_POINT,
    )

    assert logged_in["key_id"].startswith("key_")
    assert Path(logged_in["config"]) == cli.config_file
    assert stat.S_IMODE(cli.config_file.stat().st_mode) == 0o600
    stored = json.loads(cli.config_file.read_text())
    assert stored["target"] == envoy_target(stack)
    assert account.client_secret not in cli.config_file.read_text()
    # No credentials in the environment: the stored key is used.
    assert cli.json("datasets", "list", command=ENTRY_POINT) == []


async def test_login_with_an_invalid_api_key_fails_and_stores_nothing(stack: Stack, tmp_path: Path):
    cli = Cli(clean_env(tmp_path), tmp_path)
    result = cli.fails("login", "--target", envoy_target(stack), "--api-key", "not-a-key")
    assert "INVALID_TOKEN" in result.stderr
    assert not cli.config_file.exists()


async def test_a_command_without_credentials_exits_1_saying_how_to_give_them(
    stack: Stack, tmp_path: Path
):
    cli = Cli(clean_env(tmp_path, NEUROGATE_TARGET=envoy_target(stack)), tmp_path)
    result = cli.fails("datasets", "list")
    assert "no credentials" in result.stderr
    assert "neurogate login" in result.stderr
    assert "NEUROGATE_API_KEY" in result.stderr


async def test_options_override_the_environment_which_overrides_the_stored_file(
    stack: Stack, tmp_path: Path
):
    account = await stack.accounts.create_account("precedence", Tier.PRO)
    cli = Cli(clean_env(tmp_path), tmp_path)
    cli.json(
        "login",
        "--target",
        envoy_target(stack),
        "--client-id",
        account.client_id,
        "--client-secret",
        account.client_secret,
    )
    key = json.loads(cli.config_file.read_text())["api_key"]

    cli.env["NEUROGATE_API_KEY"] = "bogus-from-the-environment"
    assert "INVALID_TOKEN" in cli.fails("datasets", "list").stderr
    assert cli.json("datasets", "list", "--api-key", key) == []

    unreachable = f"127.0.0.1:{free_port()}"
    cli.env.update(NEUROGATE_API_KEY=key, NEUROGATE_TARGET=unreachable)
    assert "UNAVAILABLE" in cli.fails("datasets", "list").stderr
    assert cli.json("datasets", "list", "--target", envoy_target(stack)) == []


async def test_logout_removes_the_stored_connection(stack: Stack, tmp_path: Path):
    account = await stack.accounts.create_account("logout", Tier.PRO)
    cli = Cli(clean_env(tmp_path), tmp_path)
    cli.json(
        "login",
        "--target",
        envoy_target(stack),
        "--client-id",
        account.client_id,
        "--client-secret",
        account.client_secret,
    )

    assert cli.run("logout").returncode == 0

    assert not cli.config_file.exists()
    assert "no credentials" in cli.fails("datasets", "list").stderr
