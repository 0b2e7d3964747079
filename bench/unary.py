"""Unary call throughput: gRPC direct versus REST through Envoy, and what
the check of REST bodies for unknown fields costs.

Starts a real server and a real Envoy on free ports (SQLite, in-memory rate
limits with the enterprise tier raised so the limiter counts but never
refuses), then calls ListDatasets, the same cheap authenticated call, for a
fixed time with 1 and with 64 concurrent callers over gRPC (one channel,
HTTP/2) and over REST (aiohttp, HTTP/1.1 keep-alive connections: httpx spends
so much CPU per request that it, not the server, would be measured). Prints
requests per second and the REST/gRPC ratio.

Then a POST with a JSON body (DisconnectDevice of the account's idle
synthetic board, a cheap call) through that Envoy, whose ext_proc filter has
the server check each body (neurogate.server.ext_proc), and through a second
Envoy in front of the same server without the filter; and once more with a
1 MiB body (a hypothesis test of no dataset, answered 404 after the check).
Prints requests per second, the mean latency and the ratio. Clients, server
and Envoys share this machine's cores, so the figures are end-to-end on one
box.

    .venv/bin/python bench/unary.py [--seconds 5] [--concurrency 1 64]
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import os
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import aiohttp
import grpc
import yaml
from _stack import Server, free_port

from neurogate.server.gateway import Gateway, render_config
from neurogate.server.settings import Settings
from neurogate.v1 import data_pb2, data_pb2_grpc

EXT_PROC = "envoy.filters.http.ext_proc"
#: A 1 MiB body: a hypothesis test whose 1 MiB of group names the check reads.
LARGE_BODY = json.dumps(
    {"dataset_id": "ds_none", "test_type": "one_sample_t", "groups": ["g" * 1000] * 1040}
)


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


def without_body_check(settings: Settings) -> str:
    """Envoy's configuration without the ext_proc filter (as before the check)."""
    config = yaml.safe_load(render_config(settings))
    listener = config["static_resources"]["listeners"][0]
    manager = listener["filter_chains"][0]["filters"][0]["typed_config"]
    manager["http_filters"] = [f for f in manager["http_filters"] if f["name"] != EXT_PROC]
    for host in manager["route_config"]["virtual_hosts"]:
        for route in host["routes"]:
            route.get("typed_per_filter_config", {}).pop(EXT_PROC, None)
    return yaml.safe_dump(config)


async def main(seconds: float, concurrencies: list[int]) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        server = Server(Path(scratch))
        plain: Gateway | None = None
        try:
            await server.start(with_envoy=True)
            _, token = await server.account()
            await run(server.settings, token, seconds, concurrencies)
            settings = dataclasses.replace(
                server.settings,
                http_port=free_port(),
                envoy_admin_port=free_port(),
                data_dir=Path(scratch) / "plain",
            )
            plain = Gateway(
                settings, Path(scratch) / "plain-envoy.log", without_body_check(settings)
            )
            await plain.start()
            await run_body_check(server.settings, settings, token, seconds, concurrencies)
        finally:
            if plain is not None:
                await plain.stop()
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


async def run_body_check(
    checked: Settings, plain: Settings, token: str, seconds: float, concurrencies: list[int]
) -> None:
    connector = aiohttp.TCPConnector(limit=max(concurrencies) * 2)
    async with aiohttp.ClientSession(
        headers={"authorization": f"Bearer {token}", "content-type": "application/json"},
        connector=connector,
    ) as rest:
        devices = await (await rest.get(f"{rest_url(checked)}/v1/devices")).json()
        board = devices["devices"][0]["device_id"]

        def poster(settings: Settings, path: str, body: str, status: int) -> Callable:
            url = f"{rest_url(settings)}{path}"

            async def call() -> None:
                async with rest.post(url, data=body) as reply:
                    answer = await reply.read()
                    if reply.status != status:
                        raise SystemExit(f"REST call failed: {reply.status} {answer!r}")

            return call

        disconnect = f"/v1/devices/{board}/disconnect"
        cases = [(c, disconnect, "{}", 200) for c in concurrencies]
        cases.append((1, "/v1/analysis/hypothesis-test", LARGE_BODY, 404))
        print("\nPOST with a JSON body, with and without the unknown-field check (ext_proc)")
        print(
            f"{'callers':>8} {'body':>8} {'checked req/s':>14} {'plain req/s':>12} "
            f"{'checked ms':>11} {'plain ms':>9} {'ratio':>6}"
        )
        for concurrency, path, body, status in cases:
            with_check = await measure(poster(checked, path, body, status), concurrency, seconds)
            without = await measure(poster(plain, path, body, status), concurrency, seconds)
            print(
                f"{concurrency:>8} {len(body):>8} {with_check:>14.0f} {without:>12.0f} "
                f"{1000 * concurrency / with_check:>11.2f} {1000 * concurrency / without:>9.2f} "
                f"{with_check / without:>6.2f}"
            )


def rest_url(settings: Settings) -> str:
    return f"http://127.0.0.1:{settings.http_port}"


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 64])
    arguments = parser.parse_args()
    asyncio.run(main(arguments.seconds, arguments.concurrency))
