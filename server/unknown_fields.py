"""Refuses REST request bodies that carry fields their route's message lacks.

Envoy's gRPC-JSON transcoder drops unknown JSON fields without a word (it has
no option to refuse them), so a misspelt parameter silently took its
default: a one-sample t test sent with ``"mu": 15000`` ran against a mean of
0. Envoy's ``ext_proc`` filter hands each buffered REST body to this check
(:mod:`neurogate.server.ext_proc`) before the transcoder turns it into gRPC.

Envoy names the route by the gRPC method the transcoder chose for it (the
transcoder rewrites the path as the headers pass, before the body) and the
original HTTP verb. The bindings come from the descriptor set the transcoder
loads, walked by :mod:`neurogate.server.http_rules` as for the OpenAPI
document, so both read the same ``google.api.http`` rules. A binding's ``body`` says what
the JSON is: ``"*"`` the request message, ``"field"`` that field's value.

Every key is looked up as the transcoder does (proto name or lowerCamel
``json_name``), through nested messages, repeated messages and map values.
Well-known types are not entered: ``Struct``/``Value``/``ListValue`` are free
JSON, ``Timestamp``, ``Duration``, ``FieldMask`` and the wrappers are single
values, and ``Any`` names its own type. Anything the check cannot read (not
JSON, a value of the wrong JSON type, a method without a JSON body) is left to
the transcoder, which answers it as before.
"""

from __future__ import annotations

import difflib
import json
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

from google.protobuf.descriptor import Descriptor, FieldDescriptor

from neurogate.server.errors import InvalidParameter
from neurogate.server.http_rules import DescriptorSet
from neurogate.server.openapi import HTTP_BODY, SINGLE_VALUE_TYPES

__all__ = ["BodyBinding", "UnknownField", "UnknownFieldCheck"]


@dataclass(frozen=True)
class UnknownField:
    """The first unknown field of a body (by depth, then position) and its
    JSON path; every unknown path when there are several."""

    path: str
    value: Any
    suggestion: str | None
    valid_fields: tuple[str, ...]
    all_paths: tuple[str, ...]

    def error(self) -> InvalidParameter:
        details: dict[str, Any] = {"parameter": self.path, "value": self.value}
        if self.suggestion:
            hint = f"; did you mean {self.suggestion!r}?"
            details["suggestion"] = self.suggestion
        else:
            hint = ""
            details["valid_fields"] = list(self.valid_fields)
        if len(self.all_paths) > 1:
            details["unknown_fields"] = list(self.all_paths)
        return InvalidParameter(f"unknown field {self.path!r} in the request body{hint}", **details)


@dataclass(frozen=True)
class BodyBinding:
    """What the JSON body of an HTTP binding is: the request message
    (``body: "*"``) or the value of one of its fields (``body: "field"``)."""

    message: Descriptor
    body_field: FieldDescriptor | None = None


def _body_of(request: Descriptor, body: str) -> BodyBinding | None:
    if body == "*":
        return BodyBinding(request)
    field = request.fields_by_name.get(body)
    if field is None or (field.message_type and field.message_type.full_name == HTTP_BODY):
        return None  # no body, or raw content (an upload), not JSON
    return BodyBinding(request, field)


def bindings(descriptor_set: bytes) -> dict[tuple[str, str], BodyBinding | None]:
    """``(gRPC method path, HTTP verb)`` to its JSON body (``None``: none).

    Envoy reports the method, not the path template: a method's bindings of
    one verb must therefore agree on their body, or the check could not tell
    which applies."""
    found: dict[tuple[str, str], BodyBinding | None] = {}
    for binding in DescriptorSet(descriptor_set).bindings():
        key = (binding.grpc_path, binding.verb.upper())
        body = _body_of(binding.method.input_type, binding.rule.body)
        if found.get(key, body) != body:
            raise ValueError(f"the {key[1]} bindings of {key[0]} differ in their body")
        found[key] = body
    return found


@cache
def _fields_by_json_key(message: Descriptor) -> dict[str, FieldDescriptor]:
    """A message's fields by the keys the transcoder accepts for them."""
    keys = {field.name: field for field in message.fields}
    keys.update({field.json_name: field for field in message.fields})
    return keys


def _is_map(field: FieldDescriptor) -> bool:
    return field.message_type is not None and field.message_type.GetOptions().map_entry


def _checked_message(field: FieldDescriptor) -> Descriptor | None:
    """The message whose keys a JSON object in this field must match."""
    target = field.message_type
    if target is None or target.full_name in SINGLE_VALUE_TYPES:
        return None
    return target


class UnknownFieldCheck:
    """Finds the unknown fields of REST request bodies, by binding."""

    def __init__(self, bindings: dict[tuple[str, str], BodyBinding | None]) -> None:
        self.bindings = bindings

    @classmethod
    def from_descriptor_set(cls, descriptor_set: bytes) -> UnknownFieldCheck:
        return cls(bindings(descriptor_set))

    def check(self, grpc_path: str, verb: str, body: bytes) -> UnknownField | None:
        """The unknown fields of ``body``, sent with ``verb`` to the binding
        of the method ``grpc_path``; ``None`` when there are none, or when
        the transcoder is left to judge the request."""
        binding = self.bindings.get((grpc_path, verb.upper()))
        if binding is None or not body.strip():
            return None
        try:
            document = json.loads(body)
        except (ValueError, RecursionError):
            return None  # the transcoder answers malformed JSON itself
        if binding.body_field is None:
            return _find([(binding.message, document, "")])
        return _find(list(_children(binding.body_field, document, "")))


def _find(start: list[tuple[Descriptor, Any, str]]) -> UnknownField | None:
    # Breadth first and without recursion: a top-level mistake is named
    # first, and a deeply nested body cannot exhaust the stack.
    pending = deque(start)
    unknown: list[tuple[Descriptor, str, str, Any]] = []
    while pending:
        owner, value, prefix = pending.popleft()
        if not isinstance(value, dict):
            continue  # a wrong JSON type: the transcoder refuses it
        known = _fields_by_json_key(owner)
        for key, item in value.items():
            path = f"{prefix}.{key}" if prefix else key
            field = known.get(key)
            if field is None:
                unknown.append((owner, path, key, item))
            else:
                pending.extend(_children(field, item, path))
    if not unknown:
        return None
    owner, path, key, value = unknown[0]
    names = tuple(field.name for field in owner.fields)
    return UnknownField(
        path, value, _suggestion(owner, key), names, tuple(entry[1] for entry in unknown)
    )


def _children(
    field: FieldDescriptor, value: Any, path: str
) -> Iterator[tuple[Descriptor, Any, str]]:
    """The JSON objects inside a field's value that must match a message."""
    if _is_map(field):
        target = _checked_message(field.message_type.fields_by_name["value"])
        if target is not None and isinstance(value, dict):
            for key, item in value.items():
                yield target, item, f"{path}[{json.dumps(key)}]"
        return
    target = _checked_message(field)
    if target is None:
        return
    if not field.is_repeated:
        yield target, value, path
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield target, item, f"{path}[{index}]"


def _suggestion(owner: Descriptor, key: str) -> str | None:
    """The field name closest to a misspelt key, compared with the proto
    names and with the lowerCamel names alike."""
    by_spelling = {field.name: field.name for field in owner.fields}
    by_spelling.update({field.json_name: field.name for field in owner.fields})
    close = difflib.get_close_matches(key, by_spelling, n=1, cutoff=0.6)
    return by_spelling[close[0]] if close else None
