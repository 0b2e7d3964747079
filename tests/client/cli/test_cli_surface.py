"""The client commands' package: its public surface, the commands docs/cli.md
documents, and no dependency on the server package."""

from __future__ import annotations

import subprocess
import sys

import neurogate.client.cli as cli
from neurogate.client.cli.login import every_scope
from neurogate.server.auth.scopes import SCOPES


def test_public_surface():
    assert cli.__all__ == ["COMMANDS", "register"]
    assert [command.name for command in cli.COMMANDS] == [
        "login",
        "logout",
        "datasets",
        "analyze",
        "spc",
        "devices",
        "stream",
        "sessions",
        "export",
    ]


def test_client_commands_do_not_import_the_server():
    loaded = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, neurogate.client.cli.__main__; "
            "print(sorted(m for m in sys.modules if m.startswith('neurogate.server')))",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert loaded.stdout.strip() == "[]"


def test_login_asks_for_every_scope_the_server_knows():
    assert every_scope() == sorted(SCOPES)
