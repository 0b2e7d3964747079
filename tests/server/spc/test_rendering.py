"""Control charts as pictures: PNG and SVG, one panel per chart panel,
limits, centre line, flagged points and, on an individuals chart, the
specification limits."""

from __future__ import annotations

import io
import itertools

import matplotlib.image
import numpy as np
import pytest

from neurogate.server.errors import InvalidParameter
from neurogate.server.spc.chart import ChartResult, Panel, SpecLimits
from neurogate.server.spc.rendering import FORMATS, check_format, render

VALUES = [10.2, 9.8, 10.5, 13.9, 10.1, 9.7]


def _panel(chart_type: str, values: list[float], center: float, half_width: float) -> Panel:
    lcl, ucl = center - half_width, center + half_width
    beyond = [abs(v - center) > half_width for v in values]
    return Panel(chart_type, center, lcl, ucl, values, lcl, ucl, out_of_control=beyond)


def _i_mr() -> ChartResult:
    moving = [abs(b - a) for a, b in itertools.pairwise(VALUES)]
    return ChartResult(
        chart_type="i_mr",
        main=_panel("i", VALUES, 10.0, 3.0),
        sigma=1.0,
        secondary=_panel("mr", [0.0, *moving], 1.1, 2.6),
    )


def _cusum() -> ChartResult:
    upper = np.array([0.5, 2.0, 4.5, 6.0])
    panel = Panel(
        "cusum",
        0.0,
        -5.0,
        5.0,
        values=upper,
        point_lcl=-5.0,
        point_ucl=5.0,
        out_of_control=upper > 5.0,
        upper=upper,
        lower=np.full(4, -0.5),
    )
    return ChartResult("cusum", panel, sigma=1.0)


def _svg(result: ChartResult, spec: SpecLimits | None = None) -> str:
    return render(result, "svg", "Fill weight", spec).decode()


def test_a_png_holds_one_panel_per_chart_panel():
    two_panels = matplotlib.image.imread(io.BytesIO(render(_i_mr(), "png", "Fill weight")), "png")
    one_panel = matplotlib.image.imread(io.BytesIO(render(_cusum(), "png", "Fill weight")), "png")

    assert two_panels.shape[0] == pytest.approx(2 * one_panel.shape[0], rel=0.01)
    assert two_panels.shape[1] == one_panel.shape[1]


def test_an_svg_shows_the_limits_centre_line_and_title():
    svg = _svg(_i_mr())

    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    for text in ("Fill weight", "UCL 13", "CL 10", "LCL 7", "Individuals", "Moving range"):
        assert text in svg


def test_points_out_of_control_are_marked_in_red():
    flagged = _svg(_i_mr())
    calm = ChartResult("i_mr", _panel("i", [10.0, 10.1, 9.9], 10.0, 3.0), sigma=1.0)

    assert flagged.count("#c0392b") > _svg(calm).count("#c0392b")


def test_specification_limits_are_drawn_on_an_individuals_chart():
    svg = _svg(_i_mr(), SpecLimits(lsl=8.0, usl=12.5, target=10.0))

    assert "LSL 8" in svg and "USL 12.5" in svg and "target 10" in svg


def test_a_cusum_chart_draws_both_sums_against_the_decision_interval():
    svg = _svg(_cusum())

    assert "CUSUM" in svg and "UCL 5" in svg and "LCL -5" in svg


def test_the_same_chart_renders_to_the_same_svg():
    assert _svg(_i_mr()) == _svg(_i_mr())


def test_an_unknown_format_is_refused_with_the_choices():
    with pytest.raises(InvalidParameter) as raised:
        check_format("gif")

    assert raised.value.details == {
        "parameter": "render",
        "value": "gif",
        "valid_choices": list(FORMATS),
    }
