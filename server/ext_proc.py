"""Envoy's external processing protocol (``envoy.service.ext_proc.v3``), the
part NeuroGate serves: Envoy's ``ext_proc`` filter sends each buffered REST
request body here, and the answer lets it through or refuses it before the
transcoder drops its unknown fields (:mod:`neurogate.server.unknown_fields`).

The messages are the subset of Envoy's ``external_processor.proto`` that the
exchange uses, with Envoy's field numbers, built into a private descriptor
pool: the Envoy API's Python package (``xds-protos``) would overwrite
``googleapis-common-protos``' ``google.api``/``google.rpc`` modules, and the
private pool cannot clash with a copy of those messages loaded elsewhere.
Fields left out are skipped on the wire; an enum declared here as ``int32``
(``HttpStatus.code``) is encoded alike.

A refusal is an ``ImmediateResponse`` that carries the rendered envelope and
HTTP status in the headers the server's own errors use; Envoy's Lua filter
moves them into the body and status line, as for every other error.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import grpc
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory, struct_pb2

from neurogate.server.error_mapping import ENVELOPE_HEADER, HTTP_STATUS_HEADER, envelope_json
from neurogate.server.unknown_fields import UnknownFieldCheck

_PACKAGE = "envoy.service.ext_proc.v3"
SERVICE = f"{_PACKAGE}.ExternalProcessor"
METHOD = f"/{SERVICE}/Process"
#: The ``request_attributes`` envoy.yaml asks for, reported under the filter's
#: name. The body arrives after the headers passed the transcoder, which has
#: rewritten the path to the gRPC method and kept the HTTP verb aside.
ATTRIBUTES_NAMESPACE = "envoy.filters.http.ext_proc"
GRPC_PATH = "request.path"
HTTP_VERB = "request.headers['x-envoy-original-method']"
REQUEST_ID = "request.id"
REQUEST_ATTRIBUTES = (GRPC_PATH, HTTP_VERB, REQUEST_ID)

_T = descriptor_pb2.FieldDescriptorProto
#: message -> (field, number, scalar type or message name, repeated)
_MESSAGES: dict[str, tuple[tuple[str, int, int | str, bool], ...]] = {
    "HttpBody": (("body", 1, _T.TYPE_BYTES, False),),
    "ProcessingRequest": (
        ("request_body", 4, "HttpBody", False),
        ("attributes", 9, "ProcessingRequest.AttributesEntry", True),  # map<string, Struct>
    ),
    "HeaderValue": (("key", 1, _T.TYPE_STRING, False), ("raw_value", 3, _T.TYPE_BYTES, False)),
    "HeaderValueOption": (("header", 1, "HeaderValue", False),),
    "HeaderMutation": (("set_headers", 1, "HeaderValueOption", True),),
    "BodyResponse": (),  # no mutation: continue
    "HttpStatus": (("code", 1, _T.TYPE_INT32, False),),
    "ImmediateResponse": (
        ("status", 1, "HttpStatus", False),
        ("headers", 2, "HeaderMutation", False),
        ("details", 5, _T.TYPE_STRING, False),
    ),
    "ProcessingResponse": (
        ("request_body", 3, "BodyResponse", False),
        ("immediate_response", 7, "ImmediateResponse", False),
    ),
}


def _field(name: str, number: int, kind: int | str, repeated: bool) -> _T:
    field = _T(name=name, number=number)
    field.label = _T.LABEL_REPEATED if repeated else _T.LABEL_OPTIONAL
    if isinstance(kind, int):
        field.type = kind
    else:
        field.type = _T.TYPE_MESSAGE
        field.type_name = f".{kind}" if kind.startswith("google.") else f".{_PACKAGE}.{kind}"
    return field


def _message_classes() -> tuple[Any, Any]:
    pool = descriptor_pool.DescriptorPool()
    struct_file = descriptor_pb2.FileDescriptorProto()
    struct_pb2.DESCRIPTOR.CopyToProto(struct_file)
    pool.Add(struct_file)
    file = descriptor_pb2.FileDescriptorProto(
        name="neurogate/ext_proc_subset.proto",
        package=_PACKAGE,
        syntax="proto3",
        dependency=[struct_file.name],
    )
    for name, fields in _MESSAGES.items():
        message = file.message_type.add(name=name)
        message.field.extend(_field(*spec) for spec in fields)
        if name == "ProcessingRequest":
            entry = message.nested_type.add(name="AttributesEntry")
            entry.options.map_entry = True
            entry.field.extend(
                [
                    _field("key", 1, _T.TYPE_STRING, False),
                    _field("value", 2, "google.protobuf.Struct", False),
                ]
            )
    pool.Add(file)
    request, response = (
        message_factory.GetMessageClass(pool.FindMessageTypeByName(f"{_PACKAGE}.{name}"))
        for name in ("ProcessingRequest", "ProcessingResponse")
    )
    return request, response


ProcessingRequest, ProcessingResponse = _message_classes()


def _attributes(request: Any) -> dict[str, str]:
    if ATTRIBUTES_NAMESPACE not in request.attributes:
        return {}
    found = request.attributes[ATTRIBUTES_NAMESPACE].fields
    return {name: found[name].string_value for name in REQUEST_ATTRIBUTES if name in found}


def answer(check: UnknownFieldCheck, request: Any) -> Any:
    """The reply to one ``request_body`` message: continue, or refuse."""
    attributes = _attributes(request)
    unknown = check.check(
        attributes.get(GRPC_PATH, ""), attributes.get(HTTP_VERB, ""), request.request_body.body
    )
    reply = ProcessingResponse()
    if unknown is None:
        reply.request_body.SetInParent()
        return reply
    error = unknown.error()
    refusal = reply.immediate_response
    refusal.status.code = error.http_status
    refusal.details = "neurogate_unknown_json_field"
    for key, value in (
        (ENVELOPE_HEADER, envelope_json(error, attributes.get(REQUEST_ID, ""))),
        (HTTP_STATUS_HEADER, str(error.http_status)),
    ):
        header = refusal.headers.set_headers.add().header
        header.key = key
        header.raw_value = value.encode()
    return reply


def handler(check: UnknownFieldCheck) -> grpc.GenericRpcHandler:
    """``ExternalProcessor.Process`` for a gRPC server."""

    async def process(requests: AsyncIterator[Any], context: grpc.aio.ServicerContext) -> Any:
        async for request in requests:
            if not request.HasField("request_body"):
                # envoy.yaml sends request bodies only (headers are skipped).
                await context.abort(
                    grpc.StatusCode.UNIMPLEMENTED, "only request bodies are processed"
                )
            yield answer(check, request)

    return grpc.method_handlers_generic_handler(
        SERVICE,
        {
            "Process": grpc.stream_stream_rpc_method_handler(
                process,
                request_deserializer=ProcessingRequest.FromString,
                response_serializer=ProcessingResponse.SerializeToString,
            )
        },
    )
