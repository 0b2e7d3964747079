"""The ExternalProcessor that Envoy's ext_proc filter calls with each REST
request body: its answers, and the service on a real gRPC server."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import grpc
import pytest
import pytest_asyncio

from neurogate.server import ext_proc
from neurogate.server.error_mapping import ENVELOPE_HEADER, HTTP_STATUS_HEADER
from neurogate.server.gateway import DESCRIPTOR
from neurogate.server.unknown_fields import UnknownFieldCheck

CHECK = UnknownFieldCheck.from_descriptor_set(DESCRIPTOR.read_bytes())
T_TEST = "/neurogate.v1.Analysis/HypothesisTest"


def body_message(body: bytes, grpc_path: str = T_TEST, verb: str = "POST") -> Any:
    """A request_body message as Envoy sends it, with the attributes envoy.yaml asks for."""
    request = ext_proc.ProcessingRequest()
    request.request_body.body = body
    attributes = request.attributes[ext_proc.ATTRIBUTES_NAMESPACE].fields
    attributes[ext_proc.GRPC_PATH].string_value = grpc_path
    attributes[ext_proc.HTTP_VERB].string_value = verb
    attributes[ext_proc.REQUEST_ID].string_value = "req_abc"
    return request


def headers_of(reply: Any) -> dict[str, str]:
    return {
        option.header.key: option.header.raw_value.decode()
        for option in reply.immediate_response.headers.set_headers
    }


def test_a_body_of_known_fields_continues_unchanged() -> None:
    reply = ext_proc.answer(CHECK, body_message(b'{"dataset_id": "ds", "populationMean": 1}'))
    assert reply.HasField("request_body")
    assert not reply.HasField("immediate_response")


def test_an_unknown_field_is_refused_with_the_envelope_for_the_lua_filter() -> None:
    reply = ext_proc.answer(CHECK, body_message(b'{"dataset_id": "ds", "mu": 15000}'))
    refusal = reply.immediate_response
    assert refusal.status.code == 400
    assert refusal.details == "neurogate_unknown_json_field"
    headers = headers_of(reply)
    assert headers[HTTP_STATUS_HEADER] == "400"
    envelope = json.loads(headers[ENVELOPE_HEADER])
    assert envelope["status"] == "error"
    assert envelope["error"]["code"] == "INVALID_PARAMETER"
    assert envelope["error"]["details"]["parameter"] == "mu"
    assert envelope["error"]["details"]["value"] == 15000
    assert envelope["error"]["request_id"] == "req_abc"


def test_a_body_without_attributes_is_left_to_the_transcoder() -> None:
    request = ext_proc.ProcessingRequest()
    request.request_body.body = b'{"mu": 1}'
    assert ext_proc.answer(CHECK, request).HasField("request_body")


def test_the_messages_keep_envoys_field_numbers() -> None:
    # ProcessingRequest.request_body = 4 (HttpBody.body = 1), attributes = 9;
    # ProcessingResponse.request_body = 3, immediate_response = 7.
    request = ext_proc.ProcessingRequest.FromString(b"\x22\x03\x0a\x01x")
    assert request.request_body.body == b"x"
    assert body_message(b"").SerializeToString().startswith(b"\x22\x00\x4a")
    assert ext_proc.answer(CHECK, body_message(b"{}")).SerializeToString() == b"\x1a\x00"
    refused = ext_proc.answer(CHECK, body_message(b'{"mu": 1}')).SerializeToString()
    assert refused.startswith(b"\x3a")


# ---------------------------------------------------------------- the service


@pytest_asyncio.fixture
async def channel() -> AsyncIterator[grpc.aio.Channel]:
    server = grpc.aio.server()
    server.add_generic_rpc_handlers([ext_proc.handler(CHECK)])
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as opened:
        yield opened
    await server.stop(None)


def process(channel: grpc.aio.Channel) -> Any:
    return channel.stream_stream(
        ext_proc.METHOD,
        request_serializer=ext_proc.ProcessingRequest.SerializeToString,
        response_deserializer=ext_proc.ProcessingResponse.FromString,
    )


async def test_the_service_answers_each_body_on_its_stream(channel: grpc.aio.Channel) -> None:
    call = process(channel)(
        iter([body_message(b'{"column": "x"}'), body_message(b'{"colum": "x"}')])
    )
    replies = [reply async for reply in call]
    assert replies[0].HasField("request_body")
    envelope = json.loads(headers_of(replies[1])[ENVELOPE_HEADER])
    assert envelope["error"]["details"]["suggestion"] == "column"


async def test_the_service_refuses_messages_other_than_request_bodies(
    channel: grpc.aio.Channel,
) -> None:
    call = process(channel)(iter([ext_proc.ProcessingRequest()]))
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        [reply async for reply in call]
    assert raised.value.code() == grpc.StatusCode.UNIMPLEMENTED
