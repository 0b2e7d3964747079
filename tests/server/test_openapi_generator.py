"""The OpenAPI generator (server/openapi.py) on the committed descriptor set:
a valid document that follows the transcoder's mapping, and the committed
``openapi.json`` is exactly what it renders."""

from __future__ import annotations

import json
from importlib.resources import files
from typing import Any

import pytest
from google.api import annotations_pb2
from google.protobuf import descriptor_pb2
from openapi_spec_validator import validate

from neurogate.server.openapi import OPENAPI_VERSION, build_document, render

PACKAGE = files("neurogate.v1")
DESCRIPTOR_SET = PACKAGE.joinpath("descriptor.binpb").read_bytes()


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return build_document(DESCRIPTOR_SET)


def operation(document: dict[str, Any], verb: str, path: str) -> dict[str, Any]:
    return document["paths"][path][verb]


def parameters(op: dict[str, Any], location: str) -> dict[str, dict[str, Any]]:
    return {p["name"]: p for p in op.get("parameters", []) if p["in"] == location}


def resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref", "")
    return document["components"]["schemas"][ref.rsplit("/", 1)[-1]] if ref else schema


def test_document_is_a_valid_openapi_3_1_document(document: dict[str, Any]):
    assert document["openapi"] == OPENAPI_VERSION == "3.1.0"
    validate(document)


def test_committed_openapi_json_is_what_the_generator_renders():
    assert PACKAGE.joinpath("openapi.json").read_text() == render(DESCRIPTOR_SET)


def test_rendering_is_deterministic():
    assert render(DESCRIPTOR_SET) == render(DESCRIPTOR_SET)


def test_every_http_annotation_and_additional_binding_is_an_operation(
    document: dict[str, Any],
):
    operation_ids = [op["operationId"] for ops in document["paths"].values() for op in ops.values()]
    assert len(operation_ids) == len(set(operation_ids))
    assert operation(document, "get", "/v1/devices")["operationId"] == "DeviceControl_ListDevices"
    assert operation(document, "get", "/v2/devices")["operationId"] == "DeviceControl_ListDevices_2"
    assert "/v1/stream/{stream_id}/metrics" in document["paths"]


def test_grpc_only_methods_are_not_documented(document: dict[str, Any]):
    operation_ids = {op["operationId"] for ops in document["paths"].values() for op in ops.values()}
    assert not {"DeviceControl_Control", "NeuralService_DeviceControl"} & operation_ids
    assert not any(op.startswith("NeuralService_AnalyzeData") for op in operation_ids)


def test_body_star_sends_the_request_minus_its_path_fields(document: dict[str, Any]):
    op = operation(document, "post", "/v1/devices/{device_id}/stream/start")
    body = op["requestBody"]["content"]["application/json"]["schema"]
    assert "device_id" not in body["properties"]
    assert {"channels", "filters"} <= set(body["properties"])
    assert parameters(op, "path")["device_id"]["required"] is True
    assert not parameters(op, "query")


def test_body_field_sends_that_field_and_the_rest_are_query_parameters(
    document: dict[str, Any],
):
    op = operation(document, "patch", "/v2/devices/{device_id}/config")
    body = op["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/StreamConfig"}
    assert set(parameters(op, "query")) == {"update_mask"}
    assert parameters(op, "query")["update_mask"]["schema"]["type"] == "string"


def test_get_fields_outside_the_path_are_query_parameters(document: dict[str, Any]):
    op = operation(document, "get", "/v1/devices/{device_id}/stream")
    query = parameters(op, "query")
    assert "device_id" not in query
    assert {"block_size", "channels", "max_latency_ms", "session_id"} <= set(query)
    assert query["channels"]["schema"] == {
        "type": "array",
        "items": {"type": "integer", "format": "int32"},
    }
    assert query["channels"]["explode"] is True
    assert "requestBody" not in op


def test_int64_is_a_decimal_string(document: dict[str, Any]):
    packet = document["components"]["schemas"]["NeuralDataPacket"]
    assert packet["properties"]["sequence"]["type"] == "string"
    assert packet["properties"]["sequence"]["pattern"] == "^-?[0-9]+$"
    query = parameters(operation(document, "get", "/v1/devices/{device_id}/stream"), "query")
    assert query["after_sequence"]["schema"]["format"] == "int64"


def test_bytes_are_base64_and_doubles_may_be_non_finite_tokens(document: dict[str, Any]):
    packet = document["components"]["schemas"]["NeuralDataPacket"]["properties"]
    assert packet["samples_f32"]["contentEncoding"] == "base64"
    assert packet["samples"]["items"]["oneOf"][1]["enum"] == ["NaN", "Infinity", "-Infinity"]


def test_well_known_types_use_their_json_forms(document: dict[str, Any]):
    dataset = document["components"]["schemas"]["Dataset"]["properties"]
    assert dataset["created_at"]["format"] == "date-time"
    assert dataset["metadata"]["type"] == "object"
    assert dataset["column_types"]["additionalProperties"] == {"type": "string"}
    assert not any(name.startswith("google.protobuf") for name in document["components"]["schemas"])


def test_http_body_is_raw_content_in_both_directions(document: dict[str, Any]):
    upload = operation(document, "post", "/v1/data/upload")
    assert list(upload["requestBody"]["content"]) == ["*/*"]
    assert {"name", "filename", "encoding", "sheet"} == set(parameters(upload, "query"))
    export = operation(document, "get", "/v1/sessions/{session_id}/export")
    assert list(export["responses"]["200"]["content"]) == ["*/*"]


def test_server_streams_are_newline_delimited_json(document: dict[str, Any]):
    reply = operation(document, "get", "/v1/devices/{device_id}/stream")["responses"]["200"]
    assert reply["content"]["application/x-ndjson"]["schema"] == {
        "$ref": "#/components/schemas/NeuralDataPacket"
    }


def test_anonymous_methods_need_no_bearer_token(document: dict[str, Any]):
    assert document["security"] == [{"bearerAuth": []}]
    assert document["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    assert operation(document, "post", "/v1/auth/token")["security"] == []
    devices = operation(document, "get", "/v1/devices")
    assert "security" not in devices
    assert devices["x-required-scope"] == "devices.read"


def test_every_error_status_is_the_documented_envelope(document: dict[str, Any]):
    envelope = document["components"]["schemas"]["ErrorEnvelope"]
    assert set(envelope["properties"]) == {"status", "error"}
    error = resolve(document, envelope["properties"]["error"])
    assert set(error["properties"]) == {"code", "message", "details", "request_id", "timestamp"}
    for ops in document["paths"].values():
        for op in ops.values():
            assert op["responses"]["4XX"] == {"$ref": "#/components/responses/Error"}
            assert op["responses"]["5XX"] == {"$ref": "#/components/responses/Error"}


def test_proto_comments_become_descriptions(document: dict[str, Any]):
    upload = operation(document, "post", "/v1/data/upload")
    assert upload["summary"] == "Uploads a CSV or Excel (.xlsx) file of at most 50 MB"
    assert "multipart/form-data" in upload["description"]
    name = parameters(upload, "query")["name"]
    assert name["description"].startswith("Dataset name")
    tags = {tag["name"]: tag["description"] for tag in document["tags"]}
    assert tags["DataService"].startswith("Datasets:")


def test_recursive_and_nested_messages_are_referenced_once():
    descriptors = descriptor_pb2.FileDescriptorSet.FromString(DESCRIPTOR_SET)
    # A message that contains itself must not loop the generator.
    node = descriptor_pb2.FileDescriptorProto(
        name="neurogate/v1/tree.proto",
        package="neurogate.v1",
        syntax="proto3",
        dependency=["google/api/annotations.proto"],
    )
    tree = node.message_type.add(name="Tree")
    tree.field.add(
        name="children",
        number=1,
        type=descriptor_pb2.FieldDescriptorProto.TYPE_MESSAGE,
        label=descriptor_pb2.FieldDescriptorProto.LABEL_REPEATED,
        type_name=".neurogate.v1.Tree",
    )
    tree.field.add(
        name="name",
        number=2,
        type=descriptor_pb2.FieldDescriptorProto.TYPE_STRING,
        label=descriptor_pb2.FieldDescriptorProto.LABEL_OPTIONAL,
    )
    method = node.service.add(name="Forest").method.add(
        name="GetTree", input_type=".neurogate.v1.Tree", output_type=".neurogate.v1.Tree"
    )
    method.options.Extensions[annotations_pb2.http].get = "/v1/trees/{name=forests/*}"
    descriptors.file.append(node)
    document = build_document(descriptors.SerializeToString())
    validate(document)
    op = document["paths"]["/v1/trees/{name}"]["get"]
    assert op["operationId"] == "Forest_GetTree"
    assert set(parameters(op, "path")) == {"name"}
    # Query parameters stop at the recursion instead of repeating forever.
    assert not parameters(op, "query")
    children = document["components"]["schemas"]["Tree"]["properties"]["children"]
    assert children["items"] == {"$ref": "#/components/schemas/Tree"}
    assert json.dumps(document)  # serialisable, no cycles
