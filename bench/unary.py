"""Unary call throughput: gRPC direct versus REST through Envoy.

Starts a real server and a real Envoy on free ports (SQLite, in-memory rate
limits with the enterprise tier raised so the limiter counts but never
refuses), then calls ListDatasets, the same cheap authenticated call, for a
fixed time with 1 and with 64 concurrent callers over gRPC (one channel,
HTTP/2) and over REST (aiohttp, HTTP/1.1 keep-alive connections: httpx spends
so much CPU per request that it, not the server, would be measured). Prints
requests per second and the REST/gRPC ratio. Clients, server and Envoy share
this machine's cores, so the figures are end-to-end on one box.

    .venv/bin/python bench/unary.py [--seconds 5] [--concurrency 1 64]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import aiohttp
import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from neurogate.server.auth.accounts import AccountAdmin
from neurogate.server.auth.tiers import Tier
from neurogate.server.gateway import Gateway
from neurogate.server.settings import Settings
from neurogate.server.storage.database import Database
from neurogate.v1 import auth_pb2, auth_pb2_grpc, data_pb2, data_pb2_grpc


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def wait_serving(target: str, process: subprocess.Popen[bytes]) -> None:
    async with grpc.aio.insecure_channel(target) as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        for _ in range(300):
            if process.poll() is not None:
                raise SystemExit("the server exited during start-up")
            try:
                if (await stub.Check(health_pb2.HealthCheckRequest(), timeout=1)).status == 1:
                    return
            except grpc.aio.AioRpcError:
                await asyncio.sleep(0.1)
    raise SystemExit("the server did not start")


async def measure(call: Callable[[], Awaitable[None]], concurrency: int, seconds: float) -> float:
    """Requests per second of ``concurrency`` callers looping for ``seconds``."""
    deadline = 0.0
    done = 0

    async def caller() -> None:
        nonlocal done
        while time.perf_counter() < deadline:
            await call()
            done += 1

    deadline = time.perf_counter() + min(1.0, seconds / 5)  # warm-up
    await asyncio.gather(*(caller() for _ in range(concurrency)))
    done = 0
    started = time.perf_counter()
    deadline = started + seconds
    await asyncio.gather(*(caller() for _ in range(concurrency)))
    return done / (time.perf_counter() - started)


async def main(seconds: float, concurrencies: list[int]) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        data_dir = Path(scratch) / "data"
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("NEUROGATE_")},
            "NEUROGATE_DATA_DIR": str(data_dir),
            "NEUROGATE_GRPC_PORT": str(free_port()),
            "NEUROGATE_HTTP_PORT": str(free_port()),
            "NEUROGATE_ENVOY_ADMIN_PORT": str(free_port()),
            "NEUROGATE_LOG_LEVEL": "WARNING",
            "NEUROGATE_TIER_LIMITS": "enterprise=100000000/1000000000",
        }
        settings = Settings.from_env(env)
        server = subprocess.Popen(
            [sys.executable, "-m", "neurogate.server", "serve"], env=env, stdout=subprocess.DEVNULL
        )
        gateway = Gateway(settings, log_path=Path(scratch) / "envoy.log")
        db = Database(settings.resolved_database_url)
        try:
            await wait_serving(settings.grpc_target, server)
            await gateway.start()
            account = await AccountAdmin(db).create_account("bench", Tier.ENTERPRISE)
            await run(settings, account.client_id, account.client_secret, seconds, concurrencies)
        finally:
            await gateway.stop()
            server.terminate()
            server.wait(30)
            await db.close()


async def run(
    settings: Settings, client_id: str, secret: str, seconds: float, concurrencies: list[int]
) -> None:
    async with grpc.aio.insecure_channel(settings.grpc_target) as channel:
        token = (
            await auth_pb2_grpc.AuthServiceStub(channel).IssueToken(
                auth_pb2.IssueTokenRequest(
                    client_id=client_id, client_secret=secret, grant_type="client_credentials"
                )
            )
        ).access_token
        metadata = (("authorization", f"Bearer {token}"),)
        stub = data_pb2_grpc.DataServiceStub(channel)
        request = data_pb2.ListDatasetsRequest()

        async def grpc_call() -> None:
            await stub.ListDatasets(request, metadata=metadata)

        connector = aiohttp.TCPConnector(limit=max(concurrencies))
        async with aiohttp.ClientSession(
            base_url=f"http://127.0.0.1:{settings.http_port}",
            headers={"authorization": f"Bearer {token}"},
            connector=connector,
        ) as rest:

            async def rest_call() -> None:
                async with rest.get("/v1/datasets") as reply:
                    body = await reply.read()
                    if reply.status != 200:
                        raise SystemExit(f"REST call failed: {reply.status} {body!r}")

            print(f"ListDatasets, {seconds:g} s per measurement, {os.cpu_count()} cores")
            print(f"{'callers':>8} {'gRPC req/s':>12} {'REST req/s':>12} {'REST/gRPC':>10}")
            for concurrency in concurrencies:
                grpc_rate = await measure(grpc_call, concurrency, seconds)
                rest_rate = await measure(rest_call, concurrency, seconds)
                print(
                    f"{concurrency:>8} {grpc_rate:>12.0f} {rest_rate:>12.0f} "
                    f"{rest_rate / grpc_rate:>10.2f}"
                )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 64])
    arguments = parser.parse_args()
    asyncio.run(main(arguments.seconds, arguments.concurrency))
