"""Process capability against specification limits, beside a normality check.

The indices compare the spread of the process with the width of the
specification, as qcc's ``process.capability`` and Montgomery (chapter 8) do.
``mu`` is the chart's centre line (the mean of the Phase I measurements), and
every index describes the Phase I data, the data the limits come from:

- within sigma (the chart's sigma: R-bar/d2, S-bar/c4 or MR-bar/d2(2)):
  ``Cp = (USL - LSL) / 6 sigma``, ``Cpu = (USL - mu) / 3 sigma``,
  ``Cpl = (mu - LSL) / 3 sigma``, ``Cpk = min(Cpu, Cpl)``;
- overall sigma, the sample standard deviation of the Phase I measurements
  (ddof=1): ``Pp`` and ``Ppk``, the same formulas;
- ``Cpm = (USL - LSL) / 6 sqrt(sigma^2 + (mu - T)^2)`` with the within sigma
  (qcc's definition; Minitab uses the overall sigma), the target ``T``
  defaulting to the midpoint of the limits;
- expected PPM out of specification: ``1e6 * (Phi((LSL - mu) / sigma) +
  1 - Phi((USL - mu) / sigma))`` with the within sigma, the normal model the
  indices assume (qcc's "Exp<LSL" plus "Exp>USL").

One-sided specifications give the indices that exist: only ``usl`` gives Cpu,
Cpk = Cpu, Ppk and PPM above; only ``lsl`` the lower ones. Cp, Pp and Cpm
need both limits.

The indices are only meaningful for roughly normal data, so a normality test
of the same measurements is reported beside them: Shapiro-Wilk for 3 to
:data:`SHAPIRO_MAX` values (SciPy's p-value is an approximation beyond that),
Anderson-Darling with estimated mean and variance above it
(:func:`statsmodels.stats.diagnostic.normal_ad`, which gives a p-value).
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats
from statsmodels.stats.diagnostic import normal_ad

from neurogate.server.errors import InsufficientData, InvalidParameter
from neurogate.server.spc.chart import Capability, SpecLimits

#: Largest sample Shapiro-Wilk is used for; Anderson-Darling above.
SHAPIRO_MAX = 5000
SHAPIRO = "shapiro_wilk"
ANDERSON = "anderson_darling"


def check_spec_limits(limits: SpecLimits) -> None:
    """Refuses specification limits no index can use: none given, not
    finite, or ``lsl`` not below ``usl``."""
    for name in ("lsl", "usl", "target"):
        value = getattr(limits, name)
        if value is not None and not math.isfinite(value):
            raise InvalidParameter(
                f"spec_limits.{name} must be a finite number",
                parameter=f"spec_limits.{name}",
                value=str(value),
            )
    if limits.lsl is None and limits.usl is None:
        raise InvalidParameter(
            "spec_limits needs lsl, usl or both",
            parameter="spec_limits",
            suggestion="give lsl and usl for two-sided capability indices",
        )
    if limits.lsl is not None and limits.usl is not None and limits.lsl >= limits.usl:
        raise InvalidParameter(
            f"spec_limits.lsl ({limits.lsl}) must be below spec_limits.usl ({limits.usl})",
            parameter="spec_limits.lsl",
            value=limits.lsl,
            usl=limits.usl,
        )


def _normality(values: np.ndarray) -> tuple[str, float | None, float | None]:
    if len(values) < 3:
        return "", None, None
    if len(values) <= SHAPIRO_MAX:
        result = stats.shapiro(values)
        return SHAPIRO, float(result.statistic), float(result.pvalue)
    statistic, p_value = normal_ad(values)
    return ANDERSON, float(statistic), float(p_value)


def capability(
    values: np.ndarray, center: float, sigma_within: float, limits: SpecLimits
) -> Capability:
    """The capability indices of ``values`` (the Phase I measurements) with
    mean ``center`` and within sigma ``sigma_within``."""
    check_spec_limits(limits)
    if len(values) < 2:
        raise InsufficientData(
            "capability needs at least 2 measurements", parameter="column", value=len(values)
        )
    sigma_overall = float(np.std(values, ddof=1))
    if not (sigma_within > 0 and sigma_overall > 0):
        raise InsufficientData(
            "the measurements show no variation; capability indices are undefined",
            parameter="column",
        )
    lsl, usl = limits.lsl, limits.usl

    def upper(sigma: float) -> float | None:
        return None if usl is None else (usl - center) / (3.0 * sigma)

    def lower(sigma: float) -> float | None:
        return None if lsl is None else (center - lsl) / (3.0 * sigma)

    def smaller(*indices: float | None) -> float:
        return min(index for index in indices if index is not None)

    two_sided = lsl is not None and usl is not None
    cp = pp = cpm = None
    if two_sided:
        cp = (usl - lsl) / (6.0 * sigma_within)
        pp = (usl - lsl) / (6.0 * sigma_overall)
        target = limits.target if limits.target is not None else (lsl + usl) / 2.0
        cpm = (usl - lsl) / (6.0 * math.sqrt(sigma_within**2 + (center - target) ** 2))
    below = 0.0 if lsl is None else float(stats.norm.cdf((lsl - center) / sigma_within))
    above = 0.0 if usl is None else float(stats.norm.sf((usl - center) / sigma_within))
    test, statistic, p_value = _normality(values)
    return Capability(
        cp=cp,
        cpk=smaller(upper(sigma_within), lower(sigma_within)),
        cpl=lower(sigma_within),
        cpu=upper(sigma_within),
        pp=pp,
        ppk=smaller(upper(sigma_overall), lower(sigma_overall)),
        cpm=cpm,
        ppm_total=1e6 * (below + above),
        normality_test=test,
        normality_statistic=statistic,
        normality_p_value=p_value,
    )
