"""Conversions between protobuf messages and plain Python values, shared by
the result classes and the namespaces."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import field
from datetime import UTC, datetime
from typing import Any

import numpy as np
from google.protobuf import json_format, struct_pb2, timestamp_pb2
from google.protobuf.message import Message

#: The ``raw`` field of every result: the response message, out of equality
#: and repr.
RAW = field(default=None, repr=False, compare=False)


def timestamp(value: timestamp_pb2.Timestamp) -> datetime | None:
    """A proto Timestamp as an aware UTC datetime; None when unset."""
    if value.seconds == 0 and value.nanos == 0:
        return None
    return value.ToDatetime(tzinfo=UTC)


def plain(message: Message) -> Any:
    """A Struct, ListValue, Value or message as plain Python values."""
    return json_format.MessageToDict(message, preserving_proto_field_name=True)


def optional(message: Message, name: str) -> Any:
    """A proto3 ``optional`` field's value, or None when it is not set."""
    return getattr(message, name) if message.HasField(name) else None


def struct(value: Mapping[str, Any] | None) -> struct_pb2.Struct:
    packed = struct_pb2.Struct()
    if value:
        packed.update(dict(value))
    return packed


def rows_of(values: Any) -> list[struct_pb2.ListValue]:
    """A 2-D array-like as ListValues of floats (JSON cannot carry NaN: refused)."""
    array = np.asarray(values, dtype=float)
    if array.ndim != 2:
        raise ValueError(f"expected a 2-D array of numbers, got {array.ndim} dimension(s)")
    rows = []
    for row in array.tolist():
        listed = struct_pb2.ListValue()
        listed.extend(row)
        rows.append(listed)
    return rows
