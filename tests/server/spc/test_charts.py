"""The chart dispatch: each chart type reached from a table and a request,
run rules and capability added, and every refusal of the request."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from neurogate.server.analytics.tables import Table, TableRef
from neurogate.server.errors import InsufficientData, InvalidParameter
from neurogate.server.spc import constants, timeweighted, variables
from neurogate.server.spc.chart import ChartSpec, SpecLimits
from neurogate.server.spc.charts import control_chart

DATA = Path(__file__).parents[2] / "data" / "spc"


def table(frame: pd.DataFrame) -> Table:
    types = {
        name: "boolean"
        if pd.api.types.is_bool_dtype(dtype)
        else "numeric"
        if pd.api.types.is_numeric_dtype(dtype)
        else "categorical"
        for name, dtype in frame.dtypes.items()
    }
    return Table(TableRef("sqlite://", "ds_test", "test", types), frame)


@pytest.fixture(scope="module")
def rings() -> Table:
    frame = pd.read_csv(DATA / "pistonrings.csv")
    return table(frame.assign(lot=[f"lot{s:02d}" for s in frame["sample"]]))


@pytest.fixture(scope="module")
def expected() -> pd.DataFrame:
    return pd.read_csv(DATA / "pistonrings_expected_stats.csv")


@pytest.fixture(scope="module")
def matrix() -> np.ndarray:
    return pd.read_csv(DATA / "pistonrings.csv")["diameter"].to_numpy().reshape(40, 5)


def chart(source: Table, **fields) -> object:
    return control_chart(source, ChartSpec(**fields))


def test_xbar_r_by_subgroup_column_flags_the_phase_two_shift(rings: Table):
    result = chart(
        rings, chart_type="xbar_r", column="diameter", subgroup_column="lot", phase_one_subgroups=25
    )

    assert result.chart_type == "xbar_r"
    assert result.main.center_line == pytest.approx(74.001176, abs=1e-9)
    assert [(v.point, v.rule) for v in result.violations] == [
        (37, "nelson_1"),
        (38, "nelson_1"),
        (39, "nelson_1"),
    ]
    assert [p.subgroup for p in result.main.points if p.out_of_control] == [37, 38, 39]
    assert result.secondary.chart_type == "r"
    assert not any(p.out_of_control for p in result.secondary.points)
    assert result.capability is None


def test_subgroup_size_and_subgroup_column_give_the_same_chart(rings: Table):
    by_size = chart(rings, chart_type="xbar_s", column="diameter", subgroup_size=5)
    by_column = chart(rings, chart_type="xbar_s", column="diameter", subgroup_column="sample")

    assert by_size == by_column


def test_western_electric_rules_are_applied_to_the_main_panel(rings: Table):
    result = chart(
        rings,
        chart_type="xbar_r",
        column="diameter",
        subgroup_size=5,
        phase_one_subgroups=25,
        rules=("western_electric",),
    )

    assert {v.rule for v in result.violations} >= {"nelson_1", "nelson_5"}
    assert all(v.description for v in result.violations)
    flagged = {v.point for v in result.violations}
    assert [p.subgroup for p in result.main.points if p.out_of_control] == sorted(flagged)


def test_capability_describes_the_phase_one_measurements(rings: Table, matrix: np.ndarray):
    result = chart(
        rings,
        chart_type="xbar_r",
        column="diameter",
        subgroup_size=5,
        phase_one_subgroups=25,
        spec_limits=SpecLimits(lsl=73.95, usl=74.05),
    )

    base = matrix[:25]
    sigma = np.ptp(base, axis=1).mean() / constants.d2(5)
    assert result.capability.cp == pytest.approx(0.1 / (6 * sigma), rel=1e-12)
    assert result.capability.pp == pytest.approx(0.1 / (6 * base.std(ddof=1)), rel=1e-12)
    assert result.capability.normality_test == "shapiro_wilk"


def test_i_mr_with_a_one_sided_spec(rings: Table):
    values = rings.frame["diameter"].to_numpy()
    sigma = np.abs(np.diff(values)).mean() / constants.d2(2)

    result = chart(rings, chart_type="i_mr", column="diameter", spec_limits=SpecLimits(usl=74.03))

    assert result.sigma == pytest.approx(sigma, rel=1e-12)
    assert result.secondary.chart_type == "mr"
    assert result.capability.cpu == pytest.approx((74.03 - values.mean()) / (3 * sigma))
    assert result.capability.cp is None


def test_cusum_gets_the_phase_one_mean_and_r_bar_sigma(rings: Table, expected, matrix):
    center = matrix[:25].mean()
    se = np.ptp(matrix[:25], axis=1).mean() / constants.d2(5) / np.sqrt(5)
    upper, lower, up, down = [], [], 0.0, 0.0
    for z in (matrix.mean(axis=1) - center) / se:
        up, down = max(0.0, up + z - 0.5), max(0.0, down - z - 0.5)
        upper.append(up)
        lower.append(-down)

    result = chart(
        rings, chart_type="cusum", column="diameter", subgroup_size=5, phase_one_subgroups=25
    )

    assert [p.upper for p in result.main.points] == pytest.approx(upper, rel=1e-9, abs=1e-12)
    assert [p.lower for p in result.main.points] == pytest.approx(lower, rel=1e-9, abs=1e-12)
    # The reference sums were computed with d2(5) rounded to 2.326: 3e-5 relative.
    assert [p.upper for p in result.main.points] == pytest.approx(expected["cusum_pos"], abs=1e-3)
    assert (result.main.lcl, result.main.ucl) == (-5.0, 5.0)
    assert [v.point for v in result.violations] == [37, 38, 39, 40]


def test_ewma_reproduces_the_reference_statistics(rings: Table, expected):
    result = chart(
        rings,
        chart_type="ewma",
        column="diameter",
        subgroup_column="sample",
        phase_one_subgroups=25,
    )

    assert [p.value for p in result.main.points] == pytest.approx(expected["ewma"], abs=1e-6)
    assert [p.lcl for p in result.main.points] == pytest.approx(expected["ewma_lcl"], abs=1e-6)
    assert [p.ucl for p in result.main.points] == pytest.approx(expected["ewma_ucl"], abs=1e-6)


def test_ewma_and_cusum_options_reach_their_charts(rings: Table):
    wide = chart(
        rings,
        chart_type="ewma",
        column="diameter",
        subgroup_size=5,
        ewma_lambda=0.2,
        ewma_nsigmas=4.0,
    )
    narrow = chart(rings, chart_type="ewma", column="diameter", subgroup_size=5)
    strict = chart(rings, chart_type="cusum", column="diameter", subgroup_size=5, cusum_h=4.0)

    assert wide.main.ucl - wide.main.center_line == pytest.approx(
        4 / 3 * (narrow.main.ucl - narrow.main.center_line), rel=1e-12
    )
    assert strict.main.ucl == 4.0


def test_p_chart_with_a_sample_size_column():
    frame = pd.DataFrame({"defective": [3, 5, 2, 8, 4, 6], "inspected": [50, 60, 50, 80, 40, 60]})

    result = chart(
        table(frame), chart_type="p_chart", column="defective", sample_size_column="inspected"
    )

    p_bar = frame["defective"].sum() / frame["inspected"].sum()
    assert result.main.center_line == pytest.approx(p_bar, rel=1e-12)
    assert result.main.points[3].ucl == pytest.approx(p_bar + 3 * np.sqrt(p_bar * (1 - p_bar) / 80))
    assert result.secondary is None


def test_c_chart_needs_no_sample_size():
    frame = pd.DataFrame({"defects": [4.0, 7, 3, 5, 6, 2, 5]})

    result = chart(table(frame), chart_type="c_chart", column="defects")

    assert result.main.center_line == pytest.approx(frame["defects"].mean(), rel=1e-12)


@pytest.mark.parametrize(
    ("fields", "parameter", "fragment"),
    [
        ({"chart_type": "pareto"}, "chart_type", "unknown chart_type"),
        ({"chart_type": ""}, "chart_type", "required"),
        ({"chart_type": "xbar_r", "subgroup_size": 1}, "subgroup_size", "at least 2"),
        ({"chart_type": "xbar_s"}, "subgroup_size", "needs subgroup_size or"),
        ({"chart_type": "i_mr", "subgroup_size": 5}, "subgroup_size", "individual values"),
        ({"chart_type": "xbar_r", "subgroup_size": 5, "sample_size": 5}, "sample_size", ""),
        ({"chart_type": "ewma", "cusum_h": 4.0}, "cusum.h", "does not apply"),
        ({"chart_type": "cusum", "rules": ("nelson_2",)}, "rules", "does not apply"),
        ({"chart_type": "i_mr", "rules": ("nelson_9",)}, "rules", "unknown run rule"),
        ({"chart_type": "p_chart", "spec_limits": SpecLimits(lsl=1.0)}, "spec_limits", ""),
        (
            {"chart_type": "xbar_r", "subgroup_size": 5, "subgroup_column": "lot"},
            "subgroup_column",
            "not both",
        ),
        ({"chart_type": "i_mr", "phase_one_subgroups": -1}, "phase_one_subgroups", "positive"),
        ({"chart_type": "i_mr", "phase_one_subgroups": 500}, "phase_one_subgroups", "hold 200"),
        (
            {"chart_type": "i_mr", "spec_limits": SpecLimits(lsl=74.1, usl=74.0)},
            "spec_limits.lsl",
            "below",
        ),
        ({"chart_type": "i_mr", "column": "lot"}, "column", "numeric"),
        ({"chart_type": "i_mr", "column": "width"}, "column", "no column"),
        ({"chart_type": "xbar_r", "subgroup_column": "colour"}, "subgroup_column", "no column"),
    ],
)
def test_bad_requests_are_refused_naming_the_parameter(
    rings: Table, fields: dict, parameter: str, fragment: str
):
    with pytest.raises(InvalidParameter) as raised:
        chart(rings, **{"column": "diameter", **fields})

    assert raised.value.details["parameter"] == parameter
    assert fragment in raised.value.message


def test_unknown_chart_type_lists_the_valid_choices(rings: Table):
    with pytest.raises(InvalidParameter) as raised:
        chart(rings, chart_type="xbar", column="diameter")

    assert "xbar_r" in raised.value.details["valid_choices"]
    assert len(raised.value.details["valid_choices"]) == 9


def test_non_numeric_column_lists_the_numeric_columns(rings: Table):
    with pytest.raises(InvalidParameter) as raised:
        chart(rings, chart_type="i_mr", column="lot")

    assert raised.value.details["valid_choices"] == ["sample", "obs", "diameter"]


def test_attribute_refusals_come_through_the_dispatch():
    frame = pd.DataFrame({"defective": [3, 9, -1], "inspected": [5, 5, 5]})

    with pytest.raises(InvalidParameter) as above:
        chart(table(frame.iloc[:2]), chart_type="p_chart", column="defective", sample_size=5)
    with pytest.raises(InvalidParameter) as negative:
        chart(table(frame), chart_type="np_chart", column="defective", sample_size=10)

    assert above.value.details["parameter"] in ("column", "sample_size")
    assert negative.value.details["parameter"] == "column"


def test_too_few_subgroups_are_insufficient_data(rings: Table):
    with pytest.raises(InsufficientData):
        chart(
            table(pd.DataFrame({"x": [1.0, 2.0, 3.0]})),
            chart_type="xbar_r",
            column="x",
            subgroup_size=3,
        )
    with pytest.raises(InsufficientData):
        chart(rings, chart_type="xbar_r", column="diameter", subgroup_size=5, phase_one_subgroups=1)


# ---------------------------------------------------------------- a marked baseline


@pytest.mark.parametrize("grouping", [{"subgroup_size": 5}, {"subgroup_column": "lot"}])
def test_a_marked_baseline_is_the_same_as_counting_its_subgroups(rings: Table, grouping):
    marked = chart(
        rings, chart_type="xbar_r", column="diameter", phase_one_column="trial", **grouping
    )
    counted = chart(
        rings, chart_type="xbar_r", column="diameter", phase_one_subgroups=25, **grouping
    )

    assert marked == counted


def test_a_marked_baseline_of_an_attribute_chart_marks_its_rows():
    juice = table(pd.read_csv(DATA / "orangejuice.csv"))
    fields = {"chart_type": "p_chart", "column": "D", "sample_size_column": "size"}

    marked = chart(juice, phase_one_column="trial", **fields)

    assert marked == chart(juice, phase_one_subgroups=30, **fields)
    assert round(marked.main.center_line, 4) == 0.2313


def _marks(rings: Table, trial: list[bool]) -> Table:
    return table(rings.frame.assign(trial=trial))


@pytest.mark.parametrize(
    ("trial", "message"),
    [
        ([True] * 7 + [False] * 193, "subgroup 2 is only partly marked"),
        ([True] * 50 + [False] * 50 + [True] * 5 + [False] * 95, "marks subgroup 21 after"),
        ([True] * 5 + [False] * 195, "marks 1 subgroup"),
    ],
)
def test_a_baseline_marked_in_a_way_limits_cannot_use_is_refused(
    rings: Table, trial: list[bool], message: str
):
    with pytest.raises((InvalidParameter, InsufficientData), match=message) as raised:
        chart(
            _marks(rings, trial),
            chart_type="xbar_r",
            column="diameter",
            subgroup_size=5,
            phase_one_column="trial",
        )

    assert raised.value.details["parameter"] == "phase_one_column"


def test_a_baseline_column_must_be_boolean_and_alone(rings: Table):
    fields = {"chart_type": "xbar_r", "column": "diameter", "subgroup_size": 5}

    with pytest.raises(InvalidParameter, match="is numeric"):
        chart(rings, phase_one_column="sample", **fields)
    with pytest.raises(InvalidParameter, match="not both"):
        chart(rings, phase_one_column="trial", phase_one_subgroups=25, **fields)


# ---------------------------------------------------------------- known process values


def test_a_known_mean_and_sigma_set_an_xbar_r_chart_and_its_r_chart(rings: Table):
    result = chart(
        rings,
        chart_type="xbar_r",
        column="diameter",
        subgroup_size=5,
        known_center=74.0,
        known_sigma=0.01,
        spec_limits=SpecLimits(lsl=73.97, usl=74.03),
    )

    half_width = 3 * 0.01 / np.sqrt(5)
    assert (result.main.center_line, result.sigma) == (74.0, 0.01)
    assert (result.main.lcl, result.main.ucl) == pytest.approx((74 - half_width, 74 + half_width))
    assert result.secondary.center_line == pytest.approx(constants.d2(5) * 0.01)
    assert result.secondary.ucl == pytest.approx((constants.d2(5) + 3 * constants.d3(5)) * 0.01)
    assert result.capability.cp == pytest.approx(0.06 / (6 * 0.01))


def test_a_known_sigma_alone_keeps_the_estimated_mean(rings: Table):
    estimated = chart(rings, chart_type="i_mr", column="diameter", phase_one_subgroups=125)
    known = chart(
        rings, chart_type="i_mr", column="diameter", phase_one_subgroups=125, known_sigma=0.02
    )

    assert known.main.center_line == estimated.main.center_line
    assert known.main.ucl == pytest.approx(known.main.center_line + 3 * 0.02)
    assert known.secondary.center_line == pytest.approx(constants.d2(2) * 0.02)


def test_cusum_and_ewma_run_on_the_known_process(rings: Table):
    groups = variables.consecutive(rings.frame["diameter"], 5)
    means, sizes = groups.means(), groups.sizes
    known = {"known_center": 74.0, "known_sigma": 0.01}
    fields = {"column": "diameter", "subgroup_size": 5, **known}

    cusum = chart(rings, chart_type="cusum", **fields)
    ewma = chart(rings, chart_type="ewma", **fields)

    assert cusum.main == timeweighted.cusum_chart(means, sizes, 0.01, 74.0, 0.5, 5.0).main
    direct = timeweighted.ewma_chart(means, sizes, 0.01, 74.0, 0.2, 3.0).main
    assert [(p.value, p.lcl, p.ucl) for p in ewma.main.points] == [
        (p.value, p.lcl, p.ucl) for p in direct.points
    ]


def test_a_known_fraction_defective_sets_a_p_chart():
    juice = table(pd.read_csv(DATA / "orangejuice.csv"))

    result = chart(juice, chart_type="p_chart", column="D", sample_size=50, known_center=0.2)

    assert result.main.center_line == 0.2
    assert result.main.ucl == pytest.approx(0.2 + 3 * np.sqrt(0.2 * 0.8 / 50))


@pytest.mark.parametrize(
    ("fields", "parameter"),
    [
        ({"chart_type": "p_chart", "column": "D", "sample_size": 50, "known_sigma": 0.1}, "sigma"),
        (
            {"chart_type": "p_chart", "column": "D", "sample_size": 50, "known_center": 1.5},
            "center",
        ),
        ({"chart_type": "c_chart", "column": "D", "known_center": 0.0}, "center"),
        ({"chart_type": "i_mr", "column": "D", "known_sigma": -1.0}, "sigma"),
        ({"chart_type": "i_mr", "column": "D", "known_center": float("nan")}, "center"),
    ],
)
def test_known_values_a_chart_cannot_use_are_refused(fields: dict, parameter: str):
    juice = table(pd.read_csv(DATA / "orangejuice.csv"))

    with pytest.raises(InvalidParameter) as raised:
        chart(juice, **fields)

    assert raised.value.details["parameter"] == f"known.{parameter}"
