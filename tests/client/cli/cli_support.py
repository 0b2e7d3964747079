"""Running the command-line client as a user does: a subprocess with its own
HOME and config directory, talking gRPC to the test stack through Envoy.

Most tests run ``python -m neurogate.client.cli`` (the client commands
alone); ``ENTRY_POINT`` is the installed ``neurogate`` script, which also
loads the server package and so takes seconds longer to start: the tests
that check the commands are registered there use it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conftest import Stack
from neurogate.server.auth.accounts import NewAccount
from neurogate.server.auth.tiers import Tier

MODULE = [sys.executable, "-m", "neurogate.client.cli"]
ENTRY_POINT = [str(Path(sys.executable).with_name("neurogate"))]


def envoy_target(stack: Stack) -> str:
    """Envoy's port, which forwards native gRPC to the server."""
    return f"127.0.0.1:{stack.settings.http_port}"


def clean_env(home: Path, **variables: str) -> dict[str, str]:
    """The test process's environment without any NEUROGATE_* variable, with
    ``home`` as HOME and its ``config`` as XDG_CONFIG_HOME."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("NEUROGATE_")}
    env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / "config"), **variables)
    return env


@dataclass
class Cli:
    env: dict[str, str]
    cwd: Path
    account: NewAccount | None = None

    @property
    def config_file(self) -> Path:
        return Path(self.env["XDG_CONFIG_HOME"]) / "neurogate" / "config.json"

    def run(
        self, *args: str, command: list[str] = MODULE, timeout: float = 90
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*command, *args],
            env=self.env,
            cwd=self.cwd,
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def json(self, *args: str, command: list[str] = MODULE) -> Any:
        """The command's JSON output; it must succeed."""
        result = self.run(*args, "--json", command=command)
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)

    def fails(self, *args: str, code: int = 1) -> subprocess.CompletedProcess[str]:
        """Runs a command that must fail with exit ``code`` and say why on stderr."""
        result = self.run(*args)
        assert result.returncode == code, (result.stdout, result.stderr)
        assert result.stderr.strip()
        return result

    def json_error(self, *args: str) -> dict[str, Any]:
        """The ``{"error": ...}`` a failing command prints with --json."""
        result = self.run(*args, "--json")
        assert result.returncode == 1, (result.stdout, result.stderr)
        assert result.stdout == ""
        return json.loads(result.stderr)["error"]


async def account_cli(stack: Stack, home: Path) -> Cli:
    """A client of a new pro account, credentials in the environment."""
    account = await stack.accounts.create_account("cli", Tier.PRO)
    env = clean_env(
        home,
        NEUROGATE_TARGET=envoy_target(stack),
        NEUROGATE_CLIENT_ID=account.client_id,
        NEUROGATE_CLIENT_SECRET=account.client_secret,
    )
    return Cli(env, home, account)
