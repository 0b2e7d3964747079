"""Column types of an uploaded table: what each column holds, decided once at
upload so every later analysis agrees on it.

The rules, checked in this order on the column's non-missing values:

- **text** when every value is missing (nothing to say more about it).
- **boolean**: a bool dtype, an object column holding only ``True``/``False``
  (pandas reads a CSV column of ``True``/``False`` with gaps that way), or
  strings that are all ``true``/``false``/``yes``/``no`` in any case.
  ``t``/``f``, ``y``/``n`` and ``0``/``1`` are not booleans: a 0/1 column stays
  numeric, so its mean is still the share of ones.
- **numeric**: an integer or float dtype (bools excluded, see above). Strings
  are never numeric here; the reader has already turned number-only columns
  into numbers.
- **datetime**: a datetime dtype, or strings that all parse with one of the
  formats below. A value that is only digits (``2024``, ``20240305``) is a
  number or a code, never a date, so a column holding one is not datetime.

  * ISO 8601 (``2024-03-05``, ``2024-03``, ``2024-03-05T10:00:00+01:00``, ...);
    offsets that differ between rows (summer time) are converted to UTC.
  * ``2024/03/05``, ``05.03.2024`` (day first), ``05-Mar-2024``,
    ``5 March 2024``, ``March 5, 2024``, ``Mar 5 2024``, each optionally
    followed by ``HH:MM`` or ``HH:MM:SS``.
  * ``03/05/2024``: month first, as pandas reads it, unless some row only
    parses day first (a day above 12), then day first.

  Every format is explicit, so pandas never guesses one and never warns.
- **categorical**: strings with few distinct values, at most
  ``max(2, min(50, half the non-missing count))``: 4 regions over 100 rows
  are categorical, 100 all-different comments are text. The cap of 50 keeps
  categories few enough to group by and to chart.
- **text**: everything else.
"""

from __future__ import annotations

from typing import Final

import pandas as pd
from pandas.api import types as ptypes

#: The types a column can have, as reported in the dataset schema.
COLUMN_TYPES: Final = ("numeric", "boolean", "datetime", "categorical", "text")

_TRUE_WORDS: Final = frozenset({"true", "yes"})
_FALSE_WORDS: Final = frozenset({"false", "no"})
_MAX_CATEGORIES: Final = 50
_TIME_SUFFIXES: Final = ("", " %H:%M", " %H:%M:%S")
_DATE_FORMATS: Final = (
    "%Y/%m/%d",
    "%d.%m.%Y",
    "%d-%b-%Y",
    "%d %B %Y",
    "%d %b %Y",
    "%B %d, %Y",
    "%b %d, %Y",
    "%b %d %Y",
    "%m/%d/%Y",
    "%d/%m/%Y",
)
_EXPLICIT_FORMATS: Final = tuple(d + t for d in _DATE_FORMATS for t in _TIME_SUFFIXES)


def infer_column_type(series: pd.Series) -> str:
    """The column's type, one of :data:`COLUMN_TYPES`, by the rules above."""
    values = series.dropna()
    if values.empty:
        return "text"
    if ptypes.is_bool_dtype(series.dtype) or _all_bools(values):
        return "boolean"
    if ptypes.is_numeric_dtype(series.dtype):
        return "numeric"
    if ptypes.is_datetime64_any_dtype(series.dtype):
        return "datetime"
    words = _as_stripped_strings(values)
    if _boolean_words(words) is not None:
        return "boolean"
    if _parse_datetimes(words) is not None:
        return "datetime"
    limit = max(2, min(_MAX_CATEGORIES, len(words) // 2))
    return "categorical" if words.nunique() <= limit else "text"


def normalise_column(series: pd.Series, column_type: str) -> pd.Series:
    """``series`` converted to the dtype ``column_type`` implies: int64 or
    float64 for numeric, bool (``boolean`` when values are missing) for
    boolean, datetime64 for datetime, and the string dtype for categorical
    and text. Missing values stay missing.

    ``column_type`` must be what :func:`infer_column_type` returned for this
    series; other values raise ``ValueError``.
    """
    if column_type == "numeric":
        return _normalise_numeric(series)
    if column_type == "boolean":
        return _normalise_boolean(series)
    if column_type == "datetime":
        return _normalise_datetime(series)
    if column_type in ("categorical", "text"):
        return series.astype("str")
    raise ValueError(f"unknown column type {column_type!r}; expected one of {COLUMN_TYPES}")


def _all_bools(values: pd.Series) -> bool:
    """Whether an object column holds only bools (pandas' CSV reader leaves a
    ``True``/``False`` column with gaps as object)."""
    return values.dtype == object and all(isinstance(v, bool) for v in values)


def _as_stripped_strings(values: pd.Series) -> pd.Series:
    return values.astype("str").str.strip()


def _boolean_words(words: pd.Series) -> pd.Series | None:
    """``words`` as booleans when all are true/false/yes/no, else None."""
    lowered = words.str.lower()
    truth = lowered.isin(_TRUE_WORDS)
    if not (truth | lowered.isin(_FALSE_WORDS)).all():
        return None
    return truth.astype(bool)


def _parse_datetimes(words: pd.Series) -> pd.Series | None:
    """``words`` as datetimes when every one parses with the same format,
    else None. Formats are only tried on the whole column when they parse
    its first value, so text columns cost one short attempt per format."""
    if words.str.fullmatch(r"\d+").any():
        return None
    first = words.iloc[:1]
    for fmt in ("ISO8601", *_EXPLICIT_FORMATS):
        if _to_datetime(first, fmt) is not None:
            parsed = _to_datetime(words, fmt)
            if parsed is not None:
                return parsed
    return None


def _to_datetime(words: pd.Series, fmt: str) -> pd.Series | None:
    try:
        return pd.to_datetime(words, format=fmt)
    except ValueError:
        pass
    if fmt != "ISO8601":
        return None
    try:  # differing UTC offsets: one instant per row, in UTC
        return pd.to_datetime(words, format=fmt, utc=True)
    except ValueError:
        return None


def _normalise_numeric(series: pd.Series) -> pd.Series:
    if ptypes.is_integer_dtype(series.dtype) and not series.hasnans:
        return series.astype("int64")
    return series.astype("float64")


def _normalise_boolean(series: pd.Series) -> pd.Series:
    values = series.dropna()
    if ptypes.is_bool_dtype(series.dtype) or _all_bools(values):
        return _reindex_with_missing(values.astype(bool), series, "boolean")
    flags = _boolean_words(_as_stripped_strings(values))
    if flags is None:
        raise ValueError(f"column {series.name!r} is not boolean")
    return _reindex_with_missing(flags, series, "boolean")


def _normalise_datetime(series: pd.Series) -> pd.Series:
    if ptypes.is_datetime64_any_dtype(series.dtype):
        return series
    stamps = _parse_datetimes(_as_stripped_strings(series.dropna()))
    if stamps is None:
        raise ValueError(f"column {series.name!r} is not datetime")
    return _reindex_with_missing(stamps, series, stamps.dtype)


def _reindex_with_missing(converted: pd.Series, original: pd.Series, dtype: object) -> pd.Series:
    """``converted`` (the non-missing rows) spread back over ``original``'s
    index; gaps become missing, in ``dtype`` when there are any."""
    if len(converted) == len(original):
        return converted
    return converted.astype(dtype).reindex(original.index)
