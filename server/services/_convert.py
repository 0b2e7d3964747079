"""Small conversions between domain values and protobuf messages."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, TypeVar

from google.protobuf import struct_pb2, timestamp_pb2
from google.protobuf.json_format import MessageToDict
from google.protobuf.message import Message

from neurogate.server.errors import InvalidParameter

M = TypeVar("M", bound=Message)

#: Most channels and values a signal sent in a request may hold.
MAX_SIGNAL_CHANNELS = 64
MAX_SIGNAL_VALUES = 2_000_000


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


def check_signal_size(
    rows: Sequence[struct_pb2.ListValue], layout: str, parameter: str = "data"
) -> None:
    """Refuses a signal of more than MAX_SIGNAL_CHANNELS channels or
    MAX_SIGNAL_VALUES values before any work; cheap enough for the event loop.
    ``layout`` "samples" means each row is a sample, otherwise a channel."""
    # Past MAX_SIGNAL_VALUES rows the request is refused whatever they hold.
    values = len(rows) if len(rows) > MAX_SIGNAL_VALUES else sum(len(row.values) for row in rows)
    if values > MAX_SIGNAL_VALUES:
        raise InvalidParameter(
            f"{parameter} holds more than {MAX_SIGNAL_VALUES} values, the most accepted per "
            "request",
            parameter=parameter,
            value=values,
            valid_range=[1, MAX_SIGNAL_VALUES],
            suggestion="send the signal in shorter pieces",
        )
    if layout == "samples":
        channels = max((len(row.values) for row in rows), default=0)
    else:
        channels = len(rows)
    if channels > MAX_SIGNAL_CHANNELS:
        raise InvalidParameter(
            f"{parameter} holds {channels} channels; at most {MAX_SIGNAL_CHANNELS} are accepted",
            parameter=parameter,
            value=channels,
            valid_range=[1, MAX_SIGNAL_CHANNELS],
        )
