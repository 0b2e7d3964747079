"""Attribute control charts: p, np, c and u, with limits as Montgomery and
R's qcc compute them.

The charts and what each plots:

- **p chart**: the fraction defective ``D_i / n_i`` of each subgroup, centre
  ``p̄ = ΣD / Σn`` (pooled over the Phase I subgroups, not the mean of the
  fractions), limits ``p̄ ± 3·sqrt(p̄(1-p̄)/n_i)``.
- **np chart**: the number defective ``D_i``, centre ``n·p̄``, limits
  ``n·p̄ ± 3·sqrt(n·p̄(1-p̄))``. It needs one sample size for every subgroup
  (a varying size makes the plotted counts incomparable; use the p chart).
- **c chart**: the number of defects ``c_i`` per inspection unit, centre
  ``c̄`` (the mean count), limits ``c̄ ± 3·sqrt(c̄)``. Sample sizes play no part;
  if given they must be constant (a varying size needs the u chart).
- **u chart**: defects per unit ``c_i / n_i``, centre ``ū = Σc / Σn``, limits
  ``ū ± 3·sqrt(ū/n_i)``.

Choices made here:

- **Per-point limits.** With varying sample sizes the p and u limits differ
  per point (each point carries its own); the panel's ``lcl``/``ucl``
  are the limits at the **average Phase I sample size** ``n̄``, the
  "average sample size" limits of Montgomery, for the summary line.
- **Lower limits are floored at 0** (as qcc): a negative count or fraction
  cannot occur. The upper limits are **not** capped at 1 (p) or ``n`` (np) as
  qcc caps them: no point can exceed 1 or ``n``, so a cap never changes a
  flag, and leaving the upper limit at ``centre + 3 sigma`` keeps the run rules'
  sigma zones, ``(ucl - centre) / 3`` (:mod:`.rules`), exact.
- **sigma** reported in :class:`ChartResult` is the standard deviation of
  the charted statistic at the average Phase I sample size (qcc's
  ``std.dev`` for a constant size), so the panel limits are ``centre ± 3 sigma``
  before flooring: p ``sqrt(p̄(1-p̄)/n̄)``, np ``sqrt(n·p̄(1-p̄))``,
  c ``sqrt(c̄)``, u ``sqrt(ū/n̄)``.
- **Phase I.** The centre comes from the first ``phase_one`` subgroups (all
  when None) and the limits are applied to every subgroup.

Refusals (raised before anything is computed):

- counts that are missing, infinite, negative or **not whole numbers**
  (defectives and defects are counted; a fractional count means the wrong
  column was chosen) -- INVALID_PARAMETER naming ``column``;
- p, np and u charts without sample sizes, sample sizes that are missing or
  below 1; p and np sample sizes must be whole numbers, u sizes may be
  fractional inspection units (Montgomery's "units of 50 m² of cloth") but
  not below 1 -- INVALID_PARAMETER naming ``sample_size``;
- counts above their sample sizes (p, np) -- INVALID_PARAMETER;
- a varying sample size for the np or c chart -- INVALID_PARAMETER;
- fewer than :data:`MIN_SUBGROUPS` subgroups to estimate the limits from --
  INSUFFICIENT_DATA;
- a Phase I without a single defective (p̄ = 0), or with only defectives
  (p̄ = 1), or without a single defect (c̄ = 0, ū = 0): sigma is 0, the limits
  collapse onto the centre and every later defect would be "out of control",
  so the limits cannot be estimated -- INSUFFICIENT_DATA.
"""

from __future__ import annotations

import math

import numpy as np

from neurogate.server.errors import InsufficientData, InvalidParameter
from neurogate.server.spc.chart import ChartResult, Panel

ATTRIBUTE_CHARTS = ("p_chart", "np_chart", "c_chart", "u_chart")

#: Fewest subgroups the centre line is estimated from: one subgroup would set
#: limits from a single sample. (Montgomery recommends 20 to 25 for a Phase I
#: study; refusing fewer would refuse small but legitimate charts.)
MIN_SUBGROUPS = 2

#: Width of the limits in sigmas (Shewhart's three).
NSIGMAS = 3.0

#: Charts whose counts cannot exceed the sample size (they count defectives).
_DEFECTIVES = ("p_chart", "np_chart")


def attribute_chart(
    chart_type: str,
    counts: np.ndarray,
    sizes: np.ndarray | None,
    phase_one: int | None,
    known_center: float | None = None,
) -> ChartResult:
    """The p, np, c or u chart of ``counts`` per subgroup.

    ``counts`` are defectives (p, np) or defects (c, u) per subgroup,
    ``sizes`` the sample size of each subgroup (None for the c chart).
    Limits are estimated from the first ``phase_one`` subgroups (all when
    None) and applied to all, or come from ``known_center``: a known p (p
    and np charts), c or u. Points are not flagged here: the run rules
    (:func:`.rules.apply_rules`) do that.
    """
    if chart_type not in ATTRIBUTE_CHARTS:
        raise InvalidParameter(
            f"{chart_type!r} is not an attribute chart",
            parameter="chart_type",
            value=chart_type,
            valid_choices=list(ATTRIBUTE_CHARTS),
        )
    counts = _counts(counts)
    sizes = _sizes(chart_type, sizes, len(counts))
    if chart_type in _DEFECTIVES:
        _check_counts_within_sizes(counts, sizes)
    n_base = _phase_one(phase_one, len(counts))

    base_counts, base_sizes = counts[:n_base], sizes[:n_base]
    n_bar = float(base_sizes.mean())
    if chart_type == "c_chart":
        center = float(base_counts.mean()) if known_center is None else known_center
        _require_variation(center > 0, chart_type, "no defects", center)
        sigma = math.sqrt(center)
        values = counts
        half_width = np.full(len(counts), NSIGMAS * sigma)
    elif chart_type == "u_chart":
        center = (
            float(base_counts.sum() / base_sizes.sum()) if known_center is None else known_center
        )
        _require_variation(center > 0, chart_type, "no defects", center)
        sigma = math.sqrt(center / n_bar)
        values = counts / sizes
        half_width = NSIGMAS * np.sqrt(center / sizes)
    else:
        p_bar = (
            float(base_counts.sum() / base_sizes.sum()) if known_center is None else known_center
        )
        _require_variation(p_bar > 0, chart_type, "no defectives", p_bar)
        _require_variation(p_bar < 1, chart_type, "only defectives", p_bar)
        if chart_type == "p_chart":
            center = p_bar
            sigma = math.sqrt(p_bar * (1 - p_bar) / n_bar)
            values = counts / sizes
            half_width = NSIGMAS * np.sqrt(p_bar * (1 - p_bar) / sizes)
        else:  # np_chart: one sample size throughout (checked in _sizes)
            center = n_bar * p_bar
            sigma = math.sqrt(n_bar * p_bar * (1 - p_bar))
            values = counts
            half_width = np.full(len(counts), NSIGMAS * sigma)

    lcl = np.maximum(center - half_width, 0.0)
    ucl = center + half_width
    panel = Panel(
        chart_type=chart_type,
        center_line=center,
        lcl=max(center - NSIGMAS * sigma, 0.0),
        ucl=center + NSIGMAS * sigma,
        values=values,
        point_lcl=lcl,
        point_ucl=ucl,
    )
    return ChartResult(chart_type=chart_type, main=panel, sigma=sigma)


def _counts(counts: np.ndarray) -> np.ndarray:
    counts = np.asarray(counts, dtype=float).ravel()
    for problem, bad in (
        ("is missing or not finite", ~np.isfinite(counts)),
        ("is negative", counts < 0),
        ("is not a whole number", np.floor(counts) != counts),
    ):
        hit = np.flatnonzero(bad)
        if hit.size:
            i = int(hit[0])
            raise InvalidParameter(
                f"the count of subgroup {i + 1} {problem}: counts of defectives or defects "
                "are whole numbers from 0",
                parameter="column",
                subgroup=i + 1,
                value=float(counts[i]),
                bad_subgroups=int(hit.size),
            )
    return counts


def _sizes(chart_type: str, sizes: np.ndarray | None, n: int) -> np.ndarray:
    if sizes is None:
        if chart_type == "c_chart":
            return np.ones(n)
        raise InvalidParameter(
            f"a {chart_type} needs the sample size of each subgroup",
            parameter="sample_size",
            chart_type=chart_type,
        )
    sizes = np.asarray(sizes, dtype=float).ravel()
    if sizes.shape != (n,):
        raise InvalidParameter(
            f"{len(sizes)} sample sizes for {n} subgroups",
            parameter="sample_size",
            value=len(sizes),
            subgroups=n,
        )
    checks = [
        ("is missing or not finite", ~np.isfinite(sizes)),
        ("is below 1", sizes < 1),
    ]
    if chart_type in _DEFECTIVES:
        checks.append(("is not a whole number", np.floor(sizes) != sizes))
    for problem, bad in checks:
        hit = np.flatnonzero(bad)
        if hit.size:
            i = int(hit[0])
            raise InvalidParameter(
                f"the sample size of subgroup {i + 1} {problem}",
                parameter="sample_size",
                subgroup=i + 1,
                value=float(sizes[i]),
                bad_subgroups=int(hit.size),
            )
    if chart_type in ("np_chart", "c_chart") and np.any(sizes != sizes[0]):
        i = int(np.flatnonzero(sizes != sizes[0])[0])
        better = "p_chart" if chart_type == "np_chart" else "u_chart"
        raise InvalidParameter(
            f"a {chart_type} needs one sample size for every subgroup; subgroup {i + 1} has "
            f"{sizes[i]:g} where subgroup 1 has {sizes[0]:g}. Use a {better} for varying sizes",
            parameter="sample_size",
            subgroup=i + 1,
            value=float(sizes[i]),
            suggestion=better,
        )
    return sizes


def _check_counts_within_sizes(counts: np.ndarray, sizes: np.ndarray) -> None:
    hit = np.flatnonzero(counts > sizes)
    if hit.size:
        i = int(hit[0])
        raise InvalidParameter(
            f"subgroup {i + 1} has {counts[i]:g} defectives in a sample of {sizes[i]:g}",
            parameter="column",
            subgroup=i + 1,
            value=float(counts[i]),
            sample_size=float(sizes[i]),
            bad_subgroups=int(hit.size),
        )


def _phase_one(phase_one: int | None, n: int) -> int:
    if phase_one is not None and not 1 <= phase_one <= n:
        raise InvalidParameter(
            f"phase_one_subgroups must be between 1 and the {n} subgroups of the data",
            parameter="phase_one_subgroups",
            value=phase_one,
            subgroups=n,
        )
    n_base = n if phase_one is None else phase_one
    if n_base < MIN_SUBGROUPS:
        raise InsufficientData(
            f"limits need at least {MIN_SUBGROUPS} subgroups to be estimated from; got {n_base}",
            parameter="phase_one_subgroups" if phase_one is not None else "column",
            subgroups=n_base,
            minimum=MIN_SUBGROUPS,
        )
    return n_base


def _require_variation(ok: bool, chart_type: str, what: str, center: float) -> None:
    if not ok:
        raise InsufficientData(
            f"the Phase I subgroups of this {chart_type} have {what}: sigma is 0 and the "
            "limits would collapse onto the centre line, so they cannot be estimated",
            parameter="column",
            center_line=center,
        )
