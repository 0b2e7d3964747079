"""The REST reference: an OpenAPI 3.1 document built from the descriptor set
that Envoy's gRPC-JSON transcoder loads (``generated/neurogate/v1/descriptor.binpb``).

It describes what the transcoder actually does with the ``google.api.http``
annotations, so the document cannot drift from the routes:

- path templates become OpenAPI paths (``{device_id}``; a ``{name=pattern}``
  variable keeps only its field name); each additional binding is its own
  operation, ``<Service>_<Method>`` then ``_2``, ``_3``...
- ``body: "*"`` sends the request message minus its path fields as JSON;
  ``body: "field"`` sends that field, and the fields neither in the path nor
  in the body are query parameters (scalars, enums, their repeated forms and
  the well-known types that print as one JSON value, nested ones dotted);
- the proto3 JSON mapping with ``preserve_proto_field_names``: 64-bit
  integers are decimal strings, enums their value names, ``bytes`` base64,
  floating point numbers may be ``"NaN"``/``"Infinity"``/``"-Infinity"``,
  ``Timestamp`` RFC 3339, ``Struct``/``Value``/``ListValue`` free JSON;
- ``google.api.HttpBody`` is raw content of any type, in either direction;
  server streams are newline-delimited JSON (``stream_newline_delimited``),
  documented as ``application/x-ndjson`` though Envoy sends them as
  ``application/json``;
- the bearer scheme applies to every method but those whose
  ``(neurogate.v1.access).anonymous`` is set; every 4XX/5XX answer is the
  documented error envelope (``neurogate.v1.ErrorEnvelope``).

Proto comments become summaries and descriptions (the descriptor set carries
source info). The module reads only the descriptor bytes, never the generated
Python stubs: ``server/codegen.py`` runs it while it regenerates them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from google.protobuf import descriptor_pb2
from google.protobuf.descriptor import Descriptor, EnumDescriptor, FieldDescriptor

from neurogate.server.http_rules import API_PACKAGE, DescriptorSet, HttpBinding

__all__ = ["OPENAPI_VERSION", "SINGLE_VALUE_TYPES", "build_document", "render"]

OPENAPI_VERSION = "3.1.0"
ERROR_ENVELOPE = f"{API_PACKAGE}.ErrorEnvelope"
HTTP_BODY = "google.api.HttpBody"
_SCHEMA_REF = "#/components/schemas/"

_FLOAT_TOKENS = {"type": "string", "enum": ["NaN", "Infinity", "-Infinity"]}
_INT64 = {"type": "string", "pattern": r"^-?[0-9]+$", "format": "int64"}
_UINT64 = {"type": "string", "pattern": r"^[0-9]+$", "format": "uint64"}
_SCALARS: dict[int, dict[str, Any]] = {
    FieldDescriptor.TYPE_DOUBLE: {"oneOf": [{"type": "number"}, _FLOAT_TOKENS]},
    FieldDescriptor.TYPE_FLOAT: {"oneOf": [{"type": "number"}, _FLOAT_TOKENS]},
    FieldDescriptor.TYPE_INT64: _INT64,
    FieldDescriptor.TYPE_SINT64: _INT64,
    FieldDescriptor.TYPE_SFIXED64: _INT64,
    FieldDescriptor.TYPE_UINT64: _UINT64,
    FieldDescriptor.TYPE_FIXED64: _UINT64,
    FieldDescriptor.TYPE_INT32: {"type": "integer", "format": "int32"},
    FieldDescriptor.TYPE_SINT32: {"type": "integer", "format": "int32"},
    FieldDescriptor.TYPE_SFIXED32: {"type": "integer", "format": "int32"},
    FieldDescriptor.TYPE_UINT32: {"type": "integer", "minimum": 0, "maximum": 4294967295},
    FieldDescriptor.TYPE_FIXED32: {"type": "integer", "minimum": 0, "maximum": 4294967295},
    FieldDescriptor.TYPE_BOOL: {"type": "boolean"},
    FieldDescriptor.TYPE_STRING: {"type": "string"},
    FieldDescriptor.TYPE_BYTES: {"type": "string", "contentEncoding": "base64"},
}


def _wrapper(json_type: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [json_type, {"type": "null"}]}


#: Well-known types with a JSON form of their own; those marked True print as
#: one JSON scalar and may therefore be query parameters.
_WELL_KNOWN: dict[str, tuple[dict[str, Any], bool]] = {
    "google.protobuf.Timestamp": ({"type": "string", "format": "date-time"}, True),
    "google.protobuf.Duration": ({"type": "string", "pattern": r"^-?[0-9]+(\.[0-9]+)?s$"}, True),
    "google.protobuf.FieldMask": (
        {"type": "string", "description": "Comma-separated field paths."},
        True,
    ),
    "google.protobuf.Struct": ({"type": "object", "additionalProperties": True}, False),
    "google.protobuf.Value": ({}, False),
    "google.protobuf.ListValue": ({"type": "array", "items": {}}, False),
    "google.protobuf.Empty": ({"type": "object", "additionalProperties": False}, False),
    "google.protobuf.Any": (
        {
            "type": "object",
            "properties": {"@type": {"type": "string"}},
            "required": ["@type"],
            "additionalProperties": True,
        },
        False,
    ),
    "google.protobuf.DoubleValue": (_wrapper(_SCALARS[FieldDescriptor.TYPE_DOUBLE]), True),
    "google.protobuf.FloatValue": (_wrapper(_SCALARS[FieldDescriptor.TYPE_FLOAT]), True),
    "google.protobuf.Int64Value": (_wrapper(_INT64), True),
    "google.protobuf.UInt64Value": (_wrapper(_UINT64), True),
    "google.protobuf.Int32Value": (_wrapper(_SCALARS[FieldDescriptor.TYPE_INT32]), True),
    "google.protobuf.UInt32Value": (_wrapper(_SCALARS[FieldDescriptor.TYPE_UINT32]), True),
    "google.protobuf.BoolValue": (_wrapper({"type": "boolean"}), True),
    "google.protobuf.StringValue": (_wrapper({"type": "string"}), True),
    "google.protobuf.BytesValue": (_wrapper(_SCALARS[FieldDescriptor.TYPE_BYTES]), True),
}
#: Messages whose JSON form is one value of its own, not an object of their
#: fields (``Empty`` is ``{}``, an object of no fields).
SINGLE_VALUE_TYPES = frozenset({*_WELL_KNOWN, HTTP_BODY} - {"google.protobuf.Empty"})
_RAW_CONTENT = {
    "*/*": {"schema": {"type": "string", "contentMediaType": "application/octet-stream"}}
}


def _comments(files: list[descriptor_pb2.FileDescriptorProto]) -> dict[str, str]:
    """Leading comment of every message, field, enum, value, service and
    method, by full name (fields and values as ``Message.field``)."""
    found: dict[str, str] = {}
    for file in files:
        located = {
            tuple(location.path): location.leading_comments.strip()
            for location in file.source_code_info.location
            if location.leading_comments.strip()
        }

        def note(name: str, path: tuple[int, ...], located: dict = located) -> None:
            if path in located:
                found[name] = _tidy(located[path])

        def enum(e: descriptor_pb2.EnumDescriptorProto, name: str, path: tuple[int, ...]) -> None:
            note(name, path)
            for v, value in enumerate(e.value):
                note(f"{name}.{value.name}", (*path, 2, v))

        def message(m: descriptor_pb2.DescriptorProto, name: str, path: tuple[int, ...]) -> None:
            note(name, path)
            for f, field in enumerate(m.field):
                note(f"{name}.{field.name}", (*path, 2, f))
            for n, nested in enumerate(m.nested_type):
                message(nested, f"{name}.{nested.name}", (*path, 3, n))
            for n, nested_enum in enumerate(m.enum_type):
                enum(nested_enum, f"{name}.{nested_enum.name}", (*path, 4, n))

        prefix = f"{file.package}." if file.package else ""
        for i, m in enumerate(file.message_type):
            message(m, prefix + m.name, (4, i))
        for i, e in enumerate(file.enum_type):
            enum(e, prefix + e.name, (5, i))
        for s, service in enumerate(file.service):
            note(prefix + service.name, (6, s))
            for m_index, method in enumerate(service.method):
                note(f"{prefix}{service.name}.{method.name}", (6, s, 2, m_index))
    return found


def _tidy(comment: str) -> str:
    # Proto comments are hard-wrapped: keep paragraphs, join their lines.
    paragraphs = re.split(r"\n\s*\n", comment)
    return "\n\n".join(" ".join(line.strip() for line in p.splitlines()) for p in paragraphs)


def _schema_name(full_name: str) -> str:
    prefix = f"{API_PACKAGE}."
    return full_name[len(prefix) :] if full_name.startswith(prefix) else full_name


class _Builder(DescriptorSet):
    def __init__(self, descriptor_set: bytes) -> None:
        super().__init__(descriptor_set)
        self.comments = _comments(self.files)
        self.schemas: dict[str, dict[str, Any]] = {}

    # ------------------------------------------------------------ schemas

    def ref(self, message: Descriptor) -> dict[str, Any]:
        if message.full_name in _WELL_KNOWN:
            return dict(_WELL_KNOWN[message.full_name][0])
        name = _schema_name(message.full_name)
        if name not in self.schemas:
            self.schemas[name] = {}  # reserved first: messages may be recursive
            self.schemas[name] = self.object_schema(message, exclude=())
        return {"$ref": _SCHEMA_REF + name}

    def object_schema(self, message: Descriptor, exclude: tuple[str, ...]) -> dict[str, Any]:
        properties = {
            field.name: self.field_schema(field, f"{message.full_name}.{field.name}")
            for field in message.fields
            if field.name not in exclude
        }
        schema: dict[str, Any] = {"type": "object", "properties": properties}
        if message.full_name in self.comments:
            schema["description"] = self.comments[message.full_name]
        return schema

    def field_schema(self, field: FieldDescriptor, full_name: str) -> dict[str, Any]:
        if field.message_type is not None and field.message_type.GetOptions().map_entry:
            key, value = field.message_type.fields
            schema: dict[str, Any] = {
                "type": "object",
                "additionalProperties": self.value_schema(value),
            }
            if key.type not in (FieldDescriptor.TYPE_STRING,):
                schema["propertyNames"] = (
                    {"enum": ["true", "false"]}
                    if key.type == FieldDescriptor.TYPE_BOOL
                    else {"pattern": r"^-?[0-9]+$"}
                )
        elif field.is_repeated:
            schema = {"type": "array", "items": self.value_schema(field)}
        else:
            schema = self.value_schema(field)
        if full_name in self.comments:
            # A sibling of $ref: allowed in OpenAPI 3.1 (JSON Schema 2020-12).
            schema["description"] = self.comments[full_name]
        return schema

    def value_schema(self, field: FieldDescriptor) -> dict[str, Any]:
        if field.type in (FieldDescriptor.TYPE_MESSAGE, FieldDescriptor.TYPE_GROUP):
            return self.ref(field.message_type)
        if field.type == FieldDescriptor.TYPE_ENUM:
            return self.enum_schema(field.enum_type)
        return dict(_SCALARS[field.type])

    def enum_schema(self, enum: EnumDescriptor) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": "string", "enum": [v.name for v in enum.values]}
        described = [
            f"- `{v.name}`: {self.comments[f'{enum.full_name}.{v.name}']}"
            for v in enum.values
            if f"{enum.full_name}.{v.name}" in self.comments
        ]
        text = "\n".join(filter(None, [self.comments.get(enum.full_name, ""), *described]))
        if text:
            schema["description"] = text
        return schema

    # ------------------------------------------------------------ parameters

    def query_parameters(
        self, message: Descriptor, prefix: str, bound: set[str], seen: tuple[str, ...]
    ) -> Iterator[dict[str, Any]]:
        """Query parameters for the fields the path and body leave unbound."""
        for field in message.fields:
            name = prefix + field.name
            if name in bound:
                continue
            target = field.message_type
            if target is not None and target.GetOptions().map_entry:
                continue  # maps cannot be given in a query string
            if target is None or _WELL_KNOWN.get(target.full_name, ({}, False))[1]:
                yield self.parameter(name, "query", field, f"{message.full_name}.{field.name}")
            elif not (
                field.is_repeated or target.full_name in seen or target.full_name in _WELL_KNOWN
            ):
                # Singular messages only: the transcoder binds a.b=..., never
                # a repeated message, and stops at recursion.
                yield from self.query_parameters(
                    target, f"{name}.", bound, (*seen, target.full_name)
                )

    def parameter(
        self, name: str, location: str, field: FieldDescriptor, full_name: str
    ) -> dict[str, Any]:
        schema = self.field_schema(field, full_name)
        description = schema.pop("description", None)
        parameter: dict[str, Any] = {"name": name, "in": location, "schema": schema}
        if location == "path":
            parameter["required"] = True
        if description:
            parameter["description"] = description
        if field.is_repeated:
            parameter.update(style="form", explode=True)
        return parameter

    def path_field(self, message: Descriptor, dotted: str) -> tuple[FieldDescriptor, str]:
        owner, field = message, None
        for part in dotted.split("."):
            field = owner.fields_by_name[part]
            full_name = f"{owner.full_name}.{part}"
            owner = field.message_type
        assert field is not None
        return field, full_name

    # ------------------------------------------------------------ operations

    def operations(self) -> Iterator[tuple[str, str, dict[str, Any]]]:
        for binding in self.bindings():
            yield binding.path, binding.verb, self.operation(binding)

    def operation(self, binding: HttpBinding) -> dict[str, Any]:
        service, method, access = binding.service, binding.method, binding.access
        request: Descriptor = method.input_type
        path_fields = binding.path_fields
        parameters = [
            self.parameter(name, "path", *self.path_field(request, name)) for name in path_fields
        ]
        operation: dict[str, Any] = {"operationId": binding.operation_id, "tags": [service.name]}
        comment = self.comments.get(method.full_name, "")
        if comment:
            operation["summary"] = comment.split("\n\n")[0].split(". ")[0].rstrip(".")
            operation["description"] = comment
        body = binding.rule.body
        if body == "*":
            top_level = tuple(name for name in path_fields if "." not in name)
            schema = (
                self.object_schema(request, exclude=top_level) if top_level else self.ref(request)
            )
            operation["requestBody"] = {"content": {"application/json": {"schema": schema}}}
        else:
            bound = set(path_fields) | ({body} if body else set())
            parameters.extend(self.query_parameters(request, "", bound, (request.full_name,)))
            if body:
                field = request.fields_by_name[body]
                content = (
                    _RAW_CONTENT
                    if field.message_type is not None and field.message_type.full_name == HTTP_BODY
                    else {"application/json": {"schema": self.field_schema(field, "")}}
                )
                operation["requestBody"] = {"content": content}
        if parameters:
            operation["parameters"] = parameters
        if access.anonymous:
            operation["security"] = []
        elif access.scope:
            operation["x-required-scope"] = access.scope
        operation["responses"] = {
            "200": self.success(
                method, binding.method_proto, binding.rule.response_body, access.anonymous
            ),
            "4XX": {"$ref": "#/components/responses/Error"},
            "5XX": {"$ref": "#/components/responses/Error"},
        }
        return operation

    def success(
        self,
        method: Any,
        method_proto: descriptor_pb2.MethodDescriptorProto,
        response_body: str,
        anonymous: bool,
    ) -> dict[str, Any]:
        output: Descriptor = method.output_type
        if response_body:
            field = output.fields_by_name[response_body]
            schema = self.field_schema(field, f"{output.full_name}.{response_body}")
            schema.pop("description", None)
        elif output.full_name == HTTP_BODY:
            schema = None
        else:
            schema = self.ref(output)
        if schema is None:
            content = _RAW_CONTENT
            description = "The raw content, with its own content type."
        elif method_proto.server_streaming:
            content = {"application/x-ndjson": {"schema": schema}}
            description = (
                "A stream: one JSON message per line, flushed as produced "
                "(Envoy labels it application/json)."
            )
        else:
            content = {"application/json": {"schema": schema}}
            description = "OK"
        reply: dict[str, Any] = {"description": description, "content": content}
        if not anonymous:
            reply["headers"] = {
                name: {"$ref": f"#/components/headers/{name}"} for name in _RATE_LIMIT_HEADERS
            }
        return reply

    # ------------------------------------------------------------ document

    def document(self) -> dict[str, Any]:
        paths: dict[str, dict[str, Any]] = {}
        for path, verb, operation in self.operations():
            paths.setdefault(path, {})[verb] = operation
        error = self.ref(self.pool.FindMessageTypeByName(ERROR_ENVELOPE))
        tags = [
            {"name": service.name, "description": self.comments[service.full_name]}
            for service in self.services()
            if service.full_name in self.comments
        ]
        return {
            "openapi": OPENAPI_VERSION,
            "info": {
                "title": "NeuroGate REST API",
                "version": API_PACKAGE.rsplit(".", 1)[-1],
                "description": (
                    "Generated from the protos' google.api.http annotations: the JSON "
                    "routes that Envoy's gRPC-JSON transcoder serves. Field names are the "
                    "proto field names; values follow the proto3 JSON mapping."
                ),
                "license": {"name": "Apache-2.0", "identifier": "Apache-2.0"},
            },
            "tags": sorted(tags, key=lambda tag: tag["name"]),
            "security": [{"bearerAuth": []}],
            "paths": dict(sorted(paths.items())),
            "components": {
                "schemas": dict(sorted(self.schemas.items())),
                "responses": {
                    "Error": {
                        "description": (
                            "The error envelope, from the server or from Envoy itself, "
                            "with the matching HTTP status."
                        ),
                        "content": {"application/json": {"schema": error}},
                    }
                },
                "headers": _RATE_LIMIT_HEADERS,
                "securitySchemes": {
                    "bearerAuth": {
                        "type": "http",
                        "scheme": "bearer",
                        "bearerFormat": "JWT",
                        "description": "An access token (POST /v1/auth/token) or an API key.",
                    }
                },
            },
        }


_RATE_LIMIT_HEADERS: dict[str, Any] = {
    "X-RateLimit-Limit": {
        "description": "Calls allowed in the tighter window (minute or day).",
        "schema": {"type": "integer"},
    },
    "X-RateLimit-Remaining": {
        "description": "Calls left in that window.",
        "schema": {"type": "integer"},
    },
    "X-RateLimit-Reset": {
        "description": "When that window resets, in Unix seconds.",
        "schema": {"type": "integer"},
    },
}


def build_document(descriptor_set: bytes) -> dict[str, Any]:
    """The OpenAPI document of a serialized ``FileDescriptorSet``."""
    return _Builder(descriptor_set).document()


def render(descriptor_set: bytes) -> str:
    """The document as stable, indented JSON (what ``make generate`` writes)."""
    return json.dumps(build_document(descriptor_set), indent=2, ensure_ascii=False) + "\n"
