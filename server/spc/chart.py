"""What every control chart computes: its panels, points, violations and
capability, and the request that asks for one.

A chart has a main panel (X-bar, I, p, np, c, u, CUSUM or EWMA) and, for the
variables charts, a secondary panel (R, S or MR). Points count from 1. Limits
may differ per point (p and u charts with varying sample sizes, EWMA), so each
point carries its own; the panel's ``lcl``/``ucl`` are the limits of a
constant-size subgroup (or the asymptotic EWMA limits).

A panel holds its points as NumPy arrays, one per attribute: a chart of a
million measurements is a million points, which as Python objects would cost
seconds to build and convert. :attr:`Panel.points` gives them as
:class:`Point` objects where that is convenient (small charts, tests).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace

import numpy as np

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


@dataclass(frozen=True, eq=False)
class Panel:
    """A panel's centre line and limits, and its points as arrays of equal
    length: ``values``, the per-point limits (a scalar is broadcast),
    ``out_of_control`` (all False when not given) and, for the CUSUM, the
    ``upper`` and ``lower`` sums. Point ``i`` (from 0) is numbered
    ``first + i``."""

    chart_type: str
    center_line: float
    lcl: float
    ucl: float
    values: np.ndarray
    point_lcl: np.ndarray | float
    point_ucl: np.ndarray | float
    out_of_control: np.ndarray | None = None
    #: The number of the first point: 1, or 2 for a moving-range panel.
    first: int = 1
    upper: np.ndarray | None = None
    lower: np.ndarray | None = None

    def __post_init__(self) -> None:
        values = np.ascontiguousarray(self.values, dtype=float)
        shape = values.shape
        flags = np.zeros(shape, bool) if self.out_of_control is None else self.out_of_control
        arrays = {
            "values": values,
            "point_lcl": np.broadcast_to(np.asarray(self.point_lcl, dtype=float), shape),
            "point_ucl": np.broadcast_to(np.asarray(self.point_ucl, dtype=float), shape),
            "out_of_control": np.asarray(flags, dtype=bool),
        }
        if self.out_of_control is not None and arrays["out_of_control"].shape != shape:
            raise ValueError("out_of_control must have one flag per value")
        for name, array in arrays.items():
            object.__setattr__(self, name, array)

    def __eq__(self, other: object) -> bool:
        """Equal panels have the same lines and the same points, exactly."""
        if not isinstance(other, Panel):
            return NotImplemented
        return all(
            np.array_equal(mine, theirs) if isinstance(mine, np.ndarray) else mine == theirs
            for mine, theirs in (
                (getattr(self, f.name), getattr(other, f.name)) for f in fields(self)
            )
        )

    __hash__ = None  # type: ignore[assignment]  # arrays: not hashable

    def __len__(self) -> int:
        return len(self.values)

    @property
    def numbers(self) -> np.ndarray:
        """Each point's number."""
        return np.arange(self.first, self.first + len(self.values))

    @property
    def points(self) -> list[Point]:
        """The points as objects (builds one per point: for small charts)."""
        sums = (
            zip(self.upper.tolist(), self.lower.tolist(), strict=True)
            if self.upper is not None and self.lower is not None
            else ((None, None) for _ in range(len(self.values)))
        )
        columns = zip(
            self.numbers.tolist(),
            self.values.tolist(),
            self.point_lcl.tolist(),
            self.point_ucl.tolist(),
            self.out_of_control.tolist(),
            sums,
            strict=True,
        )
        return [
            Point(number, value, lcl, ucl, flag, upper, lower)
            for number, value, lcl, ucl, flag, (upper, lower) in columns
        ]

    def flag(self, mask: np.ndarray) -> Panel:
        """This panel with the points of ``mask`` out of control as well."""
        return replace(self, out_of_control=self.out_of_control | mask)


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
