"""Errors the gRPC library or Envoy produce on their own, with no envelope
from the server, reach REST callers in the envelope all the same: a status
the library sends by itself, and a server stopped (SIGTERM) in the middle of
an upload."""

from __future__ import annotations

import asyncio
import signal
import socket
import threading
import time
from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import httpx
import pytest
import pytest_asyncio

from conftest import assert_envelope, issue_token, lone_gateway, start_stack, stop_stack
from neurogate.server.auth.tiers import Tier
from neurogate.v1 import data_pb2_grpc
from raw_http import open_request, read_response


class BareStatusServicer(data_pb2_grpc.DataServiceServicer):
    """Answers ListDatasets with a plain gRPC status, as the library does
    (no x-neurogate-error), optionally after sending its headers."""

    code = grpc.StatusCode.UNAVAILABLE
    message = ""
    after_headers = False

    async def ListDatasets(self, request, context: grpc.aio.ServicerContext):
        if self.after_headers:
            await context.send_initial_metadata(())
        await context.abort(self.code, self.message)


@pytest_asyncio.fixture
async def bare_upstream(tmp_path: Path) -> AsyncIterator[tuple[BareStatusServicer, str]]:
    """A gRPC server of plain library statuses behind the real Envoy; the
    servicer (to choose the status) and the REST base URL."""
    servicer = BareStatusServicer()
    server = grpc.aio.server()
    data_pb2_grpc.add_DataServiceServicer_to_server(servicer, server)
    grpc_port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    try:
        async with lone_gateway(tmp_path, grpc_port) as rest_url:
            yield servicer, rest_url
    finally:
        await server.stop(None)


@pytest.mark.parametrize(
    ("grpc_code", "status", "code"),
    [
        (grpc.StatusCode.UNAVAILABLE, 503, "UNAVAILABLE"),
        (grpc.StatusCode.CANCELLED, 503, "UNAVAILABLE"),
        (grpc.StatusCode.UNKNOWN, 500, "INTERNAL"),
        (grpc.StatusCode.RESOURCE_EXHAUSTED, 413, "PAYLOAD_TOO_LARGE"),
        (grpc.StatusCode.UNAUTHENTICATED, 401, "UNAUTHORIZED"),
    ],
)
@pytest.mark.parametrize("after_headers", [False, True], ids=["trailers-only", "after-headers"])
async def test_a_bare_grpc_status_reaches_rest_in_the_envelope(
    bare_upstream: tuple[BareStatusServicer, str],
    grpc_code: grpc.StatusCode,
    status: int,
    code: str,
    after_headers: bool,
):
    servicer, rest_url = bare_upstream
    servicer.code, servicer.after_headers = grpc_code, after_headers
    servicer.message = 'the server said "no" \\ twice\n'
    async with httpx.AsyncClient(base_url=rest_url) as client:
        reply = await client.get("/v1/datasets")
    error = assert_envelope(reply, status, code)
    assert error["message"] == servicer.message
    assert error["details"] == {"grpc_status": grpc_code.value[0]}
    assert "grpc-status" not in reply.headers


async def test_a_bare_status_without_a_message_names_its_code(
    bare_upstream: tuple[BareStatusServicer, str],
):
    _, rest_url = bare_upstream
    async with httpx.AsyncClient(base_url=rest_url) as client:
        reply = await client.get("/v1/datasets")
    assert assert_envelope(reply, 503, "UNAVAILABLE")["message"] == "UNAVAILABLE"


def trickle_upload(client: socket.socket, sent_some: threading.Event) -> None:
    """Sends a chunked multipart CSV upload that trickles in for far longer
    than the server's shutdown grace (until the connection breaks)."""

    def chunk(data: bytes) -> bytes:
        return b"%x\r\n%s\r\n" % (len(data), data)

    try:
        client.sendall(chunk(b'--slow\r\nContent-Disposition: form-data; name="file"; '))
        client.sendall(chunk(b'filename="slow.csv"\r\nContent-Type: text/csv\r\n\r\na,b\n'))
        for row in range(600):
            client.sendall(chunk(b"%d,%d\n" % (row, row) * 1000))
            sent_some.set()
            time.sleep(0.1)
        client.sendall(chunk(b"\r\n--slow--\r\n") + b"0\r\n\r\n")
    except OSError:  # Envoy answered and closed the connection
        sent_some.set()


@pytest.mark.timeout(300)
async def test_sigterm_during_an_upload_answers_503_in_the_envelope(tmp_path: Path):
    stack = await start_stack(tmp_path / "data", NEUROGATE_SHUTDOWN_GRACE="1")
    try:
        account = await stack.accounts.create_account("uploader", Tier.PRO)
        token = await issue_token(stack.rest_url, account)
        client = open_request(
            stack.settings.http_port,
            "POST /v1/data/upload HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Authorization: Bearer {token}\r\n"
            "Content-Type: multipart/form-data; boundary=slow\r\n"
            "Transfer-Encoding: chunked",
        )
        sent_some = threading.Event()
        with client:
            sending = asyncio.ensure_future(asyncio.to_thread(trickle_upload, client, sent_some))
            await asyncio.to_thread(sent_some.wait)
            await asyncio.sleep(1)  # the call is in flight on the server
            stack.server.send_signal(signal.SIGTERM)
            reply = await asyncio.to_thread(read_response, client, time.monotonic() + 60)
            client.shutdown(socket.SHUT_RDWR)
            await sending
        exit_code = await asyncio.to_thread(stack.server.wait, 60)
    finally:
        await stop_stack(stack)
    assert reply is not None
    assert_envelope(reply, 503, "UNAVAILABLE")
    assert exit_code == 0
