"""Time-weighted control charts: the tabular CUSUM and the EWMA, as R's qcc
computes them (``cusum()`` and ``ewma()``).

Both chart the subgroup means ``x̄_i`` of ``groups`` (single measurements for
individuals) against a given ``center`` and process ``sigma`` (the standard
deviation of one measurement; the caller estimates both from the Phase I
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
from neurogate.server.spc.chart import ChartResult, Panel, Point, Violation

#: The rule name of a CUSUM decision-interval crossing.
CUSUM_RULE = "cusum"


def cusum_chart(
    groups: list[np.ndarray], sigma: float, center: float, k: float, h: float
) -> ChartResult:
    """The tabular CUSUM of the subgroup means, in standard-error units."""
    _check_parameter(k, "cusum.k", math.isfinite(k) and k >= 0, "at least 0")
    _check_parameter(h, "cusum.h", math.isfinite(h) and h > 0, "positive")
    means, sizes = _means(groups)
    _check_scale(sigma, center)

    z = (means - center) / (sigma / np.sqrt(sizes))
    upper = np.empty_like(z)
    lower = np.empty_like(z)
    up = down = 0.0
    # A recursion with a floor at 0 on each step: no closed vectorised form.
    for i, zi in enumerate(z.tolist()):
        up = max(0.0, up + zi - k)
        down = max(0.0, down - zi - k)
        upper[i] = up
        lower[i] = -down

    points: list[Point] = []
    violations: list[Violation] = []
    for i, (hi, lo) in enumerate(zip(upper.tolist(), lower.tolist(), strict=True)):
        crossed = hi > h or lo < -h
        value = hi if hi >= -lo else lo
        points.append(
            Point(
                subgroup=i + 1,
                value=value,
                lcl=-h,
                ucl=h,
                out_of_control=crossed,
                upper=hi,
                lower=lo,
            )
        )
        for side, total, beyond in (("upper", hi, hi > h), ("lower", lo, lo < -h)):
            if beyond:
                violations.append(
                    Violation(
                        point=i + 1,
                        value=total,
                        rule=CUSUM_RULE,
                        description=(
                            f"the {side} cumulative sum ({total:.4g}) is beyond the decision "
                            f"interval of ±{h:g} standard errors"
                        ),
                    )
                )
    panel = Panel(chart_type="cusum", center_line=0.0, lcl=-h, ucl=h, points=points)
    return ChartResult(chart_type="cusum", main=panel, sigma=sigma, violations=violations)


def ewma_chart(
    groups: list[np.ndarray], sigma: float, center: float, lam: float, nsigmas: float
) -> ChartResult:
    """The EWMA of the subgroup means with its exact time-varying limits."""
    _check_parameter(lam, "ewma.lambda", math.isfinite(lam) and 0 < lam <= 1, "in (0, 1]")
    _check_parameter(nsigmas, "ewma.nsigmas", math.isfinite(nsigmas) and nsigmas > 0, "positive")
    means, sizes = _means(groups)
    _check_scale(sigma, center)

    # z_i = lam * x_i + (1 - lam) * z_{i-1} from z_0 = center, as a first-order
    # linear filter (the same recursion, evaluated in C).
    smoothed, _ = signal.lfilter([lam], [1.0, lam - 1.0], means, zi=[(1 - lam) * center])
    steps = np.arange(1, len(means) + 1)
    # 1 - (1-lam)^(2i) via expm1/log1p keeps its precision for small lam.
    growth = -np.expm1(2 * steps * math.log1p(-lam)) if lam < 1 else np.ones(len(means))
    half_width = nsigmas * sigma / np.sqrt(sizes) * np.sqrt(lam / (2 - lam) * growth)
    lcl = center - half_width
    ucl = center + half_width

    points = [
        Point(subgroup=i + 1, value=float(v), lcl=float(lo), ucl=float(hi))
        for i, (v, lo, hi) in enumerate(zip(smoothed, lcl, ucl, strict=True))
    ]
    asymptotic = nsigmas * sigma / math.sqrt(float(sizes.mean())) * math.sqrt(lam / (2 - lam))
    panel = Panel(
        chart_type="ewma",
        center_line=center,
        lcl=center - asymptotic,
        ucl=center + asymptotic,
        points=points,
    )
    return ChartResult(chart_type="ewma", main=panel, sigma=sigma)


def _means(groups: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """The mean and size of each subgroup, checked (one pass over all values:
    a chart of a million measurements has a quarter of a million subgroups)."""
    if not groups:
        raise InvalidParameter("there are no subgroups to chart", parameter="column")
    arrays = [np.asarray(group, dtype=float).ravel() for group in groups]
    sizes = np.fromiter((a.size for a in arrays), dtype=np.int64, count=len(arrays))
    empty = np.flatnonzero(sizes == 0)
    if empty.size:
        i = int(empty[0])
        raise InvalidParameter(
            f"subgroup {i + 1} has no measurements", parameter="column", subgroup=i + 1
        )
    values = np.concatenate(arrays)
    bad = np.flatnonzero(~np.isfinite(values))
    if bad.size:
        i = int(np.searchsorted(np.cumsum(sizes), bad[0], side="right"))
        raise InvalidParameter(
            f"subgroup {i + 1} has a missing or infinite measurement",
            parameter="column",
            subgroup=i + 1,
        )
    starts = np.concatenate(([0], np.cumsum(sizes)[:-1]))
    means = np.add.reduceat(values, starts) / sizes
    return means, sizes.astype(float)


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
