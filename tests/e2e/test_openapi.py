"""``/openapi.json`` through the real Envoy: served without a token, valid,
the generated file itself, and every documented route is one the
transcoder really serves."""

from __future__ import annotations

import gzip
import json
import re
from importlib.resources import files

import httpx
from openapi_spec_validator import validate

from conftest import assert_envelope

COMMITTED = json.loads(files("neurogate.v1").joinpath("openapi.json").read_text())


async def test_openapi_document_is_served_without_a_token(rest: httpx.AsyncClient):
    reply = await rest.get("/openapi.json")
    assert reply.status_code == 200, reply.text
    assert reply.headers["content-type"] == "application/json"
    assert reply.json() == COMMITTED
    validate(reply.json())


async def test_openapi_document_is_compressed_for_clients_that_accept_gzip(
    rest: httpx.AsyncClient,
):
    async with rest.stream("GET", "/openapi.json", headers={"accept-encoding": "gzip"}) as reply:
        assert reply.status_code == 200
        assert reply.headers["content-encoding"] == "gzip"
        raw = b"".join([chunk async for chunk in reply.aiter_raw()])
    assert json.loads(gzip.decompress(raw)) == COMMITTED
    assert len(raw) < len(json.dumps(COMMITTED)) / 4


async def test_openapi_document_answers_head(rest: httpx.AsyncClient):
    reply = await rest.head("/openapi.json")
    assert reply.status_code == 200
    assert reply.content == b""


async def test_posting_to_openapi_json_is_404_in_the_envelope(rest: httpx.AsyncClient):
    assert_envelope(await rest.post("/openapi.json", json={}), 404, "NOT_FOUND")


async def test_every_documented_route_is_served_by_the_transcoder(rest: httpx.AsyncClient):
    """Each documented (method, path), called without a token, reaches the
    server (401 UNAUTHORIZED, or a 4xx about the anonymous body): none is an
    unknown route."""
    for path, operations in COMMITTED["paths"].items():
        concrete = re.sub(r"\{[^}]+\}", "x_1", path)
        for verb, operation in operations.items():
            if "application/x-ndjson" in operation["responses"]["200"]["content"]:
                continue  # streams answer 200 and keep the connection open
            reply = await rest.request(verb.upper(), concrete, json={})
            assert reply.status_code != 404 or reply.json()["error"]["code"] != "NOT_FOUND", (
                f"{verb.upper()} {path}: {reply.text}"
            )
            assert 400 <= reply.status_code < 500, f"{verb.upper()} {path}: {reply.text}"
            if operation.get("security") != []:
                assert_envelope(reply, 401, "UNAUTHORIZED")
