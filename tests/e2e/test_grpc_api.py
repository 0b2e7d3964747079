"""The gRPC face of the API, called directly: health, reflection, rich error
status, request ids, and client-streamed uploads."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator

import grpc
import pytest
from google.rpc import error_details_pb2, status_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from conftest import NewCaller, Stack
from neurogate.server.auth.tiers import Tier
from neurogate.server.settings import MAX_UPLOAD_BYTES
from neurogate.v1 import (
    auth_pb2,
    auth_pb2_grpc,
    data_pb2,
    data_pb2_grpc,
    stream_pb2,
    stream_pb2_grpc,
)


def rich_details(error: grpc.aio.AioRpcError) -> dict[str, object]:
    """The google.rpc details of an error, by type name."""
    raw = dict(error.trailing_metadata())["grpc-status-details-bin"]
    status = status_pb2.Status.FromString(raw)
    found: dict[str, object] = {}
    for kind in (
        error_details_pb2.ErrorInfo,
        error_details_pb2.RequestInfo,
        error_details_pb2.BadRequest,
        error_details_pb2.RetryInfo,
    ):
        for packed in status.details:
            if packed.Is(kind.DESCRIPTOR):
                message = kind()
                packed.Unpack(message)
                found[kind.DESCRIPTOR.name] = message
    return found


def chunks(data: bytes, size: int, **first: str) -> Iterator[data_pb2.UploadDatasetRequest]:
    for offset in range(0, max(len(data), 1), size):
        message = data_pb2.UploadDatasetRequest(**(first if offset == 0 else {}))
        message.http_body.data = data[offset : offset + size]
        if offset == 0:
            message.http_body.content_type = "text/csv"
        yield message


async def test_health_reports_serving_for_the_server_and_each_service(stack: Stack):
    stub = health_pb2_grpc.HealthStub(stack.channel())
    for service in ("", "neurogate.v1.DataService", "neurogate.v1.SPC"):
        reply = await stub.Check(health_pb2.HealthCheckRequest(service=service))
        assert reply.status == health_pb2.HealthCheckResponse.SERVING


async def test_reflection_lists_every_service(stack: Stack):
    stub = reflection_pb2_grpc.ServerReflectionStub(stack.channel())
    replies = stub.ServerReflectionInfo(
        iter([reflection_pb2.ServerReflectionRequest(list_services="")])
    )
    names = {
        service.name async for reply in replies for service in reply.list_services_response.service
    }
    assert {
        "neurogate.v1.AuthService",
        "neurogate.v1.DataService",
        "neurogate.v1.NeuralService",
        "neurogate.v1.DeviceControl",
        "grpc.health.v1.Health",
    } <= names


async def test_errors_carry_error_info_request_info_and_bad_request(
    stack: Stack, new_caller: NewCaller
):
    caller = await new_caller()
    stub = data_pb2_grpc.DataServiceStub(stack.channel())
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await stub.ListDatasets(
            data_pb2.ListDatasetsRequest(page_size=-5), metadata=caller.metadata
        )
    error = raised.value
    assert error.code() is grpc.StatusCode.INVALID_ARGUMENT
    details = rich_details(error)
    info = details["ErrorInfo"]
    assert (info.reason, info.domain) == ("INVALID_PARAMETER", "neurogate")
    assert dict(info.metadata) == {"parameter": "page_size", "value": "-5"}
    assert details["BadRequest"].field_violations[0].field == "page_size"
    trailers = dict(error.trailing_metadata())
    assert details["RequestInfo"].request_id == trailers["x-request-id"]
    envelope = json.loads(trailers["x-neurogate-error"])
    assert envelope["error"]["code"] == "INVALID_PARAMETER"


async def test_a_callers_request_id_is_kept(stack: Stack, new_caller: NewCaller):
    caller = await new_caller()
    stub = data_pb2_grpc.DataServiceStub(stack.channel())
    call = stub.ListDatasets(
        data_pb2.ListDatasetsRequest(),
        metadata=(*caller.metadata, ("x-request-id", "req_trace42abc")),
    )
    await call
    assert dict(await call.initial_metadata())["x-request-id"] == "req_trace42abc"


async def test_unimplemented_methods_answer_unimplemented_with_error_info(
    stack: Stack, new_caller: NewCaller
):
    caller = await new_caller()
    stub = stream_pb2_grpc.StreamServiceStub(stack.channel())
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await stub.CreateStream(stream_pb2.CreateStreamRequest(), metadata=caller.metadata)
    assert raised.value.code() is grpc.StatusCode.UNIMPLEMENTED
    assert rich_details(raised.value)["ErrorInfo"].reason == "UNIMPLEMENTED"


async def test_token_issuance_needs_no_bearer_token(stack: Stack):
    account = await stack.accounts.create_account("grpc", Tier.PRO)
    reply = await auth_pb2_grpc.AuthServiceStub(stack.channel()).IssueToken(
        auth_pb2.IssueTokenRequest(
            client_id=account.client_id,
            client_secret=account.client_secret,
            grant_type="client_credentials",
        )
    )
    assert reply.token_type == "Bearer"


async def test_upload_as_a_client_stream_of_chunks(stack: Stack, new_caller: NewCaller):
    caller = await new_caller()
    data = b"x,y\n" + b"".join(f"{i},{i * i}\n".encode() for i in range(10_000))
    stub = data_pb2_grpc.DataServiceStub(stack.channel())
    reply = await stub.UploadDataset(
        chunks(data, 16 * 1024, name="squares", filename="squares.csv"),
        metadata=caller.metadata,
    )
    assert (reply.name, reply.rows, reply.columns) == ("squares", 10_000, 2)
    assert dict(reply.column_types) == {"x": "numeric", "y": "numeric"}


def upload_endlessly(
    target: str, metadata: tuple[tuple[str, str], ...]
) -> tuple[int, grpc.RpcError]:
    """Streams ~1 MB chunks until the server ends the call; (bytes sent, error)."""
    sent = 0

    def chunks() -> Iterator[data_pb2.UploadDatasetRequest]:
        nonlocal sent
        chunk = data_pb2.UploadDatasetRequest(filename="big.csv")
        chunk.http_body.data = b"1,2,3\n" * 170_000
        while sent < 3 * MAX_UPLOAD_BYTES:
            sent += len(chunk.http_body.data)
            yield chunk

    with grpc.insecure_channel(target) as channel:
        try:
            data_pb2_grpc.DataServiceStub(channel).UploadDataset(chunks(), metadata=metadata)
        except grpc.RpcError as error:
            return sent, error
    raise AssertionError("an endless upload was accepted")


async def test_oversized_stream_is_refused_before_it_ends(stack: Stack, new_caller: NewCaller):
    # The synchronous client: grpcio's asyncio client can report INTERNAL instead
    # of the server's status when a write races the end of the call
    # (grpc/grpc#36066).
    caller = await new_caller()
    sent, error = await asyncio.to_thread(upload_endlessly, stack.grpc_target, caller.metadata)
    assert error.code() is grpc.StatusCode.RESOURCE_EXHAUSTED
    status = status_pb2.Status.FromString(
        dict(error.trailing_metadata())["grpc-status-details-bin"]
    )
    info = error_details_pb2.ErrorInfo()
    status.details[0].Unpack(info)
    assert info.reason == "PAYLOAD_TOO_LARGE"
    assert sent < 3 * MAX_UPLOAD_BYTES  # refused before the stream ended
