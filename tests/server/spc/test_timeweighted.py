"""CUSUM and EWMA charts reproduce qcc's sums, smoothed means and exact
time-varying limits on Montgomery's piston rings, sample by sample.

The expected values (tests/data/spc/pistonrings_expected_stats.csv, from the
shared reference) were computed with qcc's formulas for
``cusum(diameter[1:25,], newdata = diameter[26:40,])`` (decision interval 5,
se.shift 1) and ``ewma(..., lambda = 0.2, nsigmas = 3)``. qcc estimates both
charts' centre and sigma from the Phase I samples 1-25 alone:

- centre: the grand mean of the 125 Phase I diameters (the mean of the 25
  subgroup means, all of size 5);
- sigma: ``R-bar / d2(5)`` (qcc's default ``"UWAVE-R"`` for subgroups of 25 or
  fewer), with qcc's **tabulated** ``d2(5) = 2.326`` (``exp.R.unscaled``),
  not the exact 2.325929: the reference sums pin sigma down, since
  ``(x̄_1 - x̄_2) / (cusum_pos_1 - cusum_pos_2 + k)`` recovers the standard
  error, and only 2.326 reproduces them beyond the fifth digit.

The CSV carries 9 significant digits, so agreement is asserted to 1e-7.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from neurogate.server.errors import InsufficientData, InvalidParameter
from neurogate.server.spc.rules import apply_rules
from neurogate.server.spc.timeweighted import CUSUM_RULE, cusum_chart, ewma_chart

DATA = Path(__file__).resolve().parents[2] / "data" / "spc"
QCC_D2_5 = 2.326  # qcc.options("exp.R.unscaled")[5]
TOLERANCE = 1e-7


def means_of(groups: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """The subgroup means and sizes the charts take (NaN for an empty one)."""
    means = np.array([g.mean() if g.size else math.nan for g in groups])
    return means, np.array([g.size for g in groups], dtype=float)


def cusum_of(groups: list[np.ndarray], *args, **kwargs):
    return cusum_chart(*means_of(groups), *args, **kwargs)


def ewma_of(groups: list[np.ndarray], *args, **kwargs):
    return ewma_chart(*means_of(groups), *args, **kwargs)


@pytest.fixture(scope="module")
def pistonrings() -> tuple[list[np.ndarray], float, float]:
    """The 40 subgroups of 5 diameters, and qcc's Phase I centre and sigma."""
    data = pd.read_csv(DATA / "pistonrings.csv")
    groups = [g["diameter"].to_numpy() for _, g in data.groupby("sample", sort=True)]
    assert len(groups) == 40 and {len(g) for g in groups} == {5}
    phase_one = groups[:25]
    center = float(np.mean([g.mean() for g in phase_one]))
    r_bar = float(np.mean([g.max() - g.min() for g in phase_one]))
    return groups, center, r_bar / QCC_D2_5


@pytest.fixture(scope="module")
def expected() -> pd.DataFrame:
    return pd.read_csv(DATA / "pistonrings_expected_stats.csv")


# --- CUSUM ----------------------------------------------------------------


def test_pistonrings_cusum_sums_match_qcc_sample_by_sample(pistonrings, expected) -> None:
    groups, center, sigma = pistonrings

    result = cusum_of(groups, sigma, center, k=0.5, h=5.0)

    points = result.main.points
    assert [p.subgroup for p in points] == list(range(1, 41))
    assert [p.upper for p in points] == pytest.approx(list(expected["cusum_pos"]), abs=TOLERANCE)
    assert [p.lower for p in points] == pytest.approx(list(expected["cusum_neg"]), abs=TOLERANCE)
    assert result.sigma == sigma
    assert (result.main.center_line, result.main.lcl, result.main.ucl) == (0.0, -5.0, 5.0)
    assert all(p.lcl == -5.0 and p.ucl == 5.0 for p in points)


def test_pistonrings_cusum_signals_where_the_upper_sum_crosses_h(pistonrings, expected) -> None:
    groups, center, sigma = pistonrings

    result = cusum_of(groups, sigma, center, k=0.5, h=5.0)

    crossing = list(expected.loc[expected["cusum_pos"] > 5, "sample"])
    assert crossing == [37, 38, 39, 40]
    assert [p.subgroup for p in result.main.points if p.out_of_control] == crossing
    assert [v.point for v in result.violations] == crossing
    assert {v.rule for v in result.violations} == {CUSUM_RULE}
    assert result.violations[0].value == pytest.approx(7.18738004, abs=TOLERANCE)
    assert "upper cumulative sum" in result.violations[0].description


def test_cusum_point_value_is_the_larger_sum_so_it_lies_beyond_h_exactly_when_flagged(
    pistonrings,
) -> None:
    groups, center, sigma = pistonrings

    result = cusum_of(groups, sigma, center, k=0.5, h=4.0)

    for p in result.main.points:
        assert p.upper >= 0 >= p.lower
        assert p.value == (p.upper if p.upper >= -p.lower else p.lower)
        assert p.out_of_control == (abs(p.value) > 4.0)


def test_cusum_of_individuals_follows_the_tabular_recursion() -> None:
    x = np.array([10.2, 9.1, 11.8, 12.5, 8.0, 7.2, 6.9, 10.0])
    center, sigma, k, h = 10.0, 1.0, 0.5, 2.0
    upper, lower, hi, lo = [], [], 0.0, 0.0
    for xi in x:
        hi = max(0.0, hi + (xi - center) / sigma - k)
        lo = max(0.0, lo - (xi - center) / sigma - k)
        upper.append(hi)
        lower.append(-lo)

    result = cusum_of([np.array([xi]) for xi in x], sigma, center, k, h)

    assert [p.upper for p in result.main.points] == pytest.approx(upper, rel=1e-15)
    assert [p.lower for p in result.main.points] == pytest.approx(lower, rel=1e-15)
    assert [v.point for v in result.violations] == [4, 6, 7, 8]
    assert [v.value for v in result.violations] == pytest.approx([3.3, -3.8, -6.4, -5.9])
    assert "lower cumulative sum" in result.violations[1].description


def test_cusum_scales_each_subgroup_by_its_own_standard_error() -> None:
    groups = [np.array([1.0, 1.0, 1.0, 1.0]), np.array([1.0])]

    result = cusum_of(groups, sigma=2.0, center=0.0, k=0.0, h=5.0)

    assert result.main.points[0].upper == pytest.approx(1.0 / (2.0 / 2.0))
    assert result.main.points[1].upper == pytest.approx(1.0 + 1.0 / 2.0)


@pytest.mark.parametrize(
    ("k", "h", "parameter"),
    [(-0.1, 5.0, "cusum.k"), (math.nan, 5.0, "cusum.k"), (0.5, 0.0, "cusum.h"),
     (0.5, -1.0, "cusum.h"), (0.5, math.inf, "cusum.h")],
)  # fmt: skip
def test_cusum_refuses_bad_k_and_h(k: float, h: float, parameter: str) -> None:
    with pytest.raises(InvalidParameter) as caught:
        cusum_of([np.array([1.0])], 1.0, 0.0, k, h)

    assert caught.value.details["parameter"] == parameter


def test_cusum_allows_k_of_zero() -> None:
    result = cusum_of([np.array([1.0]), np.array([1.0])], 1.0, 0.0, 0.0, 5.0)

    assert [p.upper for p in result.main.points] == [1.0, 2.0]


# --- EWMA -----------------------------------------------------------------


def test_pistonrings_ewma_and_its_limits_match_qcc_sample_by_sample(pistonrings, expected) -> None:
    groups, center, sigma = pistonrings

    result = ewma_of(groups, sigma, center, lam=0.2, nsigmas=3.0)

    points = result.main.points
    assert [p.value for p in points] == pytest.approx(list(expected["ewma"]), abs=TOLERANCE)
    assert [p.lcl for p in points] == pytest.approx(list(expected["ewma_lcl"]), abs=TOLERANCE)
    assert [p.ucl for p in points] == pytest.approx(list(expected["ewma_ucl"]), abs=TOLERANCE)
    asymptotic = 3 * sigma / math.sqrt(5) * math.sqrt(0.2 / 1.8)
    assert result.main.center_line == center
    assert result.main.ucl == pytest.approx(center + asymptotic, rel=1e-15)
    assert result.main.lcl == pytest.approx(center - asymptotic, rel=1e-15)
    assert result.main.ucl == pytest.approx(expected["ewma_ucl"].iloc[-1], abs=TOLERANCE)


def test_pistonrings_ewma_signals_beyond_its_limits(pistonrings, expected) -> None:
    groups, center, sigma = pistonrings
    result = ewma_of(groups, sigma, center, lam=0.2, nsigmas=3.0)

    panel, violations = apply_rules(result.main, ())

    beyond = expected[
        (expected["ewma"] > expected["ewma_ucl"]) | (expected["ewma"] < expected["ewma_lcl"])
    ]
    assert list(beyond["sample"]) == [37, 38, 39, 40]
    assert [v.point for v in violations] == [37, 38, 39, 40]
    assert [p.subgroup for p in panel.points if p.out_of_control] == [37, 38, 39, 40]


def test_ewma_starts_at_the_center_with_narrow_limits() -> None:
    groups = [np.array([3.0]), np.array([-1.0])]

    result = ewma_of(groups, sigma=1.0, center=1.0, lam=0.25, nsigmas=3.0)

    first, second = result.main.points
    assert first.value == pytest.approx(0.25 * 3.0 + 0.75 * 1.0)
    assert second.value == pytest.approx(0.25 * -1.0 + 0.75 * first.value)
    assert first.ucl - 1.0 == pytest.approx(3 * math.sqrt(0.25 / 1.75 * (1 - 0.75**2)))
    assert second.ucl - 1.0 == pytest.approx(3 * math.sqrt(0.25 / 1.75 * (1 - 0.75**4)))


def test_ewma_with_lambda_one_is_the_shewhart_chart_of_the_means(pistonrings) -> None:
    groups, center, sigma = pistonrings

    result = ewma_of(groups, sigma, center, lam=1.0, nsigmas=3.0)

    means = [g.mean() for g in groups]
    assert [p.value for p in result.main.points] == pytest.approx(means, rel=1e-15)
    half = 3 * sigma / math.sqrt(5)
    assert [p.ucl for p in result.main.points] == pytest.approx([center + half] * 40, abs=1e-12)
    assert [p.lcl for p in result.main.points] == pytest.approx([center - half] * 40, abs=1e-12)


def test_ewma_limits_use_each_subgroups_own_size_as_qcc() -> None:
    groups = [np.ones(4), np.ones(1), np.ones(9)]

    result = ewma_of(groups, sigma=2.0, center=1.0, lam=0.5, nsigmas=3.0)

    for i, (p, n) in enumerate(zip(result.main.points, (4, 1, 9), strict=True), start=1):
        width = 3 * 2.0 / math.sqrt(n) * math.sqrt(0.5 / 1.5 * (1 - 0.5 ** (2 * i)))
        assert p.ucl == pytest.approx(1.0 + width, rel=1e-14)
        assert p.lcl == pytest.approx(1.0 - width, rel=1e-14)


@pytest.mark.parametrize(
    ("lam", "nsigmas", "parameter"),
    [(0.0, 3.0, "ewma.lambda"), (1.5, 3.0, "ewma.lambda"), (-0.2, 3.0, "ewma.lambda"),
     (math.nan, 3.0, "ewma.lambda"), (0.2, 0.0, "ewma.nsigmas"), (0.2, -3.0, "ewma.nsigmas")],
)  # fmt: skip
def test_ewma_refuses_bad_lambda_and_nsigmas(lam: float, nsigmas: float, parameter: str) -> None:
    with pytest.raises(InvalidParameter) as caught:
        ewma_of([np.array([1.0])], 1.0, 0.0, lam, nsigmas)

    assert caught.value.details["parameter"] == parameter
    assert "value" in caught.value.details


# --- shared refusals ------------------------------------------------------


@pytest.mark.parametrize("chart", [cusum_of, ewma_of])
def test_no_subgroups_empty_subgroups_and_missing_values_are_refused(chart) -> None:
    params = (1.0, 0.0, 0.5, 3.0)
    with pytest.raises(InvalidParameter, match="no subgroups"):
        chart([], *params)
    with pytest.raises(InvalidParameter) as caught:
        chart([np.array([1.0]), np.array([])], *params)
    assert caught.value.details == {"parameter": "column", "subgroup": 2}
    for bad in (math.nan, math.inf):
        with pytest.raises(InvalidParameter) as caught:
            chart([np.array([1.0, 2.0]), np.array([1.0, bad]), np.array([3.0])], *params)
        assert caught.value.details == {"parameter": "column", "subgroup": 2}


@pytest.mark.parametrize("chart", [cusum_of, ewma_of])
@pytest.mark.parametrize("sigma", [0.0, -1.0, math.nan])
def test_a_sigma_without_variation_is_insufficient_data(chart, sigma: float) -> None:
    with pytest.raises(InsufficientData, match="sigma"):
        chart([np.array([1.0, 1.0])], sigma, 1.0, 0.5, 3.0)
