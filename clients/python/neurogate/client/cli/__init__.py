"""The ``neurogate`` command's client commands, built on the SDK.

They sit next to the server's own commands (``serve``, ``gateway``, ``run``,
``admin``) on one click group: :func:`register` adds them, so the server's
entry point stays the only one and this package never imports server code.
One module per command group; connection handling and output are shared
(:mod:`._connection`, :mod:`._invocation`). docs/cli.md is the manual.
"""

from __future__ import annotations

import click

from neurogate.client.cli.analyze import analyze
from neurogate.client.cli.datasets import datasets
from neurogate.client.cli.devices import devices
from neurogate.client.cli.login import login, logout
from neurogate.client.cli.sessions import export, sessions
from neurogate.client.cli.spc import spc
from neurogate.client.cli.stream import stream

__all__ = ["COMMANDS", "register"]

COMMANDS: tuple[click.Command, ...] = (
    login,
    logout,
    datasets,
    analyze,
    spc,
    devices,
    stream,
    sessions,
    export,
)


def register(group: click.Group) -> None:
    """Adds every client command to ``group``."""
    for command in COMMANDS:
        group.add_command(command)
