"""Per-column descriptive statistics, as an analyst gets them from pandas.

Numerical choices, made once here:

- **Missing values** are skipped and counted in ``missing``; ``count`` is the
  number of values used. Infinite values (a CSV's ``inf``) are treated as
  missing too: no statistic here could report them, and JSON cannot carry them.
- ``std`` and ``var`` are the **sample** statistics (``ddof=1``), as pandas'
  ``Series.std``/``var``; they need two values. Moments are computed without
  overflow however large or small the values (:mod:`.overflow_safe`); a
  statistic beyond float64 itself (the ``var`` or ``sum`` of values around
  1e200) is absent.
- ``skewness`` and ``kurtosis`` are the **bias-corrected** sample skewness
  (adjusted Fisher-Pearson, G1) and **excess** kurtosis (G2, 0 for a normal
  distribution), as pandas' ``Series.skew``/``kurt`` and SciPy's
  ``skew(bias=False)``/``kurtosis(bias=False)``. They need three and four
  values and are undefined for a constant column, where they are absent
  (pandas reports 0 there, SciPy NaN).
- ``median`` and ``percentiles`` interpolate linearly between order statistics
  (NumPy's and pandas' default, "type 7"). Percentiles are given in percent
  (0 to 100) and keyed by their shortest decimal form: ``"25"``, ``"2.5"``,
  ``"99.9"``.
- ``sum`` of a column without values is absent rather than pandas' 0, so an
  all-missing column is not mistaken for one that sums to zero.
- ``mode`` is the most frequent value; ties go to the smallest (pandas'
  ``Series.mode()`` first value). Booleans are JSON booleans, datetimes ISO
  8601 strings.

A statistic that is undefined for the data (the standard deviation of one
value, anything of an all-missing column) is absent, never NaN.

Which statistics apply: the numeric ones (mean, std, var, min, max, median,
sum, skewness, kurtosis, percentiles) need a numeric column; count, missing
and mode apply to every column. Asking a numeric statistic of a named
non-numeric column is refused; when every column is described (no columns
named), numeric statistics are simply not applied to the non-numeric ones.
Without a list of statistics, numeric columns get :data:`DEFAULT_NUMERIC`,
datetime columns :data:`DEFAULT_DATETIME` and the others
:data:`DEFAULT_OTHER`; listing percentile values asks for
``percentiles`` even when the list of statistics does not name it.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from typing import Any, Final

import numpy as np
import pandas as pd

from neurogate.server.analytics.overflow_safe import linear_quantiles, midpoint, unit_scaled
from neurogate.server.analytics.tables import Table
from neurogate.server.errors import InvalidParameter

#: Every statistic, in the order they are documented.
STATISTICS: Final = (
    "count",
    "missing",
    "mean",
    "std",
    "var",
    "min",
    "max",
    "median",
    "sum",
    "skewness",
    "kurtosis",
    "percentiles",
    "mode",
)
#: Statistics that need a numeric column.
NUMERIC_STATISTICS: Final = frozenset(STATISTICS) - {"count", "missing", "mode"}
#: Statistics of a numeric column when none are listed (pandas' ``describe()`` and ``missing``).
DEFAULT_NUMERIC: Final = ("count", "missing", "mean", "std", "min", "max", "median", "percentiles")
#: Statistics of a categorical, boolean or text column when none are listed.
DEFAULT_OTHER: Final = ("count", "missing", "mode")
#: Statistics of a datetime column when none are listed (its mode is rarely meaningful).
DEFAULT_DATETIME: Final = ("count", "missing")
#: Percentiles reported when none are listed.
DEFAULT_PERCENTILES: Final = (25.0, 50.0, 75.0)


def describe(
    table: Table,
    columns: Sequence[str] = (),
    statistics: Sequence[str] = (),
    percentiles: Sequence[float] = (),
) -> dict[str, dict[str, Any]]:
    """Statistics of ``columns`` (every column when empty), keyed by column
    name in the order asked; each column's dict holds ``column_type`` and the
    statistics that are defined, ``percentiles`` as a dict of key to value."""
    asked = _statistics(statistics, percentiles)
    points = _percentiles(percentiles)
    named = bool(columns)
    names = list(dict.fromkeys(columns)) if named else table.names()
    for name in names:
        table.check(name, parameter="columns")
    results: dict[str, dict[str, Any]] = {}
    for name in names:
        kind = table.column_types[name]
        wanted = _applicable(table, name, kind, asked, refuse=named)
        results[name] = {
            "column_type": kind,
            **describe_column(table.frame[name], kind, wanted, points),
        }
    return results


def describe_column(
    series: pd.Series,
    column_type: str,
    statistics: Sequence[str],
    percentiles: Sequence[float] = DEFAULT_PERCENTILES,
) -> dict[str, Any]:
    """The defined ``statistics`` of one column of ``column_type``; numeric
    statistics are only computed for a numeric column."""
    wanted = set(statistics)
    if column_type == "numeric":
        values = series.to_numpy(dtype="float64", na_value=np.nan)
        present = values[np.isfinite(values)]
        count = len(present)
        found = _numeric(present, wanted, percentiles)
        if "mode" in wanted and count:
            found["mode"] = float(pd.Series(present).mode().iloc[0])
    else:
        kept = series.dropna()
        count = len(kept)
        found = {}
        if "mode" in wanted and count:
            found["mode"] = _plain(kept.mode().iloc[0])
    if "count" in wanted:
        found["count"] = count
    if "missing" in wanted:
        found["missing"] = len(series) - count
    return found


@functools.cache
def percentile_key(percent: float) -> str:
    """``25.0`` -> ``"25"``, ``2.5`` -> ``"2.5"``: the shortest decimal form."""
    return np.format_float_positional(percent, trim="-")


def _statistics(statistics: Sequence[str], percentiles: Sequence[float]) -> set[str] | None:
    """The statistics asked for, checked; None for the per-type defaults."""
    for name in statistics:
        if name not in STATISTICS:
            raise InvalidParameter(
                f"unknown statistic {name!r}",
                parameter="statistics",
                value=name,
                valid_choices=list(STATISTICS),
            )
    if not statistics:
        return None
    asked = set(statistics)
    if percentiles:
        asked.add("percentiles")
    return asked


def _percentiles(percentiles: Sequence[float]) -> list[float]:
    for percent in percentiles:
        if not 0.0 <= percent <= 100.0:  # also refuses NaN
            raise InvalidParameter(
                f"percentile {percent} is outside 0 to 100 (percentiles are in percent)",
                parameter="percentiles",
                value=percent,
                valid_range=[0, 100],
            )
    return list(dict.fromkeys(float(p) for p in percentiles)) or list(DEFAULT_PERCENTILES)


def _applicable(
    table: Table, name: str, kind: str, asked: set[str] | None, *, refuse: bool
) -> set[str]:
    """The statistics to compute for column ``name``; a numeric statistic
    asked of a named non-numeric column is refused."""
    if asked is None:
        defaults = {"numeric": DEFAULT_NUMERIC, "datetime": DEFAULT_DATETIME}
        return set(defaults.get(kind, DEFAULT_OTHER))
    if kind == "numeric":
        return asked
    numeric = sorted(asked & NUMERIC_STATISTICS, key=STATISTICS.index)
    if numeric and refuse:
        raise InvalidParameter(
            f"statistic {numeric[0]!r} needs a numeric column; column {name!r} is {kind}",
            parameter="columns",
            value=name,
            column_type=kind,
            statistic=numeric[0],
            valid_choices=table.names(("numeric",)),
        )
    return asked - NUMERIC_STATISTICS


def _numeric(values: np.ndarray, wanted: set[str], percentiles: Sequence[float]) -> dict[str, Any]:
    """The numeric statistics of ``values`` (finite, missing values removed)
    that are defined for them."""
    found: dict[str, Any] = {}
    n = len(values)
    if n == 0:
        return found
    constant = bool(values.min() == values.max())
    if wanted & {"mean", "std", "var", "skewness", "kurtosis"}:
        # Moments of the values scaled into [-2, 2]: squares neither overflow nor underflow.
        unit, factor = unit_scaled(values)
        unit_mean = float(unit.mean())
        if "mean" in wanted:
            found["mean"] = unit_mean * factor
        if n >= 2 and wanted & {"std", "var"}:
            unit_var = 0.0 if constant else float(unit.var(ddof=1))
            if "var" in wanted:
                found["var"] = unit_var * factor * factor  # inf beyond float64: left out
            if "std" in wanted:
                found["std"] = math.sqrt(unit_var) * factor
        if not constant and wanted & {"skewness", "kurtosis"}:
            found.update(_shape(unit, unit_mean, wanted))  # scale-free
    if "min" in wanted:
        found["min"] = float(values.min())
    if "max" in wanted:
        found["max"] = float(values.max())
    if "sum" in wanted:
        with np.errstate(over="ignore"):  # beyond float64: left out below
            found["sum"] = float(values.sum())
    if wanted & {"median", "percentiles"}:
        # One sort serves every order statistic; NumPy's partition per call is
        # several times slower on a million values.
        ordered = np.sort(values)
        if "median" in wanted:
            middle = (n - 1) // 2
            found["median"] = float(
                ordered[middle] if n % 2 else midpoint(ordered[middle], ordered[middle + 1])
            )
        if "percentiles" in wanted:
            points = linear_quantiles(ordered, np.asarray(percentiles) / 100.0)
            found["percentiles"] = {
                percentile_key(p): float(v) for p, v in zip(percentiles, points, strict=True)
            }
    return {key: value for key, value in found.items() if _finite(value)}


def _shape(values: np.ndarray, mean: float, wanted: set[str]) -> dict[str, float]:
    """Bias-corrected skewness (G1, n >= 3) and excess kurtosis (G2, n >= 4)
    from the biased central moments, as SciPy's ``bias=False`` formulas."""
    n = len(values)
    deviations = values - mean
    squares = deviations * deviations
    m2 = float(squares.mean())
    found: dict[str, float] = {}
    if m2 == 0.0:
        return found
    if "skewness" in wanted and n >= 3:
        m3 = float((squares * deviations).mean())
        found["skewness"] = math.sqrt(n * (n - 1)) / (n - 2) * m3 / m2**1.5
    if "kurtosis" in wanted and n >= 4:
        m4 = float((squares * squares).mean())
        found["kurtosis"] = ((n * n - 1) * m4 / m2**2 - 3 * (n - 1) ** 2) / ((n - 2) * (n - 3))
    return found


def _finite(value: Any) -> bool:
    if isinstance(value, dict):
        return all(math.isfinite(v) for v in value.values())
    return not isinstance(value, float) or math.isfinite(value)


def _plain(value: Any) -> Any:
    """A mode as a JSON-ready Python value."""
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if isinstance(value, np.generic):
        return value.item()
    return value
