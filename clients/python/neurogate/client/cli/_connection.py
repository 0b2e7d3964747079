"""Where the client commands connect, and as whom.

Each setting is taken from the first source that has it: the command's
option (``--target``, ``--api-key``), the environment (``NEUROGATE_TARGET``,
``NEUROGATE_API_KEY`` or ``NEUROGATE_CLIENT_ID`` with
``NEUROGATE_CLIENT_SECRET``, ``NEUROGATE_TLS``), then the file ``neurogate
login`` wrote. The file lives in ``$XDG_CONFIG_HOME/neurogate`` (the XDG base
directory rule, ``~/.config/neurogate`` when unset) and holds a bearer key,
so it is created with mode 0600 in a 0700 directory before anything is
written to it: it is never readable by others, even for an instant.

Credentials are never defaulted: a command without any says how to give one
instead of failing on the first call.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from neurogate.client import Client
from neurogate.client._client import DEFAULT_TARGET, environment

__all__ = [
    "DEFAULT_TARGET",
    "Connection",
    "MissingCredentials",
    "config_path",
    "read_config",
    "remove_config",
    "resolve",
    "write_config",
]


class MissingCredentials(click.ClickException):
    """No API key or client credentials anywhere."""

    def __init__(self) -> None:
        super().__init__(
            "no credentials: run `neurogate login`, set NEUROGATE_API_KEY "
            "(or NEUROGATE_CLIENT_ID and NEUROGATE_CLIENT_SECRET), or pass --api-key"
        )


def config_path(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    base = env.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "neurogate" / "config.json"


def read_config(path: Path | None = None) -> dict[str, Any]:
    """The stored connection; empty when nobody logged in."""
    path = path or config_path()
    try:
        stored = json.loads(path.read_text())
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as error:
        raise click.ClickException(f"cannot read {path}: {error}") from None
    if not isinstance(stored, dict):
        raise click.ClickException(f"{path} does not hold a JSON object; run `neurogate login`")
    return stored


def write_config(values: Mapping[str, Any], path: Path | None = None) -> Path:
    path = path or config_path()
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    # An older file keeps its mode through O_CREAT: tighten it before writing.
    os.fchmod(descriptor, 0o600)
    with os.fdopen(descriptor, "w") as file:
        json.dump(dict(values), file, indent=2)
        file.write("\n")
    return path


def remove_config(path: Path | None = None) -> bool:
    """Forgets the stored connection; whether there was one."""
    path = path or config_path()
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    return True


@dataclass(frozen=True)
class Connection:
    target: str
    tls: bool | None
    api_key: str | None = None
    client_id: str | None = None
    client_secret: str | None = None

    def client(self) -> Client:
        if not (self.api_key or (self.client_id and self.client_secret)):
            raise MissingCredentials()
        try:
            return Client(
                api_key=self.api_key,
                client_id=self.client_id,
                client_secret=self.client_secret,
                target=self.target,
                tls=self.tls,
            )
        except ValueError as error:  # e.g. a target that is not host:port
            raise click.ClickException(str(error)) from None


def resolve(
    target: str | None,
    api_key: str | None,
    env: Mapping[str, str] | None = None,
    stored: Mapping[str, Any] | None = None,
) -> Connection:
    """The connection from the options, else the environment, else the file."""
    given = environment(os.environ if env is None else env)
    stored = read_config() if stored is None else stored
    tls = given.get("tls") or stored.get("tls")
    resolved_target = target or given.get("target") or stored.get("target") or DEFAULT_TARGET
    if api_key:
        return Connection(resolved_target, tls, api_key=api_key)
    if "api_key" in given:
        return Connection(resolved_target, tls, api_key=given["api_key"])
    client_id, client_secret = given.get("client_id"), given.get("client_secret")
    if client_id and client_secret:
        return Connection(resolved_target, tls, client_id=client_id, client_secret=client_secret)
    return Connection(resolved_target, tls, api_key=stored.get("api_key") or None)
