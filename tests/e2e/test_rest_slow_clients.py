"""REST stream clients that stop reading cost only themselves: Envoy's
buffers and HTTP/2 windows are small enough that the server feels their
back-pressure and ends their streams (``slow_consumer``, in-band), while
other accounts' calls and a reading subscriber carry on. Bodies Envoy must
hold whole (JSON requests up to their limit) still pass those buffers."""

from __future__ import annotations

import asyncio
import json
import socket
import time
from pathlib import Path

import httpx
import pytest
from test_streaming import start, synthetic_device

from conftest import Caller, NewCaller, assert_envelope, issue_token, start_stack, stop_stack
from neurogate.server.auth.tiers import Tier
from neurogate.server.gateway import DOWNSTREAM_BUFFER_LIMIT, JSON_BODY_LIMIT
from raw_http import open_request, read_response

STALLED_CLIENTS = 30
ATTACK_SECONDS = 35.0
#: Generous: an idle stack answers in milliseconds.
SLOW_CALL_SECONDS = 5.0
RATE = 250.0


def stalled_stream(port: int, path: str, token: str) -> socket.socket:
    """An HTTP/1.1 client that asks for a live stream and never reads it. Its
    receive buffer is small, so what it leaves unread backs up into Envoy
    within seconds rather than after megabytes of kernel buffers."""
    head = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}"
    return open_request(port, head, receive_buffer=16 * 1024)


def last_stream_message(client: socket.socket, deadline: float) -> dict:
    """The last JSON line a stalled client was sent, read to the end of its
    stream or the ``deadline``."""
    reply = read_response(client, deadline)
    assert reply is not None
    complete_lines = [line for line in reply.text.split("\n")[:-1] if line.strip()]
    return json.loads(complete_lines[-1])


async def read_stream(rest: httpx.AsyncClient, caller: Caller, path: str, until: float) -> list:
    """Packets of a stream read as fast as they come, until ``until``."""
    packets = []
    async with rest.stream("GET", path, headers=caller.headers) as reply:
        assert reply.status_code == 200
        async for line in reply.aiter_lines():
            if line.strip():
                packets.append(json.loads(line))
            if time.monotonic() > until:
                break
    return packets


async def latencies(rest: httpx.AsyncClient, caller: Caller, until: float) -> list[float]:
    """How long each of a stream of small calls takes, until ``until``."""
    taken = []
    while time.monotonic() < until:
        began = time.monotonic()
        reply = await rest.get("/v1/devices", headers=caller.headers)
        taken.append(time.monotonic() - began)
        assert reply.status_code == 200, reply.text
        await asyncio.sleep(0.5)
    return taken


@pytest.mark.timeout(300)
async def test_clients_that_stop_reading_streams_cost_only_themselves(tmp_path: Path):
    stack = await start_stack(
        tmp_path / "data",
        NEUROGATE_STREAM_BUFFER_SECONDS="1",
        NEUROGATE_STREAM_GIVE_UP_SECONDS="2",
    )
    stalled: list[socket.socket] = []
    try:
        attacker = await stack.accounts.create_account("attacker", Tier.ENTERPRISE)
        bystander = await stack.accounts.create_account("bystander", Tier.ENTERPRISE)
        a = Caller(attacker, await issue_token(stack.rest_url, attacker))
        b = Caller(bystander, await issue_token(stack.rest_url, bystander))
        timeout = httpx.Timeout(SLOW_CALL_SECONDS * 4)
        async with (
            httpx.AsyncClient(base_url=stack.rest_url, timeout=timeout) as rest_a,
            httpx.AsyncClient(base_url=stack.rest_url, timeout=timeout) as rest_b,
        ):
            device_id = await synthetic_device(rest_a, a)
            await start(rest_a, a, device_id, channels=list(range(1, 17)))
            path = f"/v1/devices/{device_id}/stream"
            stalled = [
                stalled_stream(stack.settings.http_port, path, a.token)
                for _ in range(STALLED_CLIENTS)
            ]
            began = time.monotonic()
            until = began + ATTACK_SECONDS
            packets, taken = await asyncio.gather(
                read_stream(rest_a, a, path, until), latencies(rest_b, b, until)
            )
            elapsed = time.monotonic() - began
        deadline = time.monotonic() + 10
        ends = await asyncio.gather(
            *(asyncio.to_thread(last_stream_message, client, deadline) for client in stalled)
        )
    finally:
        for client in stalled:
            client.close()
        await stop_stack(stack)
    samples = sum(p["sample_count"] for p in packets)
    assert max(taken) < SLOW_CALL_SECONDS
    assert samples / elapsed > RATE * 0.8
    assert "end" not in packets[-1]
    reasons = [end.get("end", {}).get("reason") for end in ends]
    assert reasons == ["slow_consumer"] * STALLED_CLIENTS


async def test_a_json_body_far_over_the_connection_buffer_still_reaches_the_server(
    new_caller: NewCaller, rest: httpx.AsyncClient
):
    caller = await new_caller()
    name = "x" * (JSON_BODY_LIMIT - 1024)
    assert len(name) > 16 * DOWNSTREAM_BUFFER_LIMIT
    body = {"name": name, "type": "eeg"}
    reply = await rest.post("/v1/datasets", headers=caller.headers, json=body)
    # The server's own answer on the name (not Envoy's 413 on the body).
    assert assert_envelope(reply, 400, "INVALID_PARAMETER")["details"]["parameter"] == "name"
