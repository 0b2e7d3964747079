"""Capability indices against their formulas (qcc's processCapability on the
piston rings), normality tests against SciPy and statsmodels, one-sided
specifications and the refusals."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.diagnostic import normal_ad

from neurogate.server.errors import InsufficientData, InvalidParameter
from neurogate.server.spc import constants
from neurogate.server.spc.capability import SHAPIRO_MAX, capability, check_spec_limits
from neurogate.server.spc.chart import SpecLimits

DATA = Path(__file__).parents[2] / "data" / "spc"


@pytest.fixture(scope="module")
def phase_one() -> tuple[np.ndarray, float, float]:
    """The first 25 piston-ring samples: measurements, mean, R-bar/d2."""
    frame = pd.read_csv(DATA / "pistonrings.csv")
    matrix = frame["diameter"].to_numpy().reshape(40, 5)[:25]
    return matrix.ravel(), matrix.mean(), np.ptp(matrix, axis=1).mean() / constants.d2(5)


def test_two_sided_indices_match_qccs_process_capability(phase_one):
    values, mu, sigma = phase_one
    overall = values.std(ddof=1)

    indices = capability(values, mu, sigma, SpecLimits(lsl=73.95, usl=74.05))

    # processCapability(qcc(diameter[1:25, ], "xbar"), spec.limits = c(73.95, 74.05)):
    # Cp 1.70, Cp_l 1.74, Cp_u 1.66, Cp_k 1.66, Cpm 1.69.
    assert np.round(
        [indices.cp, indices.cpl, indices.cpu, indices.cpk, indices.cpm], 2
    ).tolist() == [
        1.70,
        1.74,
        1.66,
        1.66,
        1.69,
    ]
    assert indices.cp == pytest.approx(0.1 / (6 * sigma), rel=1e-12)
    assert indices.cpl == pytest.approx((mu - 73.95) / (3 * sigma), rel=1e-12)
    assert indices.cpu == pytest.approx((74.05 - mu) / (3 * sigma), rel=1e-12)
    assert indices.cpk == indices.cpu
    assert indices.cpm == pytest.approx(0.1 / (6 * math.sqrt(sigma**2 + (mu - 74.0) ** 2)))
    assert indices.pp == pytest.approx(0.1 / (6 * overall), rel=1e-12)
    assert indices.ppk == pytest.approx((74.05 - mu) / (3 * overall), rel=1e-12)
    expected_ppm = 1e6 * (stats.norm.cdf(73.95, mu, sigma) + stats.norm.sf(74.05, mu, sigma))
    assert indices.ppm_total == pytest.approx(expected_ppm, rel=1e-9)


def test_shapiro_wilk_is_reported_beside_the_indices(phase_one):
    values, mu, sigma = phase_one

    indices = capability(values, mu, sigma, SpecLimits(lsl=73.95, usl=74.05))

    expected = stats.shapiro(values)
    assert indices.normality_test == "shapiro_wilk"
    assert indices.normality_statistic == pytest.approx(expected.statistic, rel=1e-12)
    assert indices.normality_p_value == pytest.approx(expected.pvalue, rel=1e-12)


def test_anderson_darling_replaces_shapiro_wilk_above_its_range():
    values = np.random.default_rng(3).normal(50, 2, SHAPIRO_MAX + 1)

    indices = capability(values, values.mean(), 2.0, SpecLimits(lsl=40, usl=60))

    statistic, p_value = normal_ad(values)
    assert indices.normality_test == "anderson_darling"
    assert indices.normality_statistic == pytest.approx(statistic, rel=1e-12)
    assert indices.normality_p_value == pytest.approx(p_value, rel=1e-12)


def test_a_target_off_the_midpoint_lowers_cpm(phase_one):
    values, mu, sigma = phase_one

    indices = capability(values, mu, sigma, SpecLimits(lsl=73.95, usl=74.05, target=74.02))

    assert indices.cpm == pytest.approx(0.1 / (6 * math.sqrt(sigma**2 + (mu - 74.02) ** 2)))
    assert indices.cpm < indices.cp


def test_an_upper_limit_alone_gives_the_upper_indices(phase_one):
    values, mu, sigma = phase_one

    indices = capability(values, mu, sigma, SpecLimits(usl=74.02))

    assert indices.cp is None and indices.pp is None and indices.cpm is None
    assert indices.cpl is None
    assert indices.cpu == pytest.approx((74.02 - mu) / (3 * sigma), rel=1e-12)
    assert indices.cpk == indices.cpu
    assert indices.ppk == pytest.approx((74.02 - mu) / (3 * values.std(ddof=1)), rel=1e-12)
    assert indices.ppm_total == pytest.approx(1e6 * stats.norm.sf(74.02, mu, sigma), rel=1e-9)


def test_a_lower_limit_alone_gives_the_lower_indices(phase_one):
    values, mu, sigma = phase_one

    indices = capability(values, mu, sigma, SpecLimits(lsl=73.99))

    assert indices.cpu is None and indices.cp is None
    assert indices.cpl == pytest.approx((mu - 73.99) / (3 * sigma), rel=1e-12)
    assert indices.cpk == indices.cpl
    assert indices.ppm_total == pytest.approx(1e6 * stats.norm.cdf(73.99, mu, sigma), rel=1e-9)


@pytest.mark.parametrize(
    ("limits", "parameter"),
    [
        (SpecLimits(lsl=5.0, usl=5.0), "spec_limits.lsl"),
        (SpecLimits(lsl=6.0, usl=5.0), "spec_limits.lsl"),
        (SpecLimits(target=5.0), "spec_limits"),
        (SpecLimits(lsl=float("nan"), usl=5.0), "spec_limits.lsl"),
        (SpecLimits(lsl=1.0, usl=float("inf")), "spec_limits.usl"),
    ],
)
def test_unusable_spec_limits_are_refused(limits: SpecLimits, parameter: str):
    with pytest.raises(InvalidParameter) as raised:
        check_spec_limits(limits)

    assert raised.value.details["parameter"] == parameter


def test_constant_measurements_have_no_capability():
    with pytest.raises(InsufficientData):
        capability(np.full(10, 3.0), 3.0, 0.0, SpecLimits(lsl=1, usl=5))
