"""``neurogate``: run the server (``serve``), the REST bridge (``gateway``),
both with a demo account (``run``, what ``make run`` calls), operator
commands (``admin``), and the client commands of :mod:`neurogate.client.cli`
(``login``, ``datasets``, ``stream``, ...).

The server's modules are imported inside the commands that run it: loading
them takes seconds, which a client command should not wait for."""

from __future__ import annotations

import asyncio
import os
import sys

import click

from neurogate.client.cli import register as register_client_commands
from neurogate.server.admin import admin
from neurogate.server.gateway import Gateway, envoy_command, write_config
from neurogate.server.logs import configure_logging
from neurogate.server.settings import ConfigurationError, Settings


def _settings() -> Settings:
    try:
        settings = Settings.from_env()
    except ConfigurationError as error:
        raise click.ClickException(str(error)) from None
    configure_logging(settings.log_level)
    return settings


@click.group()
def main() -> None:
    """NeuroGate: neural data and analytics over gRPC and REST."""


@main.command("serve")
def serve_command() -> None:
    """Runs the gRPC server until SIGTERM or Ctrl-C (in-flight calls drain)."""
    from neurogate.server.app import serve

    asyncio.run(serve(_settings()))


@main.command("gateway")
def gateway_command() -> None:
    """Runs Envoy, the REST bridge, in the foreground (it replaces this process)."""
    settings = _settings()
    command = envoy_command(write_config(settings))
    os.execv(command[0], command)


@main.command("run")
def run_command() -> None:
    """Runs the gRPC server and Envoy, with a demo account whose synthetic
    board streams, until Ctrl-C."""
    from neurogate.server.app import serve
    from neurogate.server.demo import banner, demo_account, start_demo_board
    from neurogate.server.runtime import Runtime

    settings = _settings()
    gateway = Gateway(settings)

    async def started(runtime: Runtime) -> None:
        account = await demo_account(runtime.accounts, settings.data_dir)
        device_id = await start_demo_board(runtime.devices, account)
        await gateway.start()
        rest_url = f"http://{settings.http_host}:{settings.http_port}"
        click.echo(banner(account, device_id, settings.grpc_target, rest_url))
        sys.stdout.flush()

    async def run() -> None:
        try:
            await serve(settings, on_ready=started)
        finally:
            await gateway.stop()

    asyncio.run(run())


main.add_command(admin)
register_client_commands(main)

if __name__ == "__main__":
    main()
