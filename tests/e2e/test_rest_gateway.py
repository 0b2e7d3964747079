"""What Envoy itself does for REST callers: its own errors in the envelope,
body limits, compression, gRPC and gRPC-Web on the same port."""

from __future__ import annotations

import gzip
import struct
from pathlib import Path

import grpc
import httpx
import pytest

from conftest import NewCaller, Stack, assert_envelope, lone_gateway
from neurogate.server.auth.tiers import Tier
from neurogate.server.gateway import JSON_BODY_LIMIT
from neurogate.v1 import auth_pb2, data_pb2, data_pb2_grpc


async def test_unknown_route_is_404_in_the_envelope(rest: httpx.AsyncClient):
    error = assert_envelope(await rest.get("/v1/no-such-thing"), 404, "NOT_FOUND")
    assert "/v1/no-such-thing" in error["message"]


async def test_wrong_method_on_a_known_path_is_404_in_the_envelope(rest: httpx.AsyncClient):
    assert_envelope(await rest.put("/v1/datasets"), 404, "NOT_FOUND")


async def test_malformed_json_is_400_in_the_envelope(
    new_caller: NewCaller, rest: httpx.AsyncClient
):
    caller = await new_caller()
    reply = await rest.post(
        "/v1/datasets",
        headers={**caller.headers, "content-type": "application/json"},
        content=b'{"name": ',
    )
    error = assert_envelope(reply, 400, "INVALID_PARAMETER")
    assert error["details"]["http_status"] == 400


async def test_wrongly_typed_json_field_is_400_in_the_envelope(
    new_caller: NewCaller, rest: httpx.AsyncClient
):
    caller = await new_caller()
    reply = await rest.post("/v1/datasets", headers=caller.headers, json={"name": 5})
    assert "name" in assert_envelope(reply, 400, "INVALID_PARAMETER")["message"]


async def test_unknown_query_parameter_is_400_in_the_envelope(
    new_caller: NewCaller, rest: httpx.AsyncClient
):
    caller = await new_caller()
    reply = await rest.get("/v1/datasets?pagesize=3", headers=caller.headers)
    assert "pagesize" in assert_envelope(reply, 400, "INVALID_PARAMETER")["message"]


async def test_json_body_over_the_limit_is_413_in_the_envelope(
    new_caller: NewCaller, rest: httpx.AsyncClient
):
    caller = await new_caller()
    reply = await rest.post(
        "/v1/datasets", headers=caller.headers, json={"name": "x" * (JSON_BODY_LIMIT + 10)}
    )
    assert_envelope(reply, 413, "PAYLOAD_TOO_LARGE")


async def test_unimplemented_method_is_501_in_the_envelope(
    new_caller: NewCaller, rest: httpx.AsyncClient
):
    caller = await new_caller()
    reply = await rest.post("/v1/stream/create", headers=caller.headers, json={})
    error = assert_envelope(reply, 501, "UNIMPLEMENTED")
    assert error["message"] == "StreamService.CreateStream is not implemented yet"


async def test_upstream_down_is_503_in_the_envelope(tmp_path: Path):
    async with lone_gateway(tmp_path) as rest_url, httpx.AsyncClient(base_url=rest_url) as client:
        reply = await client.get("/v1/datasets")
    assert_envelope(reply, 503, "UNAVAILABLE")


async def test_success_responses_print_zero_values_and_no_grpc_headers(
    new_caller: NewCaller, rest: httpx.AsyncClient
):
    caller = await new_caller()
    reply = await rest.get("/v1/datasets", headers=caller.headers)
    assert reply.json() == {"datasets": [], "total": 0, "next_page_token": ""}
    assert "grpc-status" not in reply.headers
    assert "grpc-message" not in reply.headers
    assert reply.headers["x-request-id"].startswith("req_")


async def test_large_json_responses_are_gzip_compressed(
    new_caller: NewCaller, rest: httpx.AsyncClient
):
    caller = await new_caller()
    for number in range(30):
        created = await rest.post(
            "/v1/datasets", headers=caller.headers, json={"name": f"study {number}", "type": "eeg"}
        )
        assert created.status_code == 200
    reply = await rest.get("/v1/datasets", headers={**caller.headers, "accept-encoding": "gzip"})
    assert reply.headers["content-encoding"] == "gzip"
    assert len(reply.json()["datasets"]) == 30
    raw = await rest.get("/v1/datasets", headers={**caller.headers, "accept-encoding": "identity"})
    assert "content-encoding" not in raw.headers
    assert gzip.compress(raw.content)  # sanity: the identity body is plain JSON
    assert raw.json()["total"] == 30


async def test_native_grpc_works_through_envoy(stack: Stack, new_caller: NewCaller):
    caller = await new_caller()
    async with grpc.aio.insecure_channel(f"127.0.0.1:{stack.settings.http_port}") as channel:
        reply = await data_pb2_grpc.DataServiceStub(channel).ListDatasets(
            data_pb2.ListDatasetsRequest(), metadata=caller.metadata
        )
    assert reply.total == 0


async def test_grpc_web_works_through_envoy(stack: Stack, rest: httpx.AsyncClient):
    account = await stack.accounts.create_account("web", Tier.PRO)
    message = auth_pb2.IssueTokenRequest(
        client_id=account.client_id,
        client_secret=account.client_secret,
        grant_type="client_credentials",
    ).SerializeToString()
    reply = await rest.post(
        "/neurogate.v1.AuthService/IssueToken",
        content=b"\x00" + struct.pack(">I", len(message)) + message,
        headers={"content-type": "application/grpc-web+proto", "x-grpc-web": "1"},
    )
    assert reply.status_code == 200
    assert reply.headers["content-type"].startswith("application/grpc-web")
    length = struct.unpack(">I", reply.content[1:5])[0]
    token = auth_pb2.IssueTokenResponse.FromString(reply.content[5 : 5 + length])
    assert token.token_type == "Bearer"
    assert b"grpc-status:0" in reply.content[5 + length :].replace(b" ", b"")


@pytest.mark.parametrize("path", ["/v1/datasets", "/v1/data/datasets"])
async def test_both_documented_list_routes_answer(
    path: str, new_caller: NewCaller, rest: httpx.AsyncClient
):
    caller = await new_caller()
    assert (await rest.get(path, headers=caller.headers)).status_code == 200
