"""Attribute charts (p, np, c, u) reproduce Montgomery's published centre
lines and limits and flag his out-of-control samples, on the qcc data sets
(tests/data/spc, copied from the shared reference; see its SOURCES.md).

Every published number is checked twice: against the value printed in
Montgomery (to its printed precision) and against qcc's formula evaluated
here on the same data (to 1e-12). Refusals name the offending parameter."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from neurogate.server.errors import InsufficientData, InvalidParameter
from neurogate.server.spc.attributes import MIN_SUBGROUPS, attribute_chart
from neurogate.server.spc.chart import ChartResult
from neurogate.server.spc.rules import apply_rules

DATA = Path(__file__).resolve().parents[2] / "data" / "spc"


def reference(name: str) -> pd.DataFrame:
    return pd.read_csv(DATA / f"{name}.csv")


def flagged(result: ChartResult) -> list[int]:
    """The subgroups beyond the limits (rule nelson_1, the default)."""
    _, violations = apply_rules(result.main, ())
    return sorted({v.point for v in violations})


def limits(result: ChartResult) -> tuple[float, float, float]:
    return result.main.center_line, result.main.lcl, result.main.ucl


# --- p chart --------------------------------------------------------------


def test_orangejuice_p_chart_phase_one_matches_montgomery() -> None:
    data = reference("orangejuice")
    trial = data[data["trial"]]
    assert list(trial["sample"]) == list(range(1, 31))

    result = attribute_chart("p_chart", trial["D"].to_numpy(), trial["size"].to_numpy(), None)

    center, lcl, ucl = limits(result)
    assert (round(center, 4), round(ucl, 4), round(lcl, 4)) == (0.2313, 0.4102, 0.0524)
    p_bar = trial["D"].sum() / trial["size"].sum()  # 347 / 1500, pooled
    se = math.sqrt(p_bar * (1 - p_bar) / 50)
    assert center == pytest.approx(p_bar, rel=1e-12)
    assert ucl == pytest.approx(p_bar + 3 * se, rel=1e-12)
    assert lcl == pytest.approx(p_bar - 3 * se, rel=1e-12)
    assert result.sigma == pytest.approx(se, rel=1e-12)
    assert flagged(result) == [15, 23]


def test_orangejuice_phase_one_limits_apply_to_later_samples() -> None:
    data = reference("orangejuice")

    result = attribute_chart("p_chart", data["D"].to_numpy(), data["size"].to_numpy(), 30)

    assert tuple(round(x, 4) for x in limits(result)) == (0.2313, 0.0524, 0.4102)
    assert [p.value for p in result.main.points] == pytest.approx(list(data["D"] / 50), rel=1e-15)
    assert {(p.lcl, p.ucl) for p in result.main.points} == {(result.main.lcl, result.main.ucl)}
    # Phase II sample 41 (2 defectives in 50, 0.04) is below the Phase I LCL.
    assert flagged(result) == [15, 23, 41]


def test_orangejuice_revised_limits_without_samples_15_and_23() -> None:
    # Montgomery drops the two assignable-cause samples and recomputes.
    data = reference("orangejuice")
    kept = data[data["trial"] & ~data["sample"].isin([15, 23])]

    result = attribute_chart("p_chart", kept["D"].to_numpy(), kept["size"].to_numpy(), None)

    assert tuple(round(x, 4) for x in limits(result)) == (0.2150, 0.0407, 0.3893)


def test_orangejuice2_p_chart_after_adjustment_has_new_limits_and_no_signal() -> None:
    data = reference("orangejuice2")
    assert int(data["trial"].sum()) == 24 and bool(data["trial"].iloc[:24].all())

    result = attribute_chart("p_chart", data["D"].to_numpy(), data["size"].to_numpy(), 24)

    center, lcl, ucl = limits(result)
    assert (round(center, 4), round(ucl, 4), lcl) == (0.1108, 0.2440, 0.0)
    p_bar = data["D"].iloc[:24].sum() / data["size"].iloc[:24].sum()  # 133 / 1200
    assert center == pytest.approx(p_bar, rel=1e-12)
    assert ucl == pytest.approx(p_bar + 3 * math.sqrt(p_bar * (1 - p_bar) / 50), rel=1e-12)
    assert all(p.lcl == 0.0 for p in result.main.points)  # floored, as qcc
    assert flagged(result) == []


def test_p_chart_with_variable_sample_sizes_has_per_point_limits() -> None:
    counts = np.array([12, 8, 15, 4, 9, 20, 7, 11])
    sizes = np.array([100, 80, 120, 60, 90, 150, 70, 100])

    result = attribute_chart("p_chart", counts, sizes, 6)

    p_bar = counts[:6].sum() / sizes[:6].sum()
    for point, d, n in zip(result.main.points, counts, sizes, strict=True):
        half = 3 * math.sqrt(p_bar * (1 - p_bar) / n)
        assert point.value == pytest.approx(d / n, rel=1e-15)
        assert point.ucl == pytest.approx(p_bar + half, rel=1e-12)
        assert point.lcl == pytest.approx(max(p_bar - half, 0.0), rel=1e-12)
    n_bar = sizes[:6].mean()  # the panel's limits: at the average Phase I size
    assert result.sigma == pytest.approx(math.sqrt(p_bar * (1 - p_bar) / n_bar), rel=1e-12)
    assert result.main.ucl == pytest.approx(p_bar + 3 * result.sigma, rel=1e-12)
    assert len({p.ucl for p in result.main.points}) == len(set(sizes))


def test_p_chart_upper_limit_is_not_capped_at_one_so_sigma_zones_stay_exact() -> None:
    result = attribute_chart("p_chart", np.array([1, 0, 1, 1]), np.array([2, 2, 2, 2]), None)

    assert result.main.ucl > 1
    assert (result.main.ucl - result.main.center_line) / 3 == pytest.approx(result.sigma)
    assert result.main.lcl == 0.0


# --- np chart -------------------------------------------------------------


def test_orangejuice_np_chart_flags_the_same_samples_as_the_p_chart() -> None:
    data = reference("orangejuice")

    result = attribute_chart("np_chart", data["D"].to_numpy(), data["size"].to_numpy(), 30)

    p_bar = 347 / 1500
    sigma = math.sqrt(50 * p_bar * (1 - p_bar))
    center, lcl, ucl = limits(result)
    assert (round(center, 4), round(lcl, 4), round(ucl, 4)) == (11.5667, 2.6214, 20.512)
    assert center == pytest.approx(50 * p_bar, rel=1e-12)
    assert ucl == pytest.approx(50 * p_bar + 3 * sigma, rel=1e-12)
    assert lcl == pytest.approx(50 * p_bar - 3 * sigma, rel=1e-12)
    assert result.sigma == pytest.approx(sigma, rel=1e-12)
    assert [p.value for p in result.main.points] == list(data["D"].astype(float))
    p_result = attribute_chart("p_chart", data["D"].to_numpy(), data["size"].to_numpy(), 30)
    assert flagged(result) == flagged(p_result) == [15, 23, 41]


def test_np_chart_refuses_varying_sample_sizes_and_suggests_the_p_chart() -> None:
    with pytest.raises(InvalidParameter) as caught:
        attribute_chart("np_chart", np.array([3, 4, 5]), np.array([50, 50, 60]), None)

    assert caught.value.details["parameter"] == "sample_size"
    assert caught.value.details["subgroup"] == 3
    assert caught.value.details["suggestion"] == "p_chart"


# --- c chart --------------------------------------------------------------


def test_circuit_c_chart_matches_montgomery_and_flags_samples_6_and_20() -> None:
    data = reference("circuit")
    assert list(data["sample"].iloc[:26]) == list(range(1, 27))
    assert bool(data["trial"].iloc[:26].all()) and not data["trial"].iloc[26:].any()

    result = attribute_chart("c_chart", data["x"].to_numpy(), None, 26)

    center, lcl, ucl = limits(result)
    assert (round(center, 2), round(ucl, 2), round(lcl, 2)) == (19.85, 33.21, 6.48)
    c_bar = data["x"].iloc[:26].mean()  # 516 / 26
    assert center == pytest.approx(c_bar, rel=1e-12)
    assert ucl == pytest.approx(c_bar + 3 * math.sqrt(c_bar), rel=1e-12)
    assert lcl == pytest.approx(c_bar - 3 * math.sqrt(c_bar), rel=1e-12)
    assert result.sigma == pytest.approx(math.sqrt(c_bar), rel=1e-12)
    assert flagged(result) == [6, 20]


def test_c_chart_accepts_a_constant_sample_size_and_refuses_a_varying_one() -> None:
    data = reference("circuit")
    with_sizes = attribute_chart("c_chart", data["x"].to_numpy(), data["size"].to_numpy(), 26)
    assert limits(with_sizes) == limits(attribute_chart("c_chart", data["x"].to_numpy(), None, 26))

    with pytest.raises(InvalidParameter) as caught:
        attribute_chart("c_chart", np.array([3, 4, 5]), np.array([1, 1, 2]), None)
    assert caught.value.details["suggestion"] == "u_chart"


# --- u chart --------------------------------------------------------------


def test_pcmanufact_u_chart_matches_montgomery() -> None:
    data = reference("pcmanufact")

    result = attribute_chart("u_chart", data["x"].to_numpy(), data["size"].to_numpy(), None)

    center, lcl, ucl = limits(result)
    assert (round(center, 2), round(ucl, 2), round(lcl, 2)) == (1.93, 3.79, 0.07)
    u_bar = data["x"].sum() / data["size"].sum()  # 193 / 100
    assert center == pytest.approx(u_bar, rel=1e-12)
    assert ucl == pytest.approx(u_bar + 3 * math.sqrt(u_bar / 5), rel=1e-12)
    assert lcl == pytest.approx(u_bar - 3 * math.sqrt(u_bar / 5), rel=1e-12)
    assert result.sigma == pytest.approx(math.sqrt(u_bar / 5), rel=1e-12)
    assert [p.value for p in result.main.points] == pytest.approx(list(data["x"] / 5))
    assert flagged(result) == []


def test_u_chart_with_fractional_inspection_units_has_per_point_limits() -> None:
    counts = np.array([14, 12, 20, 11, 7, 10, 21, 16])
    units = np.array([1.0, 1.0, 1.5, 1.0, 1.25, 1.25, 2.0, 1.5])

    result = attribute_chart("u_chart", counts, units, None)

    u_bar = counts.sum() / units.sum()
    for point, c, n in zip(result.main.points, counts, units, strict=True):
        assert point.value == pytest.approx(c / n, rel=1e-15)
        assert point.ucl == pytest.approx(u_bar + 3 * math.sqrt(u_bar / n), rel=1e-12)
        assert point.lcl == pytest.approx(max(u_bar - 3 * math.sqrt(u_bar / n), 0), rel=1e-12)
    assert result.sigma == pytest.approx(math.sqrt(u_bar / units.mean()), rel=1e-12)


def test_u_chart_allows_more_defects_than_units() -> None:
    result = attribute_chart("u_chart", np.array([7, 9, 8]), np.array([2, 2, 2]), None)

    assert result.main.center_line == pytest.approx(4.0)


# --- refusals -------------------------------------------------------------


@pytest.mark.parametrize("chart_type", ["p_chart", "np_chart", "c_chart", "u_chart"])
def test_negative_counts_are_refused(chart_type: str) -> None:
    with pytest.raises(InvalidParameter) as caught:
        attribute_chart(chart_type, np.array([3, -1, 2]), np.array([10, 10, 10]), None)

    assert caught.value.details["parameter"] == "column"
    assert caught.value.details["subgroup"] == 2
    assert caught.value.details["value"] == -1


@pytest.mark.parametrize("chart_type", ["p_chart", "np_chart"])
def test_counts_above_the_sample_size_are_refused(chart_type: str) -> None:
    with pytest.raises(InvalidParameter) as caught:
        attribute_chart(chart_type, np.array([3, 11, 2]), np.array([10, 10, 10]), None)

    assert caught.value.details["parameter"] == "column"
    assert caught.value.details["subgroup"] == 2
    assert caught.value.details["sample_size"] == 10


@pytest.mark.parametrize("chart_type", ["p_chart", "np_chart", "c_chart", "u_chart"])
def test_fractional_and_missing_counts_are_refused(chart_type: str) -> None:
    for bad in (2.5, math.nan, math.inf):
        with pytest.raises(InvalidParameter) as caught:
            attribute_chart(chart_type, np.array([3, 4, bad]), np.array([10, 10, 10]), None)
        assert caught.value.details["parameter"] == "column"
        assert caught.value.details["subgroup"] == 3


@pytest.mark.parametrize("chart_type", ["p_chart", "np_chart", "u_chart"])
@pytest.mark.parametrize("bad_size", [0, 0.5, -3, math.nan])
def test_sample_sizes_below_one_or_missing_are_refused(chart_type: str, bad_size: float) -> None:
    with pytest.raises(InvalidParameter) as caught:
        attribute_chart(chart_type, np.array([0, 0, 0]), np.array([10, bad_size, 10]), None)

    assert caught.value.details["parameter"] == "sample_size"
    assert caught.value.details["subgroup"] == 2


def test_fractional_sample_sizes_are_refused_for_defectives() -> None:
    with pytest.raises(InvalidParameter) as caught:
        attribute_chart("p_chart", np.array([1, 2, 3]), np.array([10, 10.5, 10]), None)

    assert caught.value.details["parameter"] == "sample_size"


@pytest.mark.parametrize("chart_type", ["p_chart", "np_chart", "u_chart"])
def test_missing_sample_sizes_are_refused(chart_type: str) -> None:
    with pytest.raises(InvalidParameter) as caught:
        attribute_chart(chart_type, np.array([1, 2, 3]), None, None)

    assert caught.value.details["parameter"] == "sample_size"


def test_sample_sizes_must_match_the_subgroups() -> None:
    with pytest.raises(InvalidParameter, match="2 sample sizes for 3 subgroups"):
        attribute_chart("p_chart", np.array([1, 2, 3]), np.array([10, 10]), None)


def test_too_few_subgroups_is_insufficient_data() -> None:
    with pytest.raises(InsufficientData) as caught:
        attribute_chart("c_chart", np.array([4.0]), None, None)
    assert caught.value.details["minimum"] == MIN_SUBGROUPS

    with pytest.raises(InsufficientData) as caught:
        attribute_chart("c_chart", np.array([4, 5, 6]), None, 1)
    assert caught.value.details["parameter"] == "phase_one_subgroups"


@pytest.mark.parametrize("phase_one", [0, -2, 4])
def test_phase_one_outside_the_data_is_refused(phase_one: int) -> None:
    with pytest.raises(InvalidParameter) as caught:
        attribute_chart("c_chart", np.array([4, 5, 6]), None, phase_one)

    assert caught.value.details == {
        "parameter": "phase_one_subgroups",
        "value": phase_one,
        "subgroups": 3,
    }


@pytest.mark.parametrize(
    ("chart_type", "counts"),
    [
        ("p_chart", [0, 0, 0, 4]),
        ("np_chart", [0, 0, 0, 4]),
        ("p_chart", [10, 10, 10, 4]),
        ("c_chart", [0, 0, 0, 4]),
        ("u_chart", [0, 0, 0, 4]),
    ],
)
def test_a_phase_one_without_variation_is_insufficient_data(
    chart_type: str, counts: list[int]
) -> None:
    with pytest.raises(InsufficientData, match="sigma is 0"):
        attribute_chart(chart_type, np.array(counts), np.array([10, 10, 10, 10]), 3)


def test_unknown_chart_type_is_refused_with_the_choices() -> None:
    with pytest.raises(InvalidParameter) as caught:
        attribute_chart("xbar_r", np.array([1, 2]), np.array([5, 5]), None)

    assert caught.value.details["valid_choices"] == ["p_chart", "np_chart", "c_chart", "u_chart"]
