"""Small conversions between domain values and protobuf messages."""

from __future__ import annotations

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


def struct(values: dict[str, Any]) -> struct_pb2.Struct:
    message = struct_pb2.Struct()
    message.update(values)
    return message


def struct_to_dict(message: struct_pb2.Struct) -> dict[str, Any]:
    return MessageToDict(message)


def fill(message_type: type[M], fields: dict[str, Any]) -> M:
    """A ``message_type`` with those of ``fields`` it declares; several
    responses share the same resource fields."""
    declared = message_type.DESCRIPTOR.fields_by_name
    return message_type(**{k: v for k, v in fields.items() if k in declared and v is not None})
