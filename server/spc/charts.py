"""One control chart of a table's column: the request checked, the data
subgrouped, the chart computed by its module, then run rules and capability.

- Variables charts (:mod:`.variables`): ``xbar_r`` and ``xbar_s`` need
  ``subgroup_size`` (2 or more) or ``subgroup_column``; ``i_mr`` charts
  individual values (``subgroup_size`` absent or 1).
- Attribute charts (:mod:`.attributes`): each row is a subgroup, ``column``
  its count, with ``sample_size`` or ``sample_size_column`` (p, np and u; a
  c chart takes them only if constant).
- Time-weighted charts (:mod:`.timeweighted`): ``cusum`` and ``ewma`` chart
  individual values or subgroup means; the process mean and sigma come from
  the Phase I data here (:func:`.variables.process_estimates`: R-bar/d2 for
  subgroups, MR-bar/d2(2) for individual values). Defaults follow qcc:
  CUSUM ``k`` = 0.5 and ``h`` = 5 (standard errors of the subgroup mean),
  EWMA ``lambda`` = 0.2 and ``nsigmas`` = 3.

Run rules (:func:`.rules.apply_rules`) flag the main panel of every chart but
the CUSUM, whose decision interval is its own rule (asking for run rules on a
CUSUM is refused). The companion panel (R, S or MR) marks points beyond its
own limits as out of control (:mod:`.variables`); the violations listed are
the main panel's, so their ``point`` numbers index one series.

Capability (:mod:`.capability`) needs ``spec_limits`` and a chart of
measurements (not an attribute chart); it describes the Phase I measurements
with the chart's sigma.

``known`` process values (Phase II with standards given: the mean and the
sigma of one measurement, or an attribute chart's p, c or u) replace the
estimates; what is not given is still estimated from Phase I.

Phase I is the first ``phase_one_subgroups`` subgroups, or the subgroups a
boolean ``phase_one_column`` marks (qcc's ``trial`` column): each marked
whole, and leading, since limits estimated from a baseline are applied to
what follows it.

Options that do not apply to the chart asked for are refused rather than
ignored, so a caller who mistyped the chart type learns of it.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pandas as pd

from neurogate.server.analytics.tables import Table
from neurogate.server.errors import InsufficientData, InvalidParameter
from neurogate.server.spc import attributes, rules, timeweighted, variables
from neurogate.server.spc.capability import capability, check_spec_limits
from neurogate.server.spc.chart import CHART_TYPES, ChartResult, ChartSpec

#: qcc's defaults (docs/spc.md).
CUSUM_K = 0.5
CUSUM_H = 5.0
EWMA_LAMBDA = 0.2
EWMA_NSIGMAS = 3.0

#: The options each chart type takes, beside column and phase_one_subgroups.
_OPTIONS = {
    "xbar_r": {"subgroup_size", "subgroup_column", "spec_limits", "rules"},
    "xbar_s": {"subgroup_size", "subgroup_column", "spec_limits", "rules"},
    "i_mr": {"subgroup_size", "spec_limits", "rules"},
    "p_chart": {"sample_size", "sample_size_column", "rules"},
    "np_chart": {"sample_size", "sample_size_column", "rules"},
    "c_chart": {"sample_size", "sample_size_column", "rules"},
    "u_chart": {"sample_size", "sample_size_column", "rules"},
    "cusum": {"subgroup_size", "subgroup_column", "spec_limits", "cusum_k", "cusum_h"},
    "ewma": {
        "subgroup_size",
        "subgroup_column",
        "spec_limits",
        "rules",
        "ewma_lambda",
        "ewma_nsigmas",
    },
}
#: Request field names of the options, for messages.
_FIELDS = {
    "cusum_k": "cusum.k",
    "cusum_h": "cusum.h",
    "ewma_lambda": "ewma.lambda",
    "ewma_nsigmas": "ewma.nsigmas",
}


def _check_request(spec: ChartSpec) -> None:
    """Refusals that need no data: the chart type, options that do not apply
    to it, and values out of range."""
    if spec.chart_type not in CHART_TYPES:
        raise InvalidParameter(
            f"unknown chart_type {spec.chart_type!r}"
            if spec.chart_type
            else "chart_type is required",
            parameter="chart_type",
            value=spec.chart_type,
            valid_choices=list(CHART_TYPES),
        )
    taken = _OPTIONS[spec.chart_type]
    for option in sorted(set().union(*_OPTIONS.values()) - taken):
        if getattr(spec, option) not in (None, ()):
            field = _FIELDS.get(option, option)
            raise InvalidParameter(
                f"{field} does not apply to a {spec.chart_type} chart",
                parameter=field,
                chart_type=spec.chart_type,
            )
    for name in ("subgroup_size", "sample_size", "phase_one_subgroups"):
        value = getattr(spec, name)
        if value is not None and value < 1:
            raise InvalidParameter(
                f"{name} must be positive", parameter=name, value=value, minimum=1
            )
    for pair in (
        ("subgroup_size", "subgroup_column"),
        ("sample_size", "sample_size_column"),
        ("phase_one_subgroups", "phase_one_column"),
    ):
        if all(getattr(spec, name) is not None for name in pair):
            raise InvalidParameter(
                f"give {pair[0]} or {pair[1]}, not both",
                parameter=pair[1],
                value=getattr(spec, pair[1]),
            )
    if spec.chart_type in ("xbar_r", "xbar_s"):
        if spec.subgroup_size is None and spec.subgroup_column is None:
            raise InvalidParameter(
                f"a {spec.chart_type} chart needs subgroup_size or subgroup_column",
                parameter="subgroup_size",
            )
        if spec.subgroup_size == 1:
            raise InvalidParameter(
                "an X-bar chart needs subgroups of at least 2 values; subgroup_size is 1",
                parameter="subgroup_size",
                value=1,
                minimum=2,
                suggestion="use i_mr for individual values",
            )
    if spec.chart_type == "i_mr" and spec.subgroup_size not in (None, 1):
        raise InvalidParameter(
            "an i_mr chart plots individual values; subgroup_size must be 1 or absent",
            parameter="subgroup_size",
            value=spec.subgroup_size,
            suggestion="use xbar_r or xbar_s for subgroups",
        )
    _check_known(spec)
    rules.resolve_rules(spec.rules)
    if spec.spec_limits is not None:
        check_spec_limits(spec.spec_limits)


def _check_known(spec: ChartSpec) -> None:
    """Known process values: finite, a positive sigma for the charts of
    measurements only, and a centre an attribute chart can have."""
    center, sigma = spec.known_center, spec.known_sigma
    for field, value in (("known.center", center), ("known.sigma", sigma)):
        if value is not None and not math.isfinite(value):
            raise InvalidParameter(f"{field} must be a finite number", parameter=field)
    if spec.chart_type in attributes.ATTRIBUTE_CHARTS:
        if sigma is not None:
            raise InvalidParameter(
                "known.sigma does not apply to an attribute chart: its sigma follows from "
                "the centre (p, c or u)",
                parameter="known.sigma",
                chart_type=spec.chart_type,
            )
        defectives = spec.chart_type in ("p_chart", "np_chart")
        if center is not None and not (0 < center < 1 if defectives else center > 0):
            raise InvalidParameter(
                f"known.center of a {spec.chart_type} is "
                + ("a fraction defective, between 0 and 1" if defectives else "positive"),
                parameter="known.center",
                value=center,
            )
    elif sigma is not None and sigma <= 0:
        raise InvalidParameter("known.sigma must be positive", parameter="known.sigma", value=sigma)


def _subgroups(table: Table, spec: ChartSpec) -> variables.Subgroups:
    values = table.numeric(spec.column, parameter="column")
    if spec.subgroup_column is not None:
        keys = table.column(spec.subgroup_column, parameter="subgroup_column")
        return variables.by_key(values, keys)
    return variables.consecutive(values, spec.subgroup_size or 1)


def _sizes(table: Table, spec: ChartSpec, rows: int) -> np.ndarray | None:
    if spec.sample_size_column is not None:
        return table.numeric(spec.sample_size_column, parameter="sample_size_column").to_numpy()
    if spec.sample_size is not None:
        return np.full(rows, float(spec.sample_size))
    return None


def _subgroup_of_rows(table: Table, spec: ChartSpec) -> np.ndarray:
    """Each row's subgroup number (from 0), as the chart groups them (its
    subgroup column already checked)."""
    rows = len(table.frame)
    if spec.chart_type in attributes.ATTRIBUTE_CHARTS:
        return np.arange(rows)
    if spec.subgroup_column is not None:
        return pd.factorize(table.frame[spec.subgroup_column], sort=False)[0]
    return np.arange(rows) // (spec.subgroup_size or 1)


def _phase_one(table: Table, spec: ChartSpec) -> int | None:
    """How many leading subgroups are Phase I: ``phase_one_subgroups``, or
    those ``phase_one_column`` marks (module docstring); None means all."""
    if spec.phase_one_column is None:
        return spec.phase_one_subgroups
    name = spec.phase_one_column
    marks = table.column(name, parameter="phase_one_column", types=("boolean",))
    if marks.isna().any():
        row = int(np.flatnonzero(marks.isna().to_numpy())[0]) + 1
        raise InvalidParameter(
            f"phase_one_column {name!r} is missing at row {row}; mark every row",
            parameter="phase_one_column",
            value=name,
            row=row,
        )
    per_subgroup = pd.Series(marks.to_numpy(dtype=bool)).groupby(_subgroup_of_rows(table, spec))
    whole, some = per_subgroup.all().to_numpy(), per_subgroup.any().to_numpy()
    if (some & ~whole).any():
        subgroup = int(np.flatnonzero(some & ~whole)[0]) + 1
        raise InvalidParameter(
            f"subgroup {subgroup} is only partly marked in {name!r}; mark subgroups whole",
            parameter="phase_one_column",
            value=name,
            subgroup=subgroup,
        )
    count = int(np.argmin(whole)) if not whole.all() else len(whole)
    if whole[count:].any():
        later = count + int(np.argmax(whole[count:])) + 1
        raise InvalidParameter(
            f"{name!r} marks subgroup {later} after unmarked subgroup {count + 1}; the "
            "baseline must be the first subgroups, whose limits apply to what follows",
            parameter="phase_one_column",
            value=name,
            subgroup=later,
        )
    if count < variables.MIN_SUBGROUPS:
        raise InsufficientData(
            f"{name!r} marks {count} subgroup(s); at least {variables.MIN_SUBGROUPS} are needed "
            "to estimate control limits",
            parameter="phase_one_column",
            value=name,
        )
    return count


def _measurements(groups: variables.Subgroups, phase_one: int | None) -> np.ndarray:
    """The Phase I measurements."""
    return groups.values if phase_one is None else groups.head(phase_one).values


def control_chart(table: Table, spec: ChartSpec) -> ChartResult:
    """The chart ``spec`` asks for, of ``table``."""
    _check_request(spec)
    groups = None
    sigma = None
    if spec.chart_type in attributes.ATTRIBUTE_CHARTS:
        counts = table.numeric(spec.column, parameter="column").to_numpy()
        phase_one = _phase_one(table, spec)
        result = attributes.attribute_chart(
            spec.chart_type, counts, _sizes(table, spec, len(counts)), phase_one, spec.known_center
        )
    else:
        groups = _subgroups(table, spec)  # checks the subgroup column first
        phase_one = _phase_one(table, spec)
        known = variables.Known(spec.known_center, spec.known_sigma)
        if spec.chart_type == "i_mr":
            result = variables.individuals_chart(groups.values, phase_one, known)
        elif spec.chart_type in ("xbar_r", "xbar_s"):
            result = variables.xbar_chart(groups, spec.chart_type, phase_one, known)
        else:
            center, sigma = variables.process_estimates(groups, phase_one, known)
            if spec.chart_type == "cusum":
                result = timeweighted.cusum_chart(
                    groups.means(),
                    groups.sizes,
                    sigma,
                    center,
                    CUSUM_K if spec.cusum_k is None else spec.cusum_k,
                    CUSUM_H if spec.cusum_h is None else spec.cusum_h,
                )
            else:
                result = timeweighted.ewma_chart(
                    groups.means(),
                    groups.sizes,
                    sigma,
                    center,
                    EWMA_LAMBDA if spec.ewma_lambda is None else spec.ewma_lambda,
                    EWMA_NSIGMAS if spec.ewma_nsigmas is None else spec.ewma_nsigmas,
                )
    main, violations = rules.apply_rules(result.main, spec.rules)
    result = replace(result, main=main, violations=[*result.violations, *violations])
    if spec.spec_limits is not None and groups is not None:
        # The Phase I mean and the sigma of one measurement (a CUSUM's panel
        # is centred on 0, so neither is read off the panel).
        measured = _measurements(groups, phase_one)
        within = result.sigma if sigma is None else sigma
        indices = capability(measured, float(np.mean(measured)), within, spec.spec_limits)
        result = replace(result, capability=indices)
    return result
