"""Whose address a call is from, seen by a real gRPC server on loopback: the
peer's, or, from a loopback peer (the Envoy beside the server), the last
``x-forwarded-for`` entry, the one Envoy appended."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from neurogate.server.services._client_address import client_address


class _AddressEcho(health_pb2_grpc.HealthServicer):
    """Answers the address it sees the caller at, in a response header."""

    async def Check(self, request, context):
        await context.send_initial_metadata((("client-address", client_address(context) or ""),))
        return health_pb2.HealthCheckResponse(status=health_pb2.HealthCheckResponse.SERVING)


async def _serve(host: str) -> AsyncIterator[str]:
    server = grpc.aio.server()
    health_pb2_grpc.add_HealthServicer_to_server(_AddressEcho(), server)
    port = server.add_insecure_port(f"{host}:0")
    await server.start()
    try:
        yield f"{host}:{port}"
    finally:
        await server.stop(0)


@pytest.fixture
async def target() -> AsyncIterator[str]:
    async for address in _serve("127.0.0.1"):
        yield address


async def seen_from(target: str, forwarded: tuple[str, ...] = ()) -> str:
    async with grpc.aio.insecure_channel(target) as channel:
        call = health_pb2_grpc.HealthStub(channel).Check(
            health_pb2.HealthCheckRequest(),
            metadata=tuple(("x-forwarded-for", value) for value in forwarded),
        )
        await call
        return dict(await call.initial_metadata())["client-address"]


async def test_a_direct_call_is_from_its_peer(target):
    assert await seen_from(target) == "127.0.0.1"


@pytest.mark.parametrize(
    ("forwarded", "seen"),
    [
        (("198.51.100.7",), "198.51.100.7"),
        (("203.0.113.1, 198.51.100.7",), "198.51.100.7"),
        (("203.0.113.1,198.51.100.7 ",), "198.51.100.7"),
        (("2001:db8::1",), "2001:db8::1"),
        (("not an address",), "127.0.0.1"),
        (("198.51.100.7, garbage",), "127.0.0.1"),
        (("",), "127.0.0.1"),
    ],
)
async def test_a_loopback_peer_may_name_the_client_in_the_last_forwarded_entry(
    target, forwarded, seen
):
    assert await seen_from(target, forwarded) == seen


async def test_an_ipv6_loopback_peer_is_read_too():
    if not socket.has_ipv6:
        pytest.skip("no IPv6 on this machine")
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
    except OSError:
        pytest.skip("no IPv6 loopback on this machine")
    async for target in _serve("[::1]"):
        assert await seen_from(target) == "::1"
        assert await seen_from(target, ("198.51.100.7",)) == "198.51.100.7"
