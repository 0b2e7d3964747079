"""Column type inference and normalisation (neurogate.server.datasets.column_types)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from neurogate.server.datasets.column_types import (
    COLUMN_TYPES,
    infer_column_type,
    normalise_column,
)


def _typed(values: list[object], dtype: str | None = None) -> tuple[str, pd.Series]:
    series = pd.Series(values, name="col", dtype=dtype)
    column_type = infer_column_type(series)
    return column_type, normalise_column(series, column_type)


@pytest.mark.parametrize(
    ("values", "dtype"),
    [([1, 2, 3], "int64"), ([1.5, np.nan, 2.0], "float64"), ([0, 1, 1, 0], "int64")],
)
def test_int_and_float_columns_are_numeric(values: list[object], dtype: str) -> None:
    column_type, normalised = _typed(values)

    assert column_type == "numeric"
    assert normalised.dtype == dtype


def test_zero_one_column_stays_numeric_not_boolean() -> None:
    assert infer_column_type(pd.Series([0, 1, 0, 1])) == "numeric"


def test_nullable_integer_column_with_gaps_becomes_float() -> None:
    column_type, normalised = _typed([1, None, 3], dtype="Int64")

    assert column_type == "numeric"
    assert normalised.dtype == "float64"
    assert normalised.isna().tolist() == [False, True, False]


def test_bool_dtype_is_boolean_not_numeric() -> None:
    column_type, normalised = _typed([True, False, True])

    assert column_type == "boolean"
    assert normalised.dtype == bool


def test_object_column_of_bools_with_gaps_is_nullable_boolean() -> None:
    column_type, normalised = _typed([True, None, False], dtype="object")

    assert column_type == "boolean"
    assert normalised.dtype == "boolean"
    assert normalised.tolist() == [True, pd.NA, False]


def test_true_false_yes_no_words_in_any_case_are_boolean() -> None:
    column_type, normalised = _typed(["Yes", "no", " TRUE ", None, "False"])

    assert column_type == "boolean"
    assert normalised.tolist() == [True, False, True, pd.NA, False]


@pytest.mark.parametrize("values", [["t", "f", "t"], ["y", "n", "y"], ["0", "1", "0"]])
def test_single_letter_and_digit_flags_are_not_boolean(values: list[str]) -> None:
    assert infer_column_type(pd.Series(values)) != "boolean"


def test_iso_dates_and_datetimes_are_datetime() -> None:
    column_type, normalised = _typed(["2024-03-05", None, "2024-03-06T10:30:00"])

    assert column_type == "datetime"
    assert pd.api.types.is_datetime64_dtype(normalised.dtype)
    assert normalised.tolist() == [
        pd.Timestamp("2024-03-05"),
        pd.NaT,
        pd.Timestamp("2024-03-06 10:30"),
    ]


def test_iso_timestamps_with_differing_offsets_are_converted_to_utc() -> None:
    column_type, normalised = _typed(["2024-03-30T10:00+01:00", "2024-04-01T10:00+02:00"])

    assert column_type == "datetime"
    assert normalised.tolist() == [
        pd.Timestamp("2024-03-30 09:00", tz="UTC"),
        pd.Timestamp("2024-04-01 08:00", tz="UTC"),
    ]


@pytest.mark.parametrize(
    ("values", "first"),
    [
        (["2024/03/05", "2024/12/31"], "2024-03-05"),
        (["05.03.2024", "31.12.2024"], "2024-03-05"),
        (["05-Mar-2024", "31-Dec-2024"], "2024-03-05"),
        (["5 March 2024", "31 December 2024"], "2024-03-05"),
        (["March 5, 2024", "December 31, 2024"], "2024-03-05"),
        (["2024/03/05 14:30", "2024/12/31 08:00"], "2024-03-05 14:30"),
    ],
)
def test_other_unambiguous_date_formats_are_datetime(values: list[str], first: str) -> None:
    column_type, normalised = _typed(values)

    assert column_type == "datetime"
    assert normalised.iloc[0] == pd.Timestamp(first)


def test_slash_dates_are_month_first_unless_a_day_above_12_says_otherwise() -> None:
    _, month_first = _typed(["03/04/2024", "12/25/2024"])
    _, day_first = _typed(["03/04/2024", "25/12/2024"])

    assert month_first.iloc[0] == pd.Timestamp("2024-03-04")
    assert day_first.iloc[0] == pd.Timestamp("2024-04-03")


@pytest.mark.parametrize(
    "values",
    [["2024", "2025", "2026"], ["20240305", "20240306"], ["A1", "B2", "A1"], ["12:30", "13:45"]],
)
def test_plain_integers_codes_and_times_are_not_datetime(values: list[str]) -> None:
    assert infer_column_type(pd.Series(values)) != "datetime"


def test_a_single_unparseable_value_keeps_a_date_column_out_of_datetime() -> None:
    assert infer_column_type(pd.Series(["2024-03-05", "soon", "2024-03-07"])) != "datetime"


def test_few_distinct_strings_are_categorical() -> None:
    regions = pd.Series(["north", "south", "east", "west"] * 25)

    column_type, normalised = _typed(regions.tolist())

    assert column_type == "categorical"
    assert normalised.dtype == "str"


def test_all_distinct_free_text_is_text() -> None:
    comments = [f"comment number {i}" for i in range(100)]

    column_type, normalised = _typed(comments)

    assert column_type == "text"
    assert normalised.dtype == "str"


def test_categories_are_capped_at_fifty_distinct_values() -> None:
    fifty = pd.Series([f"c{i % 50}" for i in range(1000)])
    fifty_one = pd.Series([f"c{i % 51}" for i in range(1000)])

    assert infer_column_type(fifty) == "categorical"
    assert infer_column_type(fifty_one) == "text"


def test_distinct_values_may_be_at_most_half_the_rows() -> None:
    assert infer_column_type(pd.Series(["a", "b", "a", "b"])) == "categorical"
    assert infer_column_type(pd.Series(["a", "b", "c", "a"])) == "text"


def test_mixed_object_column_is_read_as_strings() -> None:
    column_type, normalised = _typed([1, "x", 1, "x", None], dtype="object")

    assert column_type == "categorical"
    assert normalised.tolist()[:2] == ["1", "x"]
    assert normalised.isna().tolist() == [False, False, False, False, True]


@pytest.mark.parametrize("dtype", ["float64", "object", "str"])
def test_all_missing_column_is_text(dtype: str) -> None:
    column_type, normalised = _typed([None, None], dtype=dtype)

    assert column_type == "text"
    assert normalised.isna().all()


def test_inferred_type_is_always_one_of_the_documented_types() -> None:
    samples = [[1], [True], ["2024-01-01"], ["a", "a"], ["a", "b", "c"], [None]]

    assert {infer_column_type(pd.Series(s)) for s in samples} == set(COLUMN_TYPES)


def test_normalising_to_an_unknown_type_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unknown column type"):
        normalise_column(pd.Series([1]), "money")
