"""Time to an answer when PostgreSQL fails: refused connections, then dropped
packets (black hole), then recovery.

Starts a real server and a real Envoy on free ports, on a fresh database of
the real PostgreSQL at 127.0.0.1:5432 reached through a loopback fault proxy
(tests/faults.py), with the database timeouts left at their defaults unless
given. For each fault it times a token request and an authenticated call over
REST and prints the HTTP status and the seconds to the answer; then it lifts
the fault and times the same calls again. A call is given up after
``--give-up`` seconds (Envoy's own route timeout is 120 s).

    .venv/bin/python bench/database_faults.py [--connect-timeout 5] [--statement-timeout 30]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
import psycopg
from _stack import Server

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from faults import fault_proxy
from neurogate.server.auth.tiers import Tier

ADMIN_URL = "postgresql://127.0.0.1:5432/test"


async def timed_call(rest: httpx.AsyncClient, method: str, path: str, **kwargs) -> str:
    started = time.monotonic()
    try:
        reply = await rest.request(method, path, **kwargs)
        outcome = f"{reply.status_code} {reply.json().get('error', {}).get('code', 'OK')}"
    except httpx.TimeoutException:
        outcome = "no answer"
    return f"{outcome:<28} {time.monotonic() - started:7.2f} s"


async def main(args: argparse.Namespace) -> None:
    name = f"neurogate_bench_{uuid.uuid4().hex[:12]}"
    admin = await psycopg.AsyncConnection.connect(ADMIN_URL, autocommit=True)
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        async with fault_proxy("127.0.0.1", 5432) as proxy:
            timeouts = {
                f"NEUROGATE_DATABASE_{key}": str(value)
                for key, value in (
                    ("CONNECT_TIMEOUT", args.connect_timeout),
                    ("STATEMENT_TIMEOUT", args.statement_timeout),
                )
                if value is not None
            }
            with tempfile.TemporaryDirectory() as scratch:
                server = Server(
                    Path(scratch),
                    NEUROGATE_DATABASE_URL=f"postgresql://127.0.0.1:{proxy.port}/{name}",
                    **timeouts,
                )
                await server.start(with_envoy=True)
                try:
                    await measure(server, proxy, args.give_up)
                finally:
                    await proxy.resume()
                    await server.stop()
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def measure(server: Server, proxy, give_up: float) -> None:
    account, token = await server.account(Tier.PRO)
    credentials = {
        "client_id": account.client_id,
        "client_secret": account.client_secret,
        "grant_type": "client_credentials",
    }
    base_url = f"http://127.0.0.1:{server.settings.http_port}"
    async with httpx.AsyncClient(base_url=base_url, timeout=give_up) as rest:
        headers = {"authorization": f"Bearer {token}"}
        for fault in ("refuse", "black_hole"):
            await getattr(proxy, fault)()
            print(f"PostgreSQL {fault}:")
            print(
                "  POST /v1/auth/token ",
                await timed_call(rest, "POST", "/v1/auth/token", json=credentials),
            )
            print(
                "  GET /v1/devices     ",
                await timed_call(rest, "GET", "/v1/devices", headers=headers),
            )
            await proxy.resume()
            print(
                "  resumed: GET /v1/devices",
                await timed_call(rest, "GET", "/v1/devices", headers=headers),
            )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connect-timeout", type=float)
    parser.add_argument("--statement-timeout", type=float)
    parser.add_argument("--give-up", type=float, default=150.0)
    asyncio.run(main(parser.parse_args()))
