"""Points written as wire bytes parse to exactly the messages the protobuf
API builds, at every varint width of the point numbers."""

from __future__ import annotations

import numpy as np
import pytest

from neurogate.server.spc.chart import Panel
from neurogate.server.spc.wire import encode_points, length_delimited, varint
from neurogate.v1 import spc_pb2

POINTS = spc_pb2.ControlChartResponse.POINTS_FIELD_NUMBER


def _panel(count: int, first: int = 1, *, sums: bool = False) -> Panel:
    rng = np.random.default_rng(count)
    values = rng.normal(0.0, 1.0, count)
    values[::7] = 0.0  # zeros parse as zeros
    upper = np.abs(rng.normal(0.0, 3.0, count)) if sums else None
    return Panel(
        "i",
        0.0,
        -3.0,
        3.0,
        values,
        rng.normal(-3.0, 0.1, count),
        3.0,
        out_of_control=np.abs(values) > 1.5,
        first=first,
        upper=upper,
        lower=-upper if sums else None,
    )


def _built(panel: Panel) -> spc_pb2.ControlChartResponse:
    response = spc_pb2.ControlChartResponse()
    for point in panel.points:
        response.points.add(
            subgroup=point.subgroup,
            value=point.value,
            lcl=point.lcl,
            ucl=point.ucl,
            out_of_control=point.out_of_control,
            upper=point.upper,
            lower=point.lower,
        )
    return response


@pytest.mark.parametrize(
    ("count", "first"),
    [(1, 1), (126, 2), (130, 1), (300, 16_300), (50, 2_097_100)],
    ids=["one", "one-byte", "two-byte-border", "three-byte-border", "four-byte-border"],
)
def test_encoded_points_parse_to_the_messages_the_api_builds(count: int, first: int) -> None:
    panel = _panel(count, first)

    parsed = spc_pb2.ControlChartResponse.FromString(encode_points(POINTS, panel))

    assert parsed == _built(panel)
    assert [p.subgroup for p in parsed.points] == list(range(first, first + count))


def test_cusum_points_carry_their_sums() -> None:
    panel = _panel(40, sums=True)

    parsed = spc_pb2.ControlChartResponse.FromString(encode_points(POINTS, panel))

    assert parsed == _built(panel)
    assert all(p.HasField("upper") and p.HasField("lower") for p in parsed.points)


def test_points_without_sums_leave_the_optional_fields_absent() -> None:
    parsed = spc_pb2.ControlChartResponse.FromString(encode_points(POINTS, _panel(3)))

    assert not any(p.HasField("upper") or p.HasField("lower") for p in parsed.points)


def test_an_empty_panel_has_no_bytes() -> None:
    assert encode_points(POINTS, _panel(0)) == b""


def test_a_secondary_panel_nests_in_its_field() -> None:
    panel = _panel(5, first=2)
    points = encode_points(spc_pb2.SecondaryChart.POINTS_FIELD_NUMBER, panel)
    field = spc_pb2.ControlChartResponse.SECONDARY_FIELD_NUMBER

    response = spc_pb2.ControlChartResponse(secondary=spc_pb2.SecondaryChart(chart_type="mr"))
    response.MergeFromString(length_delimited(field, points))

    assert response.secondary.chart_type == "mr"
    assert list(response.secondary.points) == list(_built(panel).points)


@pytest.mark.parametrize(("value", "expected"), [(0, b"\x00"), (127, b"\x7f"), (300, b"\xac\x02")])
def test_varints_are_little_endian_groups_of_seven_bits(value: int, expected: bytes) -> None:
    assert varint(value) == expected
