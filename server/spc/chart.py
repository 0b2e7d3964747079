"""What every control chart computes: its panels, points, violations and
capability, and the request that asks for one.

A chart has a main panel (X-bar, I, p, np, c, u, CUSUM or EWMA) and, for the
variables charts, a secondary panel (R, S or MR). Points count from 1. Limits
may differ per point (p and u charts with varying sample sizes, EWMA), so each
point carries its own; the panel's ``lcl``/``ucl`` are the limits of a
constant-size subgroup (or the asymptotic EWMA limits).
"""

from __future__ import annotations

from dataclasses import dataclass, field

CHART_TYPES = (
    "xbar_r",
    "xbar_s",
    "i_mr",
    "p_chart",
    "np_chart",
    "c_chart",
    "u_chart",
    "cusum",
    "ewma",
)


@dataclass(frozen=True)
class SpecLimits:
    lsl: float | None = None
    usl: float | None = None
    target: float | None = None


@dataclass(frozen=True)
class ChartSpec:
    """A ControlChart request, with proto zeros turned into None."""

    chart_type: str
    column: str
    subgroup_size: int | None = None
    subgroup_column: str | None = None
    sample_size: int | None = None
    sample_size_column: str | None = None
    #: Limits estimated from the first N subgroups (Phase I), applied to all.
    phase_one_subgroups: int | None = None
    #: Or a boolean column marking the Phase I rows (the leading subgroups).
    phase_one_column: str | None = None
    #: Known process values used instead of Phase I estimates: the mean (or
    #: p, c, u of an attribute chart) and the sigma of one measurement.
    known_center: float | None = None
    known_sigma: float | None = None
    spec_limits: SpecLimits | None = None
    #: Rule names as requested (``nelson_1`` .. ``nelson_8``, ``western_electric``).
    rules: tuple[str, ...] = ()
    cusum_k: float | None = None
    cusum_h: float | None = None
    ewma_lambda: float | None = None
    ewma_nsigmas: float | None = None


@dataclass(frozen=True)
class Point:
    subgroup: int
    value: float
    lcl: float
    ucl: float
    out_of_control: bool = False
    #: CUSUM upper and lower cumulative sums.
    upper: float | None = None
    lower: float | None = None


@dataclass(frozen=True)
class Panel:
    chart_type: str
    center_line: float
    lcl: float
    ucl: float
    points: list[Point] = field(default_factory=list)


@dataclass(frozen=True)
class Violation:
    point: int
    value: float
    rule: str
    description: str


@dataclass(frozen=True)
class Capability:
    cp: float | None = None
    cpk: float | None = None
    cpl: float | None = None
    cpu: float | None = None
    pp: float | None = None
    ppk: float | None = None
    cpm: float | None = None
    ppm_total: float | None = None
    #: Normality of the data beside the indices: test name, statistic, p-value.
    normality_test: str = ""
    normality_statistic: float | None = None
    normality_p_value: float | None = None


@dataclass(frozen=True)
class ChartResult:
    chart_type: str
    main: Panel
    #: The process sigma the limits use (documented per chart).
    sigma: float
    secondary: Panel | None = None
    violations: list[Violation] = field(default_factory=list)
    capability: Capability | None = None
