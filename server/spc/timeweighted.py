"""Time-weighted control charts: the tabular CUSUM and the EWMA, as R's qcc
computes them (``cusum()`` and ``ewma()``).

Both chart the subgroup means ``x̄_i`` (single measurements for individuals),
given with the subgroup sizes ``n_i``, against a given ``center`` and process
``sigma`` (the standard deviation of one measurement; the caller estimates both from the Phase I
subgroups, R-bar/d2 and the like). A subgroup of ``n_i`` measurements has the
standard error ``sigma / sqrt(n_i)``.

**CUSUM** (tabular, Montgomery section 9.1; qcc ``cusum``). With
``z_i = (x̄_i - center) / (sigma / sqrt(n_i))``::

    upper_i = max(0, upper_{i-1} + z_i - k)
    lower_i = -max(0, -lower_{i-1} - z_i - k)        (reported <= 0, as qcc)

both starting at 0 (no head start). ``k`` (allowance) and ``h`` (decision
interval) are in standard errors; qcc's ``se.shift = 1`` is ``k = 0.5``, its
``decision.interval = 5`` is ``h = 5``. A point is out of control when
``upper > h`` or ``lower < -h`` (strictly, as qcc). The panel's centre is 0,
its limits ``±h``; each point carries ``upper`` and ``lower``, and its
``value`` is the sum of larger magnitude (``upper`` when ``upper >= -lower``),
so ``value`` lies beyond ``±h`` exactly when the point is out of control and
a plot of values against the limits tells the truth. The CUSUM flags its own
points and reports them as violations of rule ``cusum``; Shewhart run rules
do not apply to cumulative sums (:func:`.rules.apply_rules` refuses them).

**EWMA** (Montgomery section 9.2; qcc ``ewma``)::

    z_0 = center,   z_i = lam * x̄_i + (1 - lam) * z_{i-1}
    limits_i = center ± L * sigma / sqrt(n_i) * sqrt(lam / (2 - lam) * (1 - (1 - lam)^(2i)))

the exact time-varying limits, narrow at the start and widening to the
asymptotic ``center ± L * sigma / sqrt(n) * sqrt(lam / (2 - lam))``, which are
the panel's ``lcl``/``ucl`` (at the mean subgroup size). With varying
subgroup sizes qcc's formula takes the current ``n_i``, not the exact
weighted sum over past sizes; so does this module, to match it. Points are
not flagged here; rule ``nelson_1`` of :func:`.rules.apply_rules` is the EWMA
signal (beyond its limits).

Refusals: ``lam`` outside (0, 1], ``L <= 0``, ``h <= 0``, ``k < 0`` or any of
them not finite -- INVALID_PARAMETER naming ``ewma.lambda``,
``ewma.nsigmas``, ``cusum.h`` or ``cusum.k``; no subgroups, an empty
subgroup or a non-finite measurement -- INVALID_PARAMETER naming ``column``;
a ``sigma`` that is 0 (no variation to scale by) or not finite --
INSUFFICIENT_DATA.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import signal

from neurogate.server.errors import InsufficientData, InvalidParameter
from neurogate.server.spc.chart import ChartResult, Panel, Violation

#: The rule name of a CUSUM decision-interval crossing.
CUSUM_RULE = "cusum"


def cusum_chart(
    means: np.ndarray, sizes: np.ndarray, sigma: float, center: float, k: float, h: float
) -> ChartResult:
    """The tabular CUSUM of the subgroup means, in standard-error units."""
    _check_parameter(k, "cusum.k", math.isfinite(k) and k >= 0, "at least 0")
    _check_parameter(h, "cusum.h", math.isfinite(h) and h > 0, "positive")
    means, sizes = _check_means(means, sizes)
    _check_scale(sigma, center)

    z = (means - center) / (sigma / np.sqrt(sizes))
    upper = _floored_sum(z - k)
    lower = -_floored_sum(-z - k)
    value = np.where(upper >= -lower, upper, lower)
    above, below = upper > h, lower < -h
    panel = Panel(
        chart_type="cusum",
        center_line=0.0,
        lcl=-h,
        ucl=h,
        values=value,
        point_lcl=-h,
        point_ucl=h,
        out_of_control=above | below,
        upper=upper,
        lower=lower,
    )
    violations = [
        Violation(
            point=int(i) + 1,
            value=float(total[i]),
            rule=CUSUM_RULE,
            description=(
                f"the {side} cumulative sum ({total[i]:.4g}) is beyond the decision "
                f"interval of ±{h:g} standard errors"
            ),
        )
        for i, side, total in sorted(
            [(i, "upper", upper) for i in np.flatnonzero(above)]
            + [(i, "lower", lower) for i in np.flatnonzero(below)],
            key=lambda hit: (hit[0], hit[1] == "lower"),
        )
    ]
    return ChartResult(chart_type="cusum", main=panel, sigma=sigma, violations=violations)


def _floored_sum(steps: np.ndarray) -> np.ndarray:
    """``s_i = max(0, s_{i-1} + steps_i)`` from ``s_0 = 0``, in closed form:
    the running sum less its running minimum (Lindley's recursion). The
    subtraction of two running sums loses about ``eps * |running sum|`` to
    rounding, far below the 4 decimals charts are read to."""
    running = np.concatenate(([0.0], np.cumsum(steps)))
    return (running - np.minimum.accumulate(running))[1:]


def ewma_chart(
    means: np.ndarray, sizes: np.ndarray, sigma: float, center: float, lam: float, nsigmas: float
) -> ChartResult:
    """The EWMA of the subgroup means with its exact time-varying limits."""
    _check_parameter(lam, "ewma.lambda", math.isfinite(lam) and 0 < lam <= 1, "in (0, 1]")
    _check_parameter(nsigmas, "ewma.nsigmas", math.isfinite(nsigmas) and nsigmas > 0, "positive")
    means, sizes = _check_means(means, sizes)
    _check_scale(sigma, center)

    # z_i = lam * x_i + (1 - lam) * z_{i-1} from z_0 = center, as a first-order
    # linear filter (the same recursion, evaluated in C).
    smoothed, _ = signal.lfilter([lam], [1.0, lam - 1.0], means, zi=[(1 - lam) * center])
    steps = np.arange(1, len(means) + 1)
    # 1 - (1-lam)^(2i) via expm1/log1p keeps its precision for small lam.
    growth = -np.expm1(2 * steps * math.log1p(-lam)) if lam < 1 else np.ones(len(means))
    half_width = nsigmas * sigma / np.sqrt(sizes) * np.sqrt(lam / (2 - lam) * growth)
    asymptotic = nsigmas * sigma / math.sqrt(float(sizes.mean())) * math.sqrt(lam / (2 - lam))
    panel = Panel(
        chart_type="ewma",
        center_line=center,
        lcl=center - asymptotic,
        ucl=center + asymptotic,
        values=smoothed,
        point_lcl=center - half_width,
        point_ucl=center + half_width,
    )
    return ChartResult(chart_type="ewma", main=panel, sigma=sigma)


def _check_means(means: np.ndarray, sizes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The subgroup means and sizes as float arrays, refused when there are
    none, a subgroup is empty or a mean is not finite (a missing or infinite
    measurement)."""
    means = np.asarray(means, dtype=float).ravel()
    sizes = np.asarray(sizes, dtype=float).ravel()
    if not means.size:
        raise InvalidParameter("there are no subgroups to chart", parameter="column")
    for problem, bad in (
        ("has no measurements", sizes < 1),
        ("has a missing or infinite measurement", ~np.isfinite(means)),
    ):
        hit = np.flatnonzero(bad)
        if hit.size:
            i = int(hit[0])
            raise InvalidParameter(
                f"subgroup {i + 1} {problem}", parameter="column", subgroup=i + 1
            )
    return means, sizes


def _check_parameter(value: float, name: str, ok: bool, expected: str) -> None:
    if not ok:
        raise InvalidParameter(
            f"{name} must be {expected}; got {value}",
            parameter=name,
            value=value,
        )


def _check_scale(sigma: float, center: float) -> None:
    if not math.isfinite(center):
        raise InsufficientData("the centre line is not finite", center_line=center)
    if not (math.isfinite(sigma) and sigma > 0):
        raise InsufficientData(
            "the process sigma is 0 or not finite: the data have no variation to scale the "
            "chart by",
            sigma=sigma,
        )
