"""``neurogate login`` and ``logout``: the stored connection.

Login proves the credentials before storing anything. Client credentials
are exchanged for an API key with every scope, and only the key is stored:
it can be listed and revoked on its own (``DELETE /v1/auth/apikeys/{id}``),
while the client secret would unlock the whole account. A key given as it is
is checked with a call that needs a valid bearer (listing API keys); a key
whose scopes do not include that call is still a valid key, so a permission
refusal does not stop the login, but an authentication refusal does.

The scopes are read from the protos' ``neurogate.v1.access`` options, the
same source the server enforces, so a new scope needs no change here.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import pkgutil

import click

import neurogate.v1
from neurogate.client import Client, NeuroGateError, PermissionDeniedError
from neurogate.client.cli._connection import (
    DEFAULT_TARGET,
    config_path,
    read_config,
    remove_config,
    write_config,
)
from neurogate.client.cli._invocation import Invocation, jsonable
from neurogate.v1 import access_pb2

__all__ = ["every_scope", "login", "logout"]

KEY_NAME = "neurogate-cli"


def every_scope() -> list[str]:
    """Every scope some RPC of ``neurogate.v1`` requires."""
    scopes: set[str] = set()
    for module in pkgutil.iter_modules(neurogate.v1.__path__):
        if not module.name.endswith("_pb2"):
            continue
        descriptor = importlib.import_module(f"neurogate.v1.{module.name}").DESCRIPTOR
        for service in descriptor.services_by_name.values():
            for method in service.methods:
                scope = method.GetOptions().Extensions[access_pb2.access].scope
                if scope:
                    scopes.add(scope)
    return sorted(scopes)


@click.command("login")
@click.option("--target", metavar="HOST:PORT", help="gRPC address of the server.")
@click.option("--api-key", metavar="KEY", help="An API key to store.")
@click.option("--client-id", metavar="ID", help="Client id, to create an API key with.")
@click.option("--client-secret", metavar="SECRET", help="Client secret, with --client-id.")
@click.option("--tls/--no-tls", default=None, help="Force TLS on or off.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def login(
    target: str | None,
    api_key: str | None,
    client_id: str | None,
    client_secret: str | None,
    tls: bool | None,
    as_json: bool,
) -> None:
    """Checks credentials and stores the target and an API key (mode 0600)."""
    target = target or os.environ.get("NEUROGATE_TARGET") or read_config().get("target")
    target = target or DEFAULT_TARGET
    if bool(client_id) != bool(client_secret):
        raise click.UsageError("--client-id and --client-secret go together")
    if not (api_key or client_id):
        api_key = os.environ.get("NEUROGATE_API_KEY")
        client_id = os.environ.get("NEUROGATE_CLIENT_ID")
        client_secret = os.environ.get("NEUROGATE_CLIENT_SECRET")
        if not api_key and not (client_id and client_secret):
            api_key = click.prompt("API key", hide_input=True)
    try:
        if api_key:
            key_id = None
            # A key without the apikeys.read scope is still a valid key.
            with (
                Client(api_key=api_key, target=target, tls=tls) as client,
                contextlib.suppress(PermissionDeniedError),
            ):
                client.auth.list_api_keys()
        else:
            with Client(
                client_id=client_id, client_secret=client_secret, target=target, tls=tls
            ) as client:
                created = client.auth.create_api_key(KEY_NAME, scopes=every_scope())
            api_key, key_id = created.key, created.id
    except NeuroGateError as error:
        Invocation(target, api_key, as_json).fail(error)
        raise click.exceptions.Exit(1) from None
    stored = {"target": target, "api_key": api_key}
    if tls is not None:
        stored["tls"] = tls
    path = write_config(stored)
    result = {"target": target, "key_id": key_id, "config": str(path)}
    if as_json:
        click.echo(json.dumps(jsonable(result)))
    else:
        created_text = f" (created API key {key_id})" if key_id else ""
        click.echo(f"Logged in to {target}{created_text}; stored in {path}")


@click.command("logout")
def logout() -> None:
    """Removes the stored connection."""
    path = config_path()
    if remove_config(path):
        click.echo(f"Removed {path}")
    else:
        click.echo(f"Not logged in ({path} does not exist)")
