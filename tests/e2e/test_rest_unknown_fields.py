"""REST bodies with fields their route's message lacks are refused with 400
INVALID_PARAMETER naming the field, on every route with a JSON body, through
the real Envoy (ext_proc) and the real server; they used to be dropped
without a word by the transcoder.

The routes are read from the descriptor set Envoy loads, so a new route is
covered by itself.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import httpx
import pandas as pd
import pytest
import pytest_asyncio
from google.protobuf.descriptor import Descriptor, FieldDescriptor

from conftest import Caller, Stack, assert_envelope, issue_token, lone_gateway, upload_frame
from neurogate.server import ext_proc
from neurogate.server.auth.tiers import Tier
from neurogate.server.gateway import DESCRIPTOR
from neurogate.server.openapi import build_document
from neurogate.server.unknown_fields import BodyBinding, bindings

UNKNOWN = "surely_not_a_field"
_BINDINGS = bindings(DESCRIPTOR.read_bytes())


def _json_routes() -> list[tuple[str, str, BodyBinding]]:
    """(verb, path with placeholders filled, binding) of every operation with a JSON body."""
    routes = []
    for template, operations in build_document(DESCRIPTOR.read_bytes())["paths"].items():
        for verb, operation in operations.items():
            if "application/json" not in operation.get("requestBody", {}).get("content", {}):
                continue
            service, method = operation["operationId"].split("_")[:2]
            binding = _BINDINGS[(f"/neurogate.v1.{service}/{method}", verb.upper())]
            assert binding is not None
            routes.append((verb.upper(), re.sub(r"\{[^}]+\}", "x", template), binding))
    return routes


ROUTES = _json_routes()


def _body_message(binding: BodyBinding) -> Descriptor | None:
    if binding.body_field is None:
        return binding.message
    return binding.body_field.message_type


def _ours(message: Descriptor | None) -> bool:
    return message is not None and message.full_name.startswith("neurogate.v1.")


def _nested_probe(binding: BodyBinding) -> tuple[dict, str] | None:
    """A body whose first nested message holds the unknown field, and that field's path."""
    message = _body_message(binding)
    if message is None:
        return None
    for field in message.fields:
        target: Descriptor | None = field.message_type
        if target is not None and target.GetOptions().map_entry:
            value_field: FieldDescriptor = target.fields_by_name["value"]
            if _ours(value_field.message_type):
                return {field.name: {"k": {UNKNOWN: 1}}}, f'{field.name}["k"].{UNKNOWN}'
        elif _ours(target) and field.is_repeated:
            return {field.name: [{UNKNOWN: 1}]}, f"{field.name}[0].{UNKNOWN}"
        elif _ours(target):
            return {field.name: {UNKNOWN: 1}}, f"{field.name}.{UNKNOWN}"
    return None


NESTED = [(verb, path, probe) for verb, path, b in ROUTES if (probe := _nested_probe(b))]


@pytest_asyncio.fixture(scope="module")
async def caller(stack: Stack) -> AsyncIterator[Caller]:
    account = await stack.accounts.create_account("unknown-fields", Tier.PRO)
    yield Caller(account, await issue_token(stack.rest_url, account))


def assert_refused(reply: httpx.Response, parameter: str) -> dict:
    error = assert_envelope(reply, 400, "INVALID_PARAMETER")
    assert error["details"]["parameter"] == parameter
    assert repr(parameter) in error["message"]
    assert "x-neurogate-error" not in reply.headers
    return error


def test_the_descriptor_set_declares_json_bodies_with_and_without_nested_messages() -> None:
    assert len(ROUTES) >= 30
    assert {verb for verb, _, _ in ROUTES} == {"POST", "PATCH"}
    assert len(NESTED) >= 10


@pytest.mark.parametrize(
    ("verb", "path", "binding"), ROUTES, ids=[f"{v} {p}" for v, p, _ in ROUTES]
)
async def test_an_unknown_top_level_field_is_refused_naming_it(
    rest: httpx.AsyncClient, caller: Caller, verb: str, path: str, binding: BodyBinding
) -> None:
    reply = await rest.request(verb, path, headers=caller.headers, json={UNKNOWN: 15000})
    error = assert_refused(reply, UNKNOWN)
    assert error["details"]["value"] == 15000


@pytest.mark.parametrize(("verb", "path", "probe"), NESTED, ids=[f"{v} {p}" for v, p, _ in NESTED])
async def test_an_unknown_nested_field_is_refused_naming_its_path(
    rest: httpx.AsyncClient, caller: Caller, verb: str, path: str, probe: tuple[dict, str]
) -> None:
    body, parameter = probe
    reply = await rest.request(verb, path, headers=caller.headers, json=body)
    assert_refused(reply, parameter)


# ---------------------------------------------------------------- the t test of the report


@pytest_asyncio.fixture(scope="module")
async def around_15000(stack: Stack, caller: Caller) -> str:
    """A dataset whose column ``x`` has a mean near 15000."""
    frame = pd.DataFrame({"x": [14990.0, 15010.0, 14980.0, 15005.0, 14995.0, 15002.0]})
    async with httpx.AsyncClient(base_url=stack.rest_url, timeout=30) as client:
        return await upload_frame(client, caller, frame, name="around-15000")


async def test_the_mu_t_test_is_refused_naming_mu(
    rest: httpx.AsyncClient, caller: Caller, around_15000: str
) -> None:
    reply = await rest.post(
        "/v1/analysis/hypothesis-test",
        headers=caller.headers,
        json={"dataset_id": around_15000, "test_type": "one_sample_t", "column": "x", "mu": 15000},
    )
    error = assert_refused(reply, "mu")
    assert error["details"]["value"] == 15000
    assert "population_mean" in error["details"]["valid_fields"]


async def test_the_real_field_runs_the_t_test_against_its_mean(
    rest: httpx.AsyncClient, caller: Caller, around_15000: str
) -> None:
    reply = await rest.post(
        "/v1/analysis/hypothesis-test",
        headers=caller.headers,
        json={
            "dataset_id": around_15000,
            "test_type": "one_sample_t",
            "column": "x",
            "population_mean": 15000,
        },
    )
    assert reply.status_code == 200, reply.text
    assert abs(reply.json()["statistic"]) < 1


async def test_lower_camel_names_still_work(
    rest: httpx.AsyncClient, caller: Caller, around_15000: str
) -> None:
    reply = await rest.post(
        "/v1/analysis/hypothesis-test",
        headers=caller.headers,
        json={
            "datasetId": around_15000,
            "testType": "one_sample_t",
            "column": "x",
            "populationMean": 15000,
        },
    )
    assert reply.status_code == 200, reply.text
    assert abs(reply.json()["statistic"]) < 1


async def test_a_misspelt_field_gets_a_suggestion(
    rest: httpx.AsyncClient, caller: Caller, around_15000: str
) -> None:
    reply = await rest.post(
        "/v1/analysis/hypothesis-test",
        headers=caller.headers,
        json={"dataset_id": around_15000, "test_type": "one_sample_t", "populationMaen": 1},
    )
    error = assert_refused(reply, "populationMaen")
    assert error["details"]["suggestion"] == "population_mean"


# ---------------------------------------------------------------- nothing changes


async def test_a_refused_body_changes_nothing(rest: httpx.AsyncClient, new_caller) -> None:
    fresh = await new_caller()
    reply = await rest.post(
        "/v1/datasets",
        headers=fresh.headers,
        json={"name": "eeg", "type": "eeg", "metadata": {"subjects": 1}, "subjects": 2},
    )
    error = assert_refused(reply, "subjects")
    assert error["details"]["valid_fields"] == ["name", "type", "metadata"]
    listed = await rest.get("/v1/datasets", headers=fresh.headers)
    assert listed.json()["datasets"] == []


async def test_a_body_bound_to_one_field_is_checked_against_that_field(
    rest: httpx.AsyncClient, caller: Caller
) -> None:
    devices = await rest.get("/v1/devices", headers=caller.headers)
    path = f"/v1/devices/{devices.json()['devices'][0]['device_id']}/config"
    refused = await rest.patch(path, headers=caller.headers, json={"channels": [1], "rate": 1})
    assert_refused(refused, "rate")
    accepted = await rest.patch(path, headers=caller.headers, json={"channels": [1, 2]})
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["config"]["channels"] == [1, 2]


async def test_the_check_runs_before_authentication(rest: httpx.AsyncClient) -> None:
    # Field names are public (/openapi.json): a caller learns nothing new.
    reply = await rest.post("/v1/datasets", json={"name": "a", UNKNOWN: 1})
    assert_refused(reply, UNKNOWN)


async def test_the_body_check_service_is_not_callable_through_envoy(stack: Stack) -> None:
    # Envoy calls it on the server's own port; callers on Envoy's get no door to it.
    async with grpc.aio.insecure_channel(f"127.0.0.1:{stack.settings.http_port}") as channel:
        process = channel.stream_stream(ext_proc.METHOD)
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            async for _ in process(iter([b""]), timeout=10):
                pass
    assert refused.value.code() == grpc.StatusCode.UNIMPLEMENTED


async def test_bodies_that_are_not_json_objects_keep_the_transcoders_answer(
    rest: httpx.AsyncClient, caller: Caller
) -> None:
    reply = await rest.post(
        "/v1/datasets",
        headers={**caller.headers, "content-type": "application/json"},
        content=b'{"name": ',
    )
    error = assert_envelope(reply, 400, "INVALID_PARAMETER")
    assert error["details"]["http_status"] == 400
    reply = await rest.post("/v1/datasets", headers=caller.headers, content=json.dumps([1]))
    assert reply.status_code == 400


async def test_a_body_sent_while_the_server_is_down_is_503_not_500(tmp_path: Path) -> None:
    # The check lives in the server: when it cannot be reached Envoy refuses
    # the request (fail closed) with 503, as it would the call itself.
    async with lone_gateway(tmp_path) as rest_url, httpx.AsyncClient(base_url=rest_url) as client:
        reply = await client.post("/v1/datasets", json={"name": "a"})
    assert_envelope(reply, 503, "UNAVAILABLE")
