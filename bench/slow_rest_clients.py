"""What REST clients that stop reading a live stream cost everyone else
(issue 12): N raw HTTP/1.1 clients ask account A's synthetic board for
``GET /v1/devices/<id>/stream`` and never read, while account B calls
``GET /v1/devices`` every 0.5 s and a reader on A's device reads its stream.

Reports B's call latency (p50, max), the reader's samples per second (the
board makes 250), Envoy's heap, and how each stalled stream ended (its last line, read
once the attack is over): ``slow_consumer`` when the server felt the
back-pressure and ended it in-band.

    .venv/bin/python bench/slow_rest_clients.py [--clients 30] [--seconds 35]
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import json
import socket
import statistics
import tempfile
import time
from pathlib import Path

import httpx
from _stack import Server

from neurogate.server.auth.tiers import Tier


def stalled(port: int, path: str, token: str) -> socket.socket:
    client = socket.socket()
    client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16 * 1024)
    client.connect(("127.0.0.1", port))
    client.sendall(
        f"GET {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n\r\n".encode()
    )
    return client


def end_reason(client: socket.socket, deadline: float) -> str:
    """The ``end`` reason in the last lines a stalled client was sent."""
    tail = b""
    while time.monotonic() < deadline:
        client.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            data = client.recv(1 << 20)
        except (TimeoutError, ConnectionError):
            break
        tail = (tail + data)[-4096:]
        if not data or tail.endswith(b"\r\n0\r\n\r\n"):  # closed, or the last chunk
            break
    found = tail.rsplit(b'"reason":"', 1)
    return found[1].split(b'"', 1)[0].decode() if len(found) == 2 else "still streaming"


async def main(clients: int, seconds: float) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        server = Server(
            Path(scratch),
            NEUROGATE_STREAM_BUFFER_SECONDS="1",
            NEUROGATE_STREAM_GIVE_UP_SECONDS="2",
        )
        await server.start(with_envoy=True)
        sockets: list[socket.socket] = []
        try:
            _, token_a = await server.account(Tier.ENTERPRISE)
            _, token_b = await server.account(Tier.ENTERPRISE)
            a = {"authorization": f"Bearer {token_a}"}
            b = {"authorization": f"Bearer {token_b}"}
            base = f"http://127.0.0.1:{server.settings.http_port}"
            async with httpx.AsyncClient(base_url=base, timeout=15) as rest:
                device = (await rest.get("/v1/devices", headers=a)).json()["devices"][0]
                path = f"/v1/devices/{device['device_id']}/stream"
                await rest.post(f"{path}/start", headers=a, json={"channels": list(range(1, 17))})
                sockets = [
                    stalled(server.settings.http_port, path, token_a) for _ in range(clients)
                ]
                began = time.monotonic()
                until = began + seconds
                samples, latencies, failures, last_packet = 0, [], 0, 0.0

                async def read() -> None:
                    nonlocal samples, last_packet
                    with contextlib.suppress(httpx.TimeoutException):
                        async with rest.stream("GET", path, headers=a) as reply:
                            async for line in reply.aiter_lines():
                                if line.strip():
                                    samples += json.loads(line)["sample_count"]
                                    last_packet = time.monotonic() - began
                                if time.monotonic() > until:
                                    return

                async def call() -> None:
                    nonlocal failures
                    while time.monotonic() < until:
                        start = time.monotonic()
                        try:
                            await rest.get("/v1/devices", headers=b)
                        except httpx.TimeoutException:
                            failures += 1
                        latencies.append(time.monotonic() - start)
                        await asyncio.sleep(0.5)

                await asyncio.gather(read(), call())
                elapsed = time.monotonic() - began
                admin = f"http://127.0.0.1:{server.settings.envoy_admin_port}"
                envoy_bytes = int((await rest.get(f"{admin}/memory")).json()["allocated"])
            deadline = time.monotonic() + 10
            ends = await asyncio.gather(
                *(asyncio.to_thread(end_reason, client, deadline) for client in sockets)
            )
        finally:
            for client in sockets:
                client.close()
            await server.stop()
    print(f"{clients} stalled clients, {elapsed:.0f} s")
    print(
        f"B GET /v1/devices: {len(latencies)} calls, p50 {statistics.median(latencies):.3f} s, "
        f"max {max(latencies):.3f} s, {failures} timed out (15 s)"
    )
    print(
        f"reader: {samples / elapsed:.1f} samples/s (the board makes 250), "
        f"last packet at {last_packet:.0f} s"
    )
    print(f"Envoy's heap at the end: {envoy_bytes / 1e6:.1f} MB")
    print(f"stalled streams ended: {dict(collections.Counter(ends))}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=30)
    parser.add_argument("--seconds", type=float, default=35.0)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.clients, arguments.seconds))
