"""A panel's points in protobuf's wire form, written by NumPy.

A chart of a million measurements answers with a million ``ChartPoint``
messages per panel. Built one by one through the protobuf API they cost
about a microsecond and a half each; written here as one structured NumPy
array per run of equally long records they cost a few nanoseconds, and the
bytes are merged into the response with ``MergeFromString`` (upb parses
them in C).

The layout is that of ``neurogate.v1.ChartPoint`` (proto/neurogate/v1/spc.proto):

====  ==============  =====  =====================================
no.   field           wire   written
====  ==============  =====  =====================================
1     subgroup        varint always (points count from 1)
2     value           fixed64 always
3     lcl             fixed64 always
4     ucl             fixed64 always
5     out_of_control  varint always (0 or 1)
6     upper           fixed64 CUSUM panels (``optional``)
7     lower           fixed64 CUSUM panels (``optional``)
====  ==============  =====  =====================================

Each point is one length-delimited record of the repeated field. Writing
zeros and ``false`` explicitly parses to the same message as leaving them
out. Point numbers are consecutive, so their varints change length only at
powers of 128: each run between two such powers has one record size and is
one structured array. ``tests/server/spc/test_wire.py`` checks the bytes
against the generated message class.
"""

from __future__ import annotations

import numpy as np

from neurogate.server.spc.chart import Panel

_VARINT = 0
_FIXED64 = 1
_LENGTH_DELIMITED = 2
#: Longest varint of an int32 point number.
_MAX_VARINT_BYTES = 5


def _tag(field: int, wire_type: int) -> int:
    return (field << 3) | wire_type


def varint(value: int) -> bytes:
    """``value`` (not negative) as a protobuf varint."""
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        if not value:
            out.append(byte)
            return bytes(out)
        out.append(byte | 0x80)


def length_delimited(field: int, payload: bytes) -> bytes:
    """``payload`` as field ``field`` of a message (a sub-message or bytes)."""
    return bytes([_tag(field, _LENGTH_DELIMITED)]) + varint(len(payload)) + payload


def encode_points(field: int, panel: Panel) -> bytes:
    """The points of ``panel`` as the repeated ``ChartPoint`` field ``field``
    of the message they belong to (``field`` below 16: one tag byte)."""
    numbers = panel.numbers
    sums = panel.upper is not None and panel.lower is not None
    runs: list[bytes] = []
    start = 0
    for width in range(1, _MAX_VARINT_BYTES + 1):
        end = int(np.searchsorted(numbers, 1 << (7 * width)))
        if end > start:
            runs.append(_records(field, panel, slice(start, end), numbers[start:end], width, sums))
            start = end
    return b"".join(runs)


def _records(
    field: int, panel: Panel, run: slice, numbers: np.ndarray, width: int, sums: bool
) -> bytes:
    """Points ``run`` of ``panel``, whose numbers take ``width`` varint bytes."""
    layout = [("tag", "u1"), ("length", "u1"), ("subgroup_tag", "u1")]
    layout += [(f"subgroup_{i}", "u1") for i in range(width)]
    doubles = [(2, "value", panel.values), (3, "lcl", panel.point_lcl), (4, "ucl", panel.point_ucl)]
    if sums:
        doubles += [(6, "upper", panel.upper), (7, "lower", panel.lower)]
    for _, name, _ in doubles:
        layout += [(f"{name}_tag", "u1"), (name, "<f8")]
    layout += [("flag_tag", "u1"), ("flag", "u1")]
    records = np.empty(len(numbers), dtype=np.dtype(layout))  # packed: no padding

    records["tag"] = _tag(field, _LENGTH_DELIMITED)
    records["length"] = records.dtype.itemsize - 2
    records["subgroup_tag"] = _tag(1, _VARINT)
    for i in range(width):
        byte = (numbers >> (7 * i)) & 0x7F
        records[f"subgroup_{i}"] = byte | 0x80 if i < width - 1 else byte
    for number, name, column in doubles:
        records[f"{name}_tag"] = _tag(number, _FIXED64)
        records[name] = column[run]
    records["flag_tag"] = _tag(5, _VARINT)
    records["flag"] = panel.out_of_control[run]
    return records.tobytes()
