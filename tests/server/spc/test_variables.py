"""Variables charts against the published qcc/Montgomery limits of the
classic cases (piston rings, viscosity) and against the textbook formulas
computed directly with NumPy; subgrouping and the refusals."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from neurogate.server.errors import InsufficientData, InvalidParameter
from neurogate.server.spc import constants, variables
from neurogate.server.spc.variables import by_key, consecutive

DATA = Path(__file__).parents[2] / "data" / "spc"


@pytest.fixture(scope="module")
def pistonrings() -> pd.DataFrame:
    return pd.read_csv(DATA / "pistonrings.csv")


@pytest.fixture(scope="module")
def expected() -> pd.DataFrame:
    return pd.read_csv(DATA / "pistonrings_expected_stats.csv")


@pytest.fixture(scope="module")
def viscosity() -> pd.DataFrame:
    return pd.read_csv(DATA / "viscosity.csv")


def limits(panel) -> tuple[float, float, float]:
    return panel.center_line, panel.lcl, panel.ucl


def test_xbar_r_phase_one_reproduces_qccs_pistonrings_limits(pistonrings, expected):
    groups = by_key(pistonrings["diameter"], pistonrings["sample"])

    chart = variables.xbar_chart(groups, "xbar_r", phase_one=25)

    # qcc(diameter[1:25, ], type = "xbar", newdata = diameter[26:40, ]) and type = "R",
    # as printed (UCL 74.014304 is printed 74.0143 or 74.01431 depending on rounding).
    assert limits(chart.main) == pytest.approx((74.00118, 73.98805, 74.01431), abs=1e-5)
    assert np.round(limits(chart.main), 4).tolist() == [74.0012, 73.9880, 74.0143]
    assert limits(chart.secondary) == pytest.approx((0.02276, 0.0, 0.04813), abs=1e-5)
    assert chart.sigma == pytest.approx(0.02276 / constants.d2(5), rel=1e-12)
    assert [p.value for p in chart.main.points] == pytest.approx(expected["xbar"], abs=1e-12)
    assert [p.value for p in chart.secondary.points] == pytest.approx(expected["R"], abs=1e-12)
    beyond = [p.subgroup for p in chart.main.points if not p.lcl <= p.value <= p.ucl]
    assert beyond == [37, 38, 39]  # qcc's "beyond limits" in the new data


def test_xbar_r_equals_the_textbook_a2_and_d4_formulas(pistonrings):
    matrix = pistonrings["diameter"].to_numpy().reshape(40, 5)[:25]
    grand = matrix.mean()
    r_bar = np.ptp(matrix, axis=1).mean()

    chart = variables.xbar_chart(
        by_key(pistonrings["diameter"], pistonrings["sample"]), "xbar_r", phase_one=25
    )

    assert limits(chart.main) == pytest.approx(
        (grand, grand - constants.A2(5) * r_bar, grand + constants.A2(5) * r_bar), rel=1e-12
    )
    assert limits(chart.secondary) == pytest.approx(
        (r_bar, constants.D3(5) * r_bar, constants.D4(5) * r_bar), rel=1e-12
    )


def test_xbar_s_uses_s_bar_over_c4(pistonrings, expected):
    matrix = pistonrings["diameter"].to_numpy().reshape(40, 5)[:25]
    s_bar = matrix.std(axis=1, ddof=1).mean()
    grand = matrix.mean()

    chart = variables.xbar_chart(consecutive(pistonrings["diameter"], 5), "xbar_s", phase_one=25)

    # qcc(diameter[1:25, ], type = "S"): centre 0.009240037, UCL 0.01930242.
    assert np.round(limits(chart.secondary), 6).tolist() == [0.00924, 0.0, 0.019302]
    assert chart.sigma == pytest.approx(s_bar / constants.c4(5), rel=1e-12)
    assert limits(chart.main) == pytest.approx(
        (grand, grand - constants.A3(5) * s_bar, grand + constants.A3(5) * s_bar), rel=1e-12
    )
    assert limits(chart.secondary) == pytest.approx(
        (s_bar, constants.B3(5) * s_bar, constants.B4(5) * s_bar), rel=1e-12
    )
    assert [p.value for p in chart.secondary.points] == pytest.approx(expected["S"], rel=1e-8)


def test_i_mr_phase_one_reproduces_the_viscosity_limits(viscosity):
    values = viscosity["viscosity"].to_numpy()
    mr_bar = np.abs(np.diff(values[:20])).mean()

    chart = variables.individuals_chart(values, phase_one=20)

    # Montgomery (5th ed.) example: x-bar 34.088, MR-bar 0.5726, limits 32.57 and 35.61.
    assert np.round(limits(chart.main), 4).tolist() == [34.088, 32.5656, 35.6104]
    assert np.round(limits(chart.secondary), 4).tolist() == [0.5726, 0.0, 1.8705]
    assert chart.sigma == pytest.approx(mr_bar / 1.1283791670955126, rel=1e-12)
    assert chart.secondary.ucl == pytest.approx(3.2665319 * mr_bar, rel=1e-7)
    assert [p.subgroup for p in chart.secondary.points] == list(range(2, 36))
    assert [p.value for p in chart.secondary.points] == pytest.approx(np.abs(np.diff(values)))
    assert [p.subgroup for p in chart.main.points if not p.lcl <= p.value <= p.ucl] == [4]


def test_all_subgroups_are_phase_one_without_phase_one(pistonrings):
    matrix = pistonrings["diameter"].to_numpy().reshape(40, 5)

    chart = variables.xbar_chart(consecutive(pistonrings["diameter"], 5), "xbar_r")

    assert chart.main.center_line == pytest.approx(matrix.mean(), rel=1e-12)
    assert chart.sigma == pytest.approx(np.ptp(matrix, axis=1).mean() / constants.d2(5))


def test_unequal_subgroups_get_limits_of_their_own_size():
    rng = np.random.default_rng(7)
    sizes = [5, 3, 5, 4, 5, 2, 5]
    values = rng.normal(10, 2, sum(sizes))
    keys = np.repeat([f"lot{i}" for i in range(len(sizes))], sizes)
    pieces = np.split(values, np.cumsum(sizes)[:-1])
    sigma = np.mean([np.ptp(p) / constants.d2(len(p)) for p in pieces])

    chart = variables.xbar_chart(by_key(pd.Series(values), pd.Series(keys)), "xbar_r")

    assert chart.sigma == pytest.approx(sigma, rel=1e-12)
    assert chart.main.center_line == pytest.approx(values.mean(), rel=1e-12)
    for point, piece in zip(chart.main.points, pieces, strict=True):
        assert point.value == pytest.approx(piece.mean(), rel=1e-12)
        assert point.ucl - chart.main.center_line == pytest.approx(
            3 * sigma / np.sqrt(len(piece)), rel=1e-12
        )
    for point, piece in zip(chart.secondary.points, pieces, strict=True):
        n = len(piece)
        assert point.ucl == pytest.approx((constants.d2(n) + 3 * constants.d3(n)) * sigma)
    # The panel's own limits are those of the most common size, 5.
    assert chart.main.ucl == pytest.approx(chart.main.center_line + 3 * sigma / np.sqrt(5))
    assert chart.secondary.center_line == pytest.approx(constants.d2(5) * sigma, rel=1e-12)


def test_subgroup_column_keeps_first_appearance_order_and_row_order():
    values = pd.Series([1.0, 10.0, 2.0, 11.0, 3.0, 13.0])
    keys = pd.Series(["b", "a", "b", "a", "b", "a"])

    groups = by_key(values, keys)

    assert groups.labels == ["b", "a"]
    assert groups.values.tolist() == [1.0, 2.0, 3.0, 10.0, 11.0, 13.0]
    assert (groups.starts.tolist(), groups.sizes.tolist()) == ([0, 3], [3, 3])


def test_a_short_last_run_is_kept_as_a_smaller_subgroup():
    groups = consecutive(pd.Series(np.arange(12.0)), 5)

    assert groups.sizes.tolist() == [5, 5, 2]
    assert groups.means().tolist() == [2.0, 7.0, 10.5]


def test_a_subgroup_of_one_value_is_refused_for_xbar():
    groups = consecutive(pd.Series(np.arange(11.0)), 5)

    with pytest.raises(InvalidParameter) as raised:
        variables.xbar_chart(groups, "xbar_r")

    assert "subgroup 3 holds a single value" in raised.value.message
    assert raised.value.details["parameter"] == "subgroup_size"


def test_missing_measurements_are_refused_with_their_rows():
    with pytest.raises(InvalidParameter) as raised:
        consecutive(pd.Series([1.0, np.nan, 2.0, np.nan], name="width"), 2)

    assert raised.value.details["rows"] == [2, 4]
    assert raised.value.details["value"] == "width"


def test_too_few_subgroups_are_insufficient_data():
    with pytest.raises(InsufficientData):
        variables.xbar_chart(consecutive(pd.Series([1.0, 2.0, 3.0]), 3), "xbar_r")
    with pytest.raises(InsufficientData):
        variables.individuals_chart(np.array([1.0, 2.0, 3.0]), phase_one=1)


def test_phase_one_beyond_the_data_is_refused():
    with pytest.raises(InvalidParameter) as raised:
        variables.individuals_chart(np.arange(5.0), phase_one=6)

    assert raised.value.details["parameter"] == "phase_one_subgroups"
    assert raised.value.details["valid_range"] == [2, 5]


def test_constant_phase_one_data_are_insufficient():
    with pytest.raises(InsufficientData):
        variables.xbar_chart(consecutive(pd.Series([4.0] * 10), 5), "xbar_s")
    with pytest.raises(InsufficientData):
        variables.individuals_chart(np.array([3.0, 3.0, 3.0, 5.0]), phase_one=3)


def test_process_estimates_use_r_bar_for_subgroups_and_mr_bar_for_individuals(pistonrings):
    values = pistonrings["diameter"]
    matrix = values.to_numpy().reshape(40, 5)[:25]

    center, sigma = variables.process_estimates(consecutive(values, 5), phase_one=25)
    one_center, one_sigma = variables.process_estimates(consecutive(values, 1), phase_one=10)

    assert (center, sigma) == pytest.approx(
        (matrix.mean(), np.ptp(matrix, axis=1).mean() / constants.d2(5)), rel=1e-12
    )
    first = values.to_numpy()[:10]
    assert (one_center, one_sigma) == pytest.approx(
        (first.mean(), np.abs(np.diff(first)).mean() / constants.d2(2)), rel=1e-12
    )


def test_unequal_subgroups_reproduce_qccs_variable_limits(pistonrings):
    # The qcc vignette's "variable control limits": twelve rows dropped, giving
    # subgroups of 3, 4 and 5; qcc(diameter2[1:25, ], type = "xbar").
    dropped = [9, 10, 30, 35, 45, 64, 65, 74, 75, 85, 99, 100]
    kept = pistonrings.drop(index=[row - 1 for row in dropped])

    chart = variables.xbar_chart(by_key(kept["diameter"], kept["sample"]), "xbar_r", 25)

    assert chart.main.center_line == pytest.approx(74.00075, abs=1e-5)
    first, second = chart.main.points[:2]  # sizes 5 and 3
    assert (first.lcl, first.ucl) == pytest.approx((73.98753, 74.01398), abs=1e-5)
    assert (second.lcl, second.ucl) == pytest.approx((73.98368, 74.01782), abs=1e-5)
    # qcc's sigma 0.009856701 uses d2 rounded to three decimals.
    assert chart.sigma == pytest.approx(0.009856701, rel=1e-4)


def test_infinite_measurements_are_refused_like_missing_ones():
    with pytest.raises(InvalidParameter) as raised:
        by_key(pd.Series([1.0, np.inf, 2.0], name="width"), pd.Series(["a", "a", "b"]))

    assert raised.value.details["rows"] == [2]
    assert "infinite" in raised.value.message


def test_missing_subgroup_keys_are_refused():
    with pytest.raises(InvalidParameter) as raised:
        by_key(pd.Series([1.0, 2.0, 3.0]), pd.Series(["a", None, "b"], name="lot"))

    assert raised.value.details["parameter"] == "subgroup_column"
    assert raised.value.details["rows"] == [2]
