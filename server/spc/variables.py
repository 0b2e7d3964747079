"""Variables control charts: X-bar/R, X-bar/S and individuals/moving range.

Subgroups
    A subgroup is a run of ``subgroup_size`` consecutive rows, or the rows
    sharing a value of a subgroup column, in order of first appearance (rows
    keep their file order inside a subgroup). Subgroups may differ in size,
    as in qcc: a subgroup column with unequal counts, or a last run shorter
    than ``subgroup_size``, is kept, and each point gets the limits of its
    own size. X-bar charts need at least two values in every subgroup (the
    range or standard deviation of one value says nothing about sigma); a
    subgroup of one is refused, naming it. Missing or infinite measurements
    (and missing subgroup keys) are refused with their row numbers rather
    than silently dropped: dropping them would move later rows into other
    subgroups.

Sigma (the within-subgroup standard deviation of one measurement)
    - X-bar/R: ``mean(R_i / d2(n_i))``, R-bar/d2 for equal sizes (qcc's
      default "UWAVE-R").
    - X-bar/S: ``mean(S_i / c4(n_i))``, S-bar/c4 for equal sizes (qcc's
      "UWAVE-SD"); S is the sample standard deviation, ddof=1.
    - I-MR: ``MR-bar / d2(2)``, MR-bar/1.128, the mean of the moving ranges
      of two consecutive values (qcc's "MR" for ``xbar.one``).

Limits (3 sigma, Montgomery chapter 6; equal to qcc's)
    - X-bar and I: centre line the mean of the Phase I measurements (the
      grand mean, each measurement weighted once); limits
      ``centre +/- 3 sigma / sqrt(n_i)``. For equal sizes these are
      ``X-double-bar +/- A2 R-bar`` and ``+/- A3 S-bar``.
    - R: centre ``d2(n_i) sigma``, limits ``(d2 -/+ 3 d3) sigma`` with the
      lower one floored at 0: ``D3 R-bar`` and ``D4 R-bar`` for equal sizes.
    - S: centre ``c4(n_i) sigma``, limits ``(c4 -/+ 3 sqrt(1 - c4^2)) sigma``
      floored at 0: ``B3 S-bar`` and ``B4 S-bar``.
    - MR: centre MR-bar, limits 0 and ``D4(2) MR-bar`` (3.267 MR-bar); the
      first point has no moving range, so the MR panel starts at point 2.

    The companion panel (R, S, MR) marks its points beyond their limits as
    out of control; the run rules the caller selects apply to the main panel
    (:mod:`.charts`).

    A panel's own ``center_line``/``lcl``/``ucl`` are those of the most
    common subgroup size of Phase I (the larger on a tie); each point carries
    the limits of its own size. For unequal sizes the R and S limits are
    Minitab's, centred on ``d2(n_i) sigma`` (``c4(n_i) sigma``) per point;
    qcc keeps one centre line, the size-weighted mean range, with
    ``+/- 3 d3(n_i) sigma`` around it. For equal sizes the two agree.

    qcc up to version 2.7 and its vignette use d2 rounded to three decimals
    (sigma 0.009785039 for the piston rings rather than 0.009785337); the
    constants here are exact (:mod:`.constants`), as in current qcc. Limits
    agree to the printed digits.

Phase I / Phase II
    With ``phase_one`` = N, the centre line and sigma come from the first N
    subgroups (for I-MR, the first N values and their N - 1 moving ranges)
    and are applied to every subgroup, as ``qcc(data[1:N], newdata=...)``
    does. Without it, all subgroups are Phase I. At least
    :data:`MIN_SUBGROUPS` Phase I subgroups are needed (INSUFFICIENT_DATA
    otherwise); Phase I data without any variation is refused too, since its
    limits would collapse onto the centre line.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from neurogate.server.errors import InsufficientData, InvalidParameter
from neurogate.server.spc import constants
from neurogate.server.spc.chart import ChartResult, Panel

#: The fewest Phase I subgroups (I-MR: values) that define a centre line and
#: a sigma. Montgomery recommends 20 to 25 for trustworthy limits.
MIN_SUBGROUPS = 2
#: Largest subgroup an X-bar chart accepts (the constants' table).
MAX_SUBGROUP_SIZE = constants.MAX_N
#: Width of the limits in sigmas.
NSIGMAS = 3.0


@dataclass(frozen=True)
class Known:
    """Known process values that replace Phase I estimates (None: estimate)."""

    center: float | None = None
    sigma: float | None = None


@dataclass(frozen=True)
class Subgroups:
    """Measurements grouped contiguously: subgroup ``i`` is
    ``values[starts[i]:starts[i] + sizes[i]]``."""

    values: np.ndarray
    starts: np.ndarray
    sizes: np.ndarray
    #: The subgroup labels (the subgroup column's values), for messages.
    labels: list[str] | None = None

    def __len__(self) -> int:
        return len(self.sizes)

    def head(self, count: int) -> Subgroups:
        """The first ``count`` subgroups."""
        end = int(self.starts[count - 1] + self.sizes[count - 1])
        return Subgroups(self.values[:end], self.starts[:count], self.sizes[:count], self.labels)

    def means(self) -> np.ndarray:
        return np.add.reduceat(self.values, self.starts) / self.sizes

    def ranges(self) -> np.ndarray:
        return np.maximum.reduceat(self.values, self.starts) - np.minimum.reduceat(
            self.values, self.starts
        )

    def std(self) -> np.ndarray:
        """Sample standard deviations, ddof=1 (subgroups of two or more)."""
        deviations = self.values - np.repeat(self.means(), self.sizes)
        squares = np.add.reduceat(deviations * deviations, self.starts)
        return np.sqrt(squares / (self.sizes - 1))

    def name(self, index: int) -> str:
        """Subgroup ``index`` (from 0) as a caller knows it."""
        if self.labels is not None:
            return f"subgroup {self.labels[index]!r}"
        return f"subgroup {index + 1}"


def _check_complete(values: pd.Series, parameter: str, *, finite: bool = False) -> None:
    """Refuses missing values (and, with ``finite``, infinite ones), naming
    their rows (counted from 1)."""
    bad = values.isna().to_numpy()
    if finite:
        bad = bad | ~np.isfinite(values.to_numpy(dtype="float64", na_value=np.nan))
    rows = (np.flatnonzero(bad) + 1).tolist()
    if rows:
        what = "missing or infinite" if finite else "missing"
        raise InvalidParameter(
            f"{parameter} {values.name!r} has {len(rows)} {what} value(s), first in row "
            f"{rows[0]}; control charts need every row",
            parameter=parameter,
            value=str(values.name),
            rows=rows,
            suggestion="drop or fill those rows first",
        )


def consecutive(values: pd.Series, size: int) -> Subgroups:
    """Runs of ``size`` consecutive rows; the last run may be shorter."""
    _check_complete(values, "column", finite=True)
    array = values.to_numpy(dtype="float64")
    starts = np.arange(0, len(array), size)
    sizes = np.minimum(size, len(array) - starts)
    return Subgroups(array, starts, sizes)


def by_key(values: pd.Series, keys: pd.Series) -> Subgroups:
    """The rows sharing a key, subgroups in order of first appearance."""
    _check_complete(values, "column", finite=True)
    _check_complete(keys, "subgroup_column")
    codes, uniques = pd.factorize(keys, sort=False)
    order = np.argsort(codes, kind="stable")
    sizes = np.bincount(codes, minlength=len(uniques))
    starts = np.concatenate(([0], np.cumsum(sizes)[:-1])).astype(np.int64)
    array = values.to_numpy(dtype="float64")[order]
    return Subgroups(array, starts, sizes, [str(u) for u in uniques])


def _phase_one_count(total: int, phase_one: int | None, unit: str) -> int:
    """How many subgroups (values) estimate the limits: ``phase_one`` or all."""
    count = total if phase_one is None else phase_one
    if count > total:
        raise InvalidParameter(
            f"phase_one_subgroups is {phase_one} but the data hold {total} {unit}",
            parameter="phase_one_subgroups",
            value=phase_one,
            valid_range=[MIN_SUBGROUPS, total],
        )
    if count < MIN_SUBGROUPS:
        raise InsufficientData(
            f"{count} {unit} cannot estimate control limits; at least {MIN_SUBGROUPS} are "
            "needed (20 to 25 give trustworthy limits)",
            parameter="phase_one_subgroups" if phase_one is not None else "column",
            value=count,
            minimum=MIN_SUBGROUPS,
        )
    return count


def _phase_one(groups: Subgroups, phase_one: int | None, unit: str) -> Subgroups:
    return groups.head(_phase_one_count(len(groups), phase_one, unit))


def _check_subgroup_sizes(groups: Subgroups, chart: str) -> None:
    small = np.flatnonzero(groups.sizes < 2)
    if len(small):
        raise InvalidParameter(
            f"{groups.name(int(small[0]))} holds a single value; {chart} needs at least 2 "
            "values per subgroup",
            parameter="subgroup_column" if groups.labels is not None else "subgroup_size",
            value=groups.labels[small[0]] if groups.labels is not None else int(small[0]) + 1,
            suggestion="use i_mr for individual values",
        )
    if groups.sizes.max() > MAX_SUBGROUP_SIZE:
        large = int(np.argmax(groups.sizes))
        raise InvalidParameter(
            f"{groups.name(large)} holds {int(groups.sizes[large])} values; subgroups of at "
            f"most {MAX_SUBGROUP_SIZE} are supported",
            parameter="subgroup_column" if groups.labels is not None else "subgroup_size",
            value=int(groups.sizes[large]),
            valid_range=[2, MAX_SUBGROUP_SIZE],
        )


def _by_size(function, sizes: np.ndarray) -> np.ndarray:
    """``function(n)`` for each entry of ``sizes``, computed once per size."""
    if len(sizes) and np.all(sizes == sizes[0]):
        return np.full(len(sizes), function(int(sizes[0])), dtype=float)
    unique, inverse = np.unique(sizes, return_inverse=True)
    return np.array([function(int(n)) for n in unique])[inverse]


def _reference_size(sizes: np.ndarray) -> int:
    """The most common size, the larger on a tie."""
    unique, counts = np.unique(sizes, return_counts=True)
    return int(unique[counts == counts.max()].max())


def _check_variation(sigma: float, what: str) -> None:
    if not sigma > 0:
        raise InsufficientData(
            f"the Phase I data show no variation ({what} are all 0); the control limits "
            "would collapse onto the centre line",
            parameter="column",
        )


def _beyond(values: np.ndarray, lcl: np.ndarray | float, ucl: np.ndarray | float) -> np.ndarray:
    """The points beyond their limits: a companion panel flags them itself
    (the run rules flag the main panel)."""
    return (values > ucl) | (values < lcl)


def within_sigma_r(groups: Subgroups) -> float:
    """``mean(R_i / d2(n_i))``: R-bar/d2 for equal subgroup sizes."""
    return float(np.mean(groups.ranges() / _by_size(constants.d2, groups.sizes)))


def within_sigma_s(groups: Subgroups) -> float:
    """``mean(S_i / c4(n_i))``: S-bar/c4 for equal subgroup sizes."""
    return float(np.mean(groups.std() / _by_size(constants.c4, groups.sizes)))


def within_sigma_mr(values: np.ndarray) -> float:
    """MR-bar / d2(2), the moving ranges of consecutive values."""
    return float(np.mean(np.abs(np.diff(values))) / constants.d2(2))


def _xbar_panel(groups: Subgroups, center: float, sigma: float, reference: int) -> Panel:
    spread = NSIGMAS * sigma / np.sqrt(groups.sizes)
    return Panel(
        chart_type="xbar",
        center_line=center,
        lcl=float(center - NSIGMAS * sigma / np.sqrt(reference)),
        ucl=float(center + NSIGMAS * sigma / np.sqrt(reference)),
        values=groups.means(),
        point_lcl=center - spread,
        point_ucl=center + spread,
    )


def _spread_panel(
    chart_type: str, values: np.ndarray, sizes: np.ndarray, sigma: float, reference: int
) -> Panel:
    """The R or S panel: centre ``m(n) sigma``, limits ``(m -/+ 3 s(n)) sigma``
    floored at 0, where m and s are the mean and sd of the statistic over sigma."""
    if chart_type == "r":
        mean, spread = constants.d2, constants.d3
    else:
        mean = constants.c4

        def spread(n: int) -> float:
            return float(np.sqrt(1.0 - constants.c4(n) ** 2))

    def limits(n: np.ndarray | int) -> tuple[np.ndarray, np.ndarray]:
        m = _by_size(mean, np.atleast_1d(n))
        s = _by_size(spread, np.atleast_1d(n))
        return np.maximum(0.0, (m - NSIGMAS * s) * sigma), (m + NSIGMAS * s) * sigma

    lcl, ucl = limits(sizes)
    ref_lcl, ref_ucl = limits(reference)
    return Panel(
        chart_type=chart_type,
        center_line=float(mean(reference) * sigma),
        lcl=float(ref_lcl[0]),
        ucl=float(ref_ucl[0]),
        values=values,
        point_lcl=lcl,
        point_ucl=ucl,
        out_of_control=_beyond(values, lcl, ucl),
    )


def xbar_chart(
    groups: Subgroups,
    chart_type: str,
    phase_one: int | None = None,
    known: Known = Known(),
) -> ChartResult:
    """An X-bar chart with its R (``xbar_r``) or S (``xbar_s``) companion;
    ``known`` values replace the Phase I estimates."""
    _check_subgroup_sizes(groups, "an X-bar chart")
    base = _phase_one(groups, phase_one, "subgroups")
    if chart_type == "xbar_r":
        secondary_type, statistic = "r", groups.ranges()
        sigma = known.sigma or within_sigma_r(base)
        _check_variation(sigma, "the subgroup ranges")
    else:
        secondary_type, statistic = "s", groups.std()
        sigma = known.sigma or within_sigma_s(base)
        _check_variation(sigma, "the subgroup standard deviations")
    center = float(np.mean(base.values)) if known.center is None else known.center
    reference = _reference_size(base.sizes)
    equal = bool(np.all(base.sizes == reference))
    secondary = _spread_panel(secondary_type, statistic, groups.sizes, sigma, reference)
    if equal and known.sigma is None:
        # R-bar (S-bar) itself rather than sigma * d2 (c4), one rounding fewer.
        bar = float(np.mean(statistic[: len(base)]))
        secondary = replace(secondary, center_line=bar)
    return ChartResult(
        chart_type=chart_type,
        main=_xbar_panel(groups, center, sigma, reference),
        sigma=sigma,
        secondary=secondary,
    )


def individuals_chart(
    values: np.ndarray, phase_one: int | None = None, known: Known = Known()
) -> ChartResult:
    """An individuals chart with its moving range companion (``i_mr``);
    ``known`` values replace the Phase I estimates (a known sigma centres
    the MR chart on d2(2) sigma)."""
    count = _phase_one_count(len(values), phase_one, "values")
    base = values[:count]
    moving = np.abs(np.diff(values))
    if known.sigma is None:
        mr_bar = float(np.mean(moving[: count - 1]))
        sigma = mr_bar / constants.d2(2)
    else:
        sigma = known.sigma
        mr_bar = sigma * constants.d2(2)
    _check_variation(sigma, "the moving ranges")
    center = float(np.mean(base)) if known.center is None else known.center
    lcl, ucl = center - NSIGMAS * sigma, center + NSIGMAS * sigma
    mr_ucl = mr_bar * constants.D4(2)
    return ChartResult(
        chart_type="i_mr",
        main=Panel("i", center, lcl, ucl, values, lcl, ucl),
        sigma=sigma,
        secondary=Panel(
            "mr",
            mr_bar,
            0.0,
            mr_ucl,
            moving,
            0.0,
            mr_ucl,
            out_of_control=_beyond(moving, 0.0, mr_ucl),
            first=2,
        ),
    )


def process_estimates(
    groups: Subgroups, phase_one: int | None = None, known: Known = Known()
) -> tuple[float, float]:
    """The process mean and the sigma of one measurement from Phase I, for
    CUSUM and EWMA: R-bar/d2 for subgroups (all of two or more values),
    MR-bar/d2(2) for individual values (all subgroups of one); ``known``
    values win."""
    if known.center is not None and known.sigma is not None:
        return known.center, known.sigma
    if np.all(groups.sizes == 1):
        base = _phase_one(groups, phase_one, "values")
        sigma = within_sigma_mr(base.values)
        _check_variation(sigma, "the moving ranges")
    else:
        _check_subgroup_sizes(groups, "a CUSUM or EWMA chart of subgroup means")
        base = _phase_one(groups, phase_one, "subgroups")
        sigma = within_sigma_r(base)
        _check_variation(sigma, "the subgroup ranges")
    center = float(np.mean(base.values)) if known.center is None else known.center
    return center, known.sigma or sigma
