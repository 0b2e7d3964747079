"""Row filters of ``Analytics.Descriptive``: a date range and column predicates.

Date range
    Inclusive bounds on a datetime column (the table's first datetime column
    when none is named). A bound is an ISO 8601 date (``2024-03-05``) or
    date-time (``2024-03-05T10:00:00``, with or without an offset). A
    date-only ``end`` includes that whole day: it is read as "before the next
    midnight". Time zones: on a column stored in UTC (uploads whose offsets
    differed), a bound without an offset is read as UTC; on a column without a
    zone, a bound with an offset is converted to UTC and compared as is.

Predicates (``where``)
    ``{"region": "north"}`` is equality, ``{"region": ["north", "south"]}``
    membership, and ``{"amount": {"gt": 10, "lte": 50}}`` applies each
    operator (all must hold). Operators: ``eq``, ``ne``, ``in``, ``not_in``
    for every column; ``gt``, ``gte``, ``lt``, ``lte`` for numeric and
    datetime columns only. Values must suit the column: numbers for numeric
    columns, strings for categorical and text, ``true``/``false`` for boolean,
    ISO 8601 strings for datetime. As in SQL, a row whose value is missing
    matches no predicate on that column, ``ne`` and ``not_in`` included.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Mapping, Sequence
from typing import Any, Final

import pandas as pd

from neurogate.server.analytics.tables import Table
from neurogate.server.errors import InvalidParameter

#: Operators allowed on every column type.
EQUALITY_OPS: Final = ("eq", "ne", "in", "not_in")
#: Operators allowed on ordered (numeric, datetime) columns only.
ORDER_OPS: Final = ("gt", "gte", "lt", "lte")
_ORDERED: Final = frozenset({"numeric", "datetime"})
_DATE_ONLY: Final = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_instant(text: str, *, parameter: str) -> tuple[pd.Timestamp, bool]:
    """An ISO 8601 date or date-time, and whether it was a date only.
    INVALID_PARAMETER naming ``parameter`` when it does not parse."""
    value = text.strip()
    try:
        stamp = pd.Timestamp(value) if value else None
    except ValueError:
        stamp = None
    if stamp is None or pd.isna(stamp):
        raise InvalidParameter(
            f"{parameter} {text!r} is not an ISO 8601 date or date-time",
            parameter=parameter,
            value=text,
            suggestion="use 2024-03-05 or 2024-03-05T10:00:00",
        )
    return stamp, bool(_DATE_ONLY.match(value))


def _as_column_zone(stamp: pd.Timestamp, column: pd.Series) -> pd.Timestamp:
    zone = getattr(column.dtype, "tz", None)
    if zone is not None:
        return stamp.tz_localize(zone) if stamp.tzinfo is None else stamp.tz_convert(zone)
    return stamp if stamp.tzinfo is None else stamp.tz_convert("UTC").tz_localize(None)


def date_range_mask(table: Table, column: str, start: str, end: str) -> pd.Series:
    """Rows whose ``column`` lies within [start, end] (see the module doc)."""
    if column:
        series = table.column(column, parameter="filters.date_range.column", types=("datetime",))
    else:
        dates = table.names(("datetime",))
        if not dates:
            raise InvalidParameter(
                f"dataset {table.ref.dataset_id!r} has no datetime column to filter on",
                parameter="filters.date_range.column",
                valid_choices=[],
            )
        series = table.frame[dates[0]]
    mask = series.notna()
    low = high = None
    if start:
        low = _as_column_zone(parse_instant(start, parameter="filters.date_range.start")[0], series)
        mask &= series >= low
    if end:
        stamp, date_only = parse_instant(end, parameter="filters.date_range.end")
        high = _as_column_zone(stamp, series)
        mask &= series < high + pd.Timedelta(days=1) if date_only else series <= high
    if low is not None and high is not None and low > high:
        raise InvalidParameter(
            f"filters.date_range.start {start!r} is after end {end!r}",
            parameter="filters.date_range",
            value={"start": start, "end": end},
        )
    return mask


def _wrong_value(column: str, kind: str, op: str, value: Any, wanted: str) -> InvalidParameter:
    return InvalidParameter(
        f"where.{column}.{op}: {value!r} is not {wanted} (column {column!r} is {kind})",
        parameter=f"filters.where.{column}",
        value=value,
        column_type=kind,
    )


def _operand(column: str, kind: str, op: str, value: Any, series: pd.Series) -> Any:
    """``value`` converted to compare with a ``kind`` column, or refused."""
    if kind == "numeric":
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _wrong_value(column, kind, op, value, "a number")
        return float(value)
    if kind == "boolean":
        if not isinstance(value, bool):
            raise _wrong_value(column, kind, op, value, "true or false")
        return value
    if kind == "datetime":
        if not isinstance(value, str):
            raise _wrong_value(column, kind, op, value, "an ISO 8601 date or date-time")
        stamp, _ = parse_instant(value, parameter=f"filters.where.{column}")
        return _as_column_zone(stamp, series)
    if not isinstance(value, str):
        raise _wrong_value(column, kind, op, value, "a string")
    return value


def _predicate(series: pd.Series, kind: str, column: str, op: str, value: Any) -> pd.Series:
    allowed = EQUALITY_OPS + ORDER_OPS if kind in _ORDERED else EQUALITY_OPS
    if op not in allowed:
        raise InvalidParameter(
            f"where.{column}: unknown operator {op!r} for a {kind} column",
            parameter=f"filters.where.{column}",
            value=op,
            valid_choices=list(allowed),
        )
    present = series.notna()
    if op in ("in", "not_in"):
        if not isinstance(value, list):
            raise _wrong_value(column, kind, op, value, "a list")
        operands = [_operand(column, kind, op, item, series) for item in value]
        hit = series.isin(operands).fillna(False).astype(bool)
        return present & (hit if op == "in" else ~hit)
    operand = _operand(column, kind, op, value, series)
    compare = {
        "eq": operator.eq,
        "ne": operator.ne,
        "gt": operator.gt,
        "gte": operator.ge,
        "lt": operator.lt,
        "lte": operator.le,
    }[op]
    return present & compare(series, operand).fillna(False).astype(bool)


def where_mask(table: Table, where: Mapping[str, Any]) -> pd.Series:
    """Rows satisfying every predicate of ``where`` (see the module doc)."""
    mask = pd.Series(True, index=table.frame.index)
    for column, condition in where.items():
        series = table.column(column, parameter="filters.where")
        kind = table.column_types[column]
        if isinstance(condition, dict):
            if not condition:
                raise InvalidParameter(
                    f"where.{column} has no operator",
                    parameter=f"filters.where.{column}",
                    valid_choices=list(EQUALITY_OPS + ORDER_OPS),
                )
            for op, value in condition.items():
                mask &= _predicate(series, kind, column, op, value)
        elif isinstance(condition, list):
            mask &= _predicate(series, kind, column, "in", condition)
        else:
            mask &= _predicate(series, kind, column, "eq", condition)
    return mask


def filter_rows(
    table: Table,
    *,
    date_column: str = "",
    start: str = "",
    end: str = "",
    where: Mapping[str, Any] | None = None,
    columns: Sequence[str] | None = None,
) -> pd.DataFrame:
    """The table's rows passing the date range (when a bound or column is
    given) and the predicates; only ``columns`` when named (copying a wide
    table's other columns would be wasted work)."""
    frame = table.frame if columns is None else table.frame[list(columns)]
    if not (date_column or start or end or where):
        return frame
    mask = pd.Series(True, index=frame.index)
    if date_column or start or end:
        mask &= date_range_mask(table, date_column, start, end)
    if where:
        mask &= where_mask(table, where)
    return frame[mask.to_numpy()]
