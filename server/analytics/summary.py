"""The summary of ``Analytics.Descriptive``: one numeric column, overall and
per category.

Numerical choices, as pandas makes them by default so analysts get the same
numbers:

- Missing values are skipped; ``count`` is the number of values summarised.
- ``std`` is the sample standard deviation (ddof=1); it is absent for fewer
  than two values, and every statistic is absent when there are none (never
  NaN in JSON). Mean and std are computed without overflow however large the
  values (:mod:`.overflow_safe`); a std beyond float64 itself (values of
  opposite signs near 1.8e308) is absent too. Filters that leave no rows are
  not an error: the answer is ``rows_matched`` 0, ``count`` 0 and no
  statistics or quartiles.
- Quartiles use linear interpolation between order statistics (pandas'
  ``Series.quantile`` default, NumPy's ``linear``, Hyndman & Fan type 7).
- ``group_by``: one entry per category present after the filters, sorted by
  value (``false`` before ``true`` for booleans); rows whose group value is
  missing are left out of ``by_category`` (pandas' ``groupby`` default) but
  stay in the overall summary.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
import pandas as pd

from neurogate.server.analytics.overflow_safe import linear_quantiles, unit_scaled
from neurogate.server.analytics.row_filters import filter_rows
from neurogate.server.analytics.tables import Table
from neurogate.server.errors import InvalidParameter

#: Metrics a caller may ask for; all of them when none are named.
METRICS: Final = ("count", "mean", "median", "std", "min", "max", "quartiles")


@dataclass(frozen=True)
class ColumnSummary:
    """Statistics of one set of values; None where undefined or not asked for."""

    count: int
    mean: float | None = None
    median: float | None = None
    std: float | None = None
    min: float | None = None
    max: float | None = None
    #: (q1, q2, q3), None when not asked for or when there are no values.
    quartiles: tuple[float, float, float] | None = None


@dataclass(frozen=True)
class CategorySummary:
    category: str
    summary: ColumnSummary


@dataclass(frozen=True)
class DescriptiveSummary:
    summary: ColumnSummary
    by_category: list[CategorySummary] = field(default_factory=list)
    #: Rows left after the filters (including rows where the column is missing).
    rows_matched: int = 0


def check_metrics(metrics: Sequence[str]) -> frozenset[str]:
    """The requested metrics (all when empty); INVALID_PARAMETER naming an
    unknown one. ``count`` is reported whatever is asked (the proto field is
    not optional); the other metrics only when asked for."""
    for metric in metrics:
        if metric not in METRICS:
            raise InvalidParameter(
                f"unknown metric {metric!r}",
                parameter="metrics",
                value=metric,
                valid_choices=list(METRICS),
            )
    return frozenset(metrics or METRICS)


def summarise(values: pd.Series, metrics: Collection[str] = METRICS) -> ColumnSummary:
    """``metrics`` of ``values`` (float64, NaN for missing); see the module doc."""
    data = values.dropna().to_numpy(dtype="float64")
    n = len(data)
    if n == 0:
        return ColumnSummary(count=0)

    def wanted(metric: str, value: float) -> float | None:
        return value if metric in metrics else None

    quartiles = None
    if "quartiles" in metrics or "median" in metrics:
        points = linear_quantiles(np.sort(data), np.array([0.25, 0.5, 0.75]))
        q1, q2, q3 = (float(q) for q in points)
        quartiles = (q1, q2, q3)
    # Moments of the values scaled into [-2, 2]: squares neither overflow nor underflow.
    unit, factor = unit_scaled(data)
    std = math.sqrt(float(unit.var(ddof=1))) * factor if n > 1 else math.inf
    return ColumnSummary(
        count=n,
        mean=wanted("mean", float(unit.mean()) * factor),
        median=wanted("median", quartiles[1]) if quartiles else None,
        std=wanted("std", std) if math.isfinite(std) else None,
        min=wanted("min", float(data.min())),
        max=wanted("max", float(data.max())),
        quartiles=quartiles if "quartiles" in metrics else None,
    )


def _label(value: object) -> str:
    if isinstance(value, bool | np.bool_):
        return "true" if value else "false"
    return str(value)


def describe(
    values: pd.Series, groups: pd.Series | None = None, metrics: Collection[str] = METRICS
) -> DescriptiveSummary:
    """The summary of ``values`` and, with ``groups`` (aligned with
    ``values``), one per category, sorted by category value."""
    overall = summarise(values, metrics)
    if groups is None:
        return DescriptiveSummary(overall)
    present = groups.notna().to_numpy()
    keys = groups[present]
    by_category = [
        CategorySummary(_label(key), summarise(part, metrics))
        for key, part in values[present].groupby(keys.to_numpy(), sort=True)
    ]
    return DescriptiveSummary(overall, by_category)


def descriptive(
    table: Table,
    column: str,
    *,
    metrics: Sequence[str] = (),
    group_by: str = "",
    date_column: str = "",
    start: str = "",
    end: str = "",
    where: Mapping[str, Any] | None = None,
) -> DescriptiveSummary:
    """``Analytics.Descriptive``: the request checked (metrics, column,
    group), the rows filtered (:mod:`.filters`), then summarised."""
    wanted = check_metrics(metrics)
    table.check(column, parameter="column", types=("numeric",))
    if group_by:
        table.check(group_by, parameter="group_by", types=("categorical", "boolean", "text"))
    rows = filter_rows(
        table,
        date_column=date_column,
        start=start,
        end=end,
        where=where,
        columns=[column, group_by] if group_by and group_by != column else [column],
    )
    result = describe(rows[column].astype("float64"), rows[group_by] if group_by else None, wanted)
    return DescriptiveSummary(result.summary, result.by_category, len(rows))
