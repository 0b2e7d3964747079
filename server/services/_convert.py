"""Small conversions between domain values and protobuf messages."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, TypeVar

from google.protobuf import struct_pb2, timestamp_pb2
from google.protobuf.json_format import MessageToDict
from google.protobuf.message import Message

M = TypeVar("M", bound=Message)


def timestamp(value: datetime | None) -> timestamp_pb2.Timestamp | None:
    if value is None:
        return None
    stamp = timestamp_pb2.Timestamp()
    stamp.FromDatetime(value)
    return stamp


def timestamp_at(seconds: float) -> timestamp_pb2.Timestamp:
    """A Timestamp for Unix seconds."""
    stamp = timestamp_pb2.Timestamp()
    stamp.FromNanoseconds(round(seconds * 1e9))
    return stamp


def struct(values: dict[str, Any]) -> struct_pb2.Struct:
    message = struct_pb2.Struct()
    message.update(values)
    return message


def struct_to_dict(message: struct_pb2.Struct) -> dict[str, Any]:
    return MessageToDict(message)


def _python_value(value: struct_pb2.Value) -> Any:
    kind = value.WhichOneof("kind")
    if kind in (None, "null_value"):
        return None
    if kind in ("struct_value", "list_value"):
        return MessageToDict(getattr(value, kind))
    return getattr(value, kind)


def list_value_rows(data: Sequence[struct_pb2.ListValue]) -> list[list[Any]]:
    """Rows of ``google.protobuf.ListValue`` (JSON ``[[...], ...]``) as Python
    lists: numbers as floats, any other kind of value as its Python value, so
    a validator can name the row and column of what is not a number."""
    rows = []
    for row in data:
        values = row.values
        numbers: list[Any] = [v.number_value for v in values]
        # number_value reads 0.0 on a Value of another kind: check only the zeros.
        if 0.0 in numbers:
            for i, number in enumerate(numbers):
                if number == 0.0 and values[i].WhichOneof("kind") != "number_value":
                    numbers[i] = _python_value(values[i])
        rows.append(numbers)
    return rows


def fill(message_type: type[M], fields: dict[str, Any]) -> M:
    """A ``message_type`` with those of ``fields`` it declares; several
    responses share the same resource fields."""
    declared = message_type.DESCRIPTOR.fields_by_name
    return message_type(**{k: v for k, v in fields.items() if k in declared and v is not None})
