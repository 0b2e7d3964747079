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
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import aiohttp
import grpc
from _stack import Server

from neurogate.server.settings import Settings
from neurogate.v1 import data_pb2, data_pb2_grpc


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
        server = Server(Path(scratch))
        try:
            await server.start(with_envoy=True)
            _, token = await server.account()
            await run(server.settings, token, seconds, concurrencies)
        finally:
            await server.stop()


async def run(settings: Settings, token: str, seconds: float, concurrencies: list[int]) -> None:
    async with grpc.aio.insecure_channel(settings.grpc_target) as channel:
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
