"""Analysis.Descriptive's per-column statistics agree with pandas and SciPy on
the same values: sample std/var (ddof=1), bias-corrected skewness and excess
kurtosis, linear percentiles; undefined statistics are absent, never NaN; and
unknown columns, statistics and misapplied numeric statistics are refused
naming them."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from conftest import sklearn_frame
from neurogate.server.analytics.descriptive import (
    DEFAULT_NUMERIC,
    DEFAULT_OTHER,
    STATISTICS,
    describe,
    percentile_key,
)
from neurogate.server.analytics.tables import Table, TableRef
from neurogate.server.datasets.parsing import parse_upload, read_parquet
from neurogate.server.errors import InvalidParameter


def table_of(frame: pd.DataFrame) -> Table:
    """``frame`` as an upload would store it: CSV parsed, typed and re-read."""
    parsed = parse_upload(frame.to_csv(index=False).encode(), filename="t.csv")
    types = {column.name: column.type for column in parsed.schema}
    return Table(TableRef("sqlite://", "ds_test", "t", types), read_parquet(parsed.parquet))


def flat_numbers(results: dict) -> list[float]:
    numbers = []
    for found in results.values():
        for key, value in found.items():
            if key == "percentiles":
                numbers.extend(value.values())
            elif isinstance(value, float):
                numbers.append(value)
    return numbers


@pytest.fixture(scope="module")
def diabetes_with_gaps() -> pd.DataFrame:
    frame = sklearn_frame("diabetes")
    frame.loc[[0, 5, 17, 200], "bmi"] = np.nan
    frame.loc[[3], "bp"] = np.nan
    return frame


@pytest.fixture(scope="module")
def mixed() -> Table:
    return table_of(
        pd.DataFrame(
            {
                "amount": [3.0, 1.0, None, 4.0, 1.0, 5.0, 9.0, 2.0],
                "region": ["north", "south", "north", None, "east", "south", "north", "east"],
                "paid": [True, False, True, True, None, False, True, True],
                "day": pd.date_range("2026-01-01", periods=8).strftime("%Y-%m-%d"),
            }
        )
    )


def test_every_statistic_matches_pandas_and_scipy_on_a_column_with_gaps(diabetes_with_gaps):
    frame = diabetes_with_gaps
    table = table_of(frame)
    asked = [s for s in STATISTICS if s != "mode"]

    results = describe(table, ["bmi", "bp", "s5"], asked, [2.5, 50, 99.9, 0, 100])

    for name in ("bmi", "bp", "s5"):
        column = frame[name]
        values = column.dropna().to_numpy()
        found = results[name]
        assert found["column_type"] == "numeric"
        assert found["count"] == column.count()
        assert found["missing"] == column.isna().sum()
        assert found["mean"] == pytest.approx(column.mean(), rel=1e-12)
        assert found["std"] == pytest.approx(column.std(ddof=1), rel=1e-12)
        assert found["var"] == pytest.approx(column.var(ddof=1), rel=1e-12)
        assert found["min"] == column.min()
        assert found["max"] == column.max()
        assert found["median"] == pytest.approx(column.median(), rel=1e-12)
        assert found["sum"] == pytest.approx(column.sum(), rel=1e-9, abs=1e-12)
        assert found["skewness"] == pytest.approx(stats.skew(values, bias=False), rel=1e-9)
        assert found["skewness"] == pytest.approx(column.skew(), rel=1e-9)
        assert found["kurtosis"] == pytest.approx(stats.kurtosis(values, bias=False), rel=1e-9)
        assert found["kurtosis"] == pytest.approx(column.kurt(), rel=1e-9)
        expected = column.quantile([0.025, 0.5, 0.999, 0.0, 1.0]).to_numpy()
        assert list(found["percentiles"]) == ["2.5", "50", "99.9", "0", "100"]
        assert list(found["percentiles"].values()) == pytest.approx(expected, rel=1e-12)


def test_default_statistics_are_describe_plus_missing_and_mode_for_categories():
    frame = sklearn_frame("iris")
    table = table_of(frame)

    results = describe(table)

    assert list(results) == list(frame.columns)
    summary = frame.describe()
    for name in frame.columns[:4]:
        found = results[name]
        assert set(found) == {"column_type", *DEFAULT_NUMERIC}
        assert found["count"] == summary.loc["count", name]
        assert found["mean"] == pytest.approx(summary.loc["mean", name], rel=1e-12)
        assert found["std"] == pytest.approx(summary.loc["std", name], rel=1e-12)
        assert found["min"] == summary.loc["min", name]
        assert found["max"] == summary.loc["max", name]
        assert found["percentiles"] == pytest.approx(
            {
                "25": summary.loc["25%", name],
                "50": summary.loc["50%", name],
                "75": summary.loc["75%", name],
            },
            rel=1e-12,
        )
    assert results["target"] == {
        "column_type": "categorical",
        "count": 150,
        "missing": 0,
        "mode": "setosa",  # three-way tie: the smallest, as pandas' mode()[0]
    }
    assert set(results["target"]) == {"column_type", *DEFAULT_OTHER}


def test_numeric_statistics_skip_non_numeric_columns_when_every_column_is_described(mixed):
    results = describe(mixed, statistics=["mean", "count", "missing"])

    assert results["amount"] == {
        "column_type": "numeric",
        "mean": pytest.approx(25 / 7),
        "count": 7,
        "missing": 1,
    }
    assert results["region"] == {"column_type": "categorical", "count": 7, "missing": 1}
    assert results["paid"] == {"column_type": "boolean", "count": 7, "missing": 1}
    assert results["day"] == {"column_type": "datetime", "count": 8, "missing": 0}


def test_mode_of_every_column_type_is_a_plain_value(mixed):
    results = describe(mixed, statistics=["mode"])

    assert results["amount"]["mode"] == 1.0
    assert results["region"]["mode"] == "north"
    assert results["paid"]["mode"] is True
    assert results["day"]["mode"] == "2026-01-01T00:00:00"  # an 8-way tie: the earliest


def test_listing_percentiles_asks_for_them_and_keys_are_the_shortest_decimal(mixed):
    results = describe(mixed, ["amount"], ["count"], [10, 2.5, 10.0, 99.9])

    assert list(results["amount"]["percentiles"]) == ["10", "2.5", "99.9"]
    values = pd.Series([3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0])
    assert list(results["amount"]["percentiles"].values()) == pytest.approx(
        values.quantile([0.1, 0.025, 0.999]).to_list()
    )


@pytest.mark.parametrize(
    ("percent", "key"), [(25.0, "25"), (2.5, "2.5"), (99.9, "99.9"), (0.001, "0.001"), (100, "100")]
)
def test_percentile_keys(percent, key):
    assert percentile_key(percent) == key


@pytest.mark.parametrize(
    ("values", "present"),
    [
        ([None, None, None], {"count", "missing"}),
        ([4.0, None, None], {"count", "missing", "mean", "min", "max", "median", "sum"}),
        (
            [4.0, 6.0, None],
            {"count", "missing", "mean", "min", "max", "median", "sum", "std", "var"},
        ),
        (
            [4.0, 6.0, 11.0],
            {"count", "missing", "mean", "min", "max", "median", "sum", "std", "var", "skewness"},
        ),
        ([4.0, 6.0, 11.0, 1.0], set(STATISTICS) - {"mode", "percentiles"}),
    ],
)
def test_statistics_undefined_for_few_values_are_absent(values, present):
    frame = pd.DataFrame({"x": values}, dtype="float64")
    table = Table(TableRef("sqlite://", "ds", "t", {"x": "numeric"}), frame)

    found = describe(table, ["x"], [s for s in STATISTICS if s not in ("mode", "percentiles")])

    assert set(found["x"]) - {"column_type"} == present
    assert found["x"]["missing"] == sum(v is None for v in values)


def test_a_constant_column_has_zero_spread_and_no_shape():
    table = table_of(pd.DataFrame({"x": [0.1] * 6}))

    found = describe(table, ["x"], ["std", "var", "skewness", "kurtosis", "mean"])["x"]

    assert found == {"column_type": "numeric", "std": 0.0, "var": 0.0, "mean": pytest.approx(0.1)}


def test_all_missing_column_has_no_percentiles_or_mode():
    table = Table(
        TableRef("sqlite://", "ds", "t", {"x": "numeric"}), pd.DataFrame({"x": [np.nan] * 4})
    )

    found = describe(table, ["x"], ["percentiles", "mode", "count", "sum"])["x"]

    assert found == {"column_type": "numeric", "count": 0}


def test_infinite_values_are_counted_as_missing_and_never_reported():
    frame = pd.DataFrame({"x": [1.0, np.inf, 3.0, -np.inf, np.nan, 5.0]})
    table = Table(TableRef("sqlite://", "ds", "t", {"x": "numeric"}), frame)

    found = describe(table, ["x"], list(STATISTICS))["x"]

    assert found["count"] == 3
    assert found["missing"] == 3
    assert found["max"] == 5.0
    assert found["mean"] == 3.0
    assert all(math.isfinite(v) for v in flat_numbers({"x": found}))


def test_no_statistic_is_nan_on_real_data_with_gaps(diabetes_with_gaps):
    results = describe(table_of(diabetes_with_gaps), statistics=list(STATISTICS))

    assert all(math.isfinite(v) for v in flat_numbers(results))


def test_an_unknown_column_is_refused_with_the_valid_choices(mixed):
    with pytest.raises(InvalidParameter) as raised:
        describe(mixed, ["amount", "amont"])

    assert raised.value.details["parameter"] == "columns"
    assert raised.value.details["value"] == "amont"
    assert raised.value.details["valid_choices"] == ["amount", "region", "paid", "day"]


def test_an_unknown_statistic_is_refused_with_the_valid_choices(mixed):
    with pytest.raises(InvalidParameter) as raised:
        describe(mixed, statistics=["mean", "average"])

    assert raised.value.details["parameter"] == "statistics"
    assert raised.value.details["value"] == "average"
    assert raised.value.details["valid_choices"] == list(STATISTICS)


def test_a_numeric_statistic_of_a_named_categorical_column_is_refused(mixed):
    with pytest.raises(InvalidParameter) as raised:
        describe(mixed, ["amount", "region"], ["count", "median"])

    assert "median" in raised.value.message and "region" in raised.value.message
    assert raised.value.details["parameter"] == "columns"
    assert raised.value.details["value"] == "region"
    assert raised.value.details["statistic"] == "median"
    assert raised.value.details["column_type"] == "categorical"
    assert raised.value.details["valid_choices"] == ["amount"]


def test_default_statistics_of_named_non_numeric_columns_are_not_refused(mixed):
    assert describe(mixed, ["region", "paid", "day"]) == {
        "region": {"column_type": "categorical", "count": 7, "missing": 1, "mode": "north"},
        "paid": {"column_type": "boolean", "count": 7, "missing": 1, "mode": True},
        "day": {"column_type": "datetime", "count": 8, "missing": 0},
    }


@pytest.mark.parametrize("percent", [-1.0, 100.5, float("nan"), float("inf")])
def test_a_percentile_outside_0_to_100_is_refused(mixed, percent):
    with pytest.raises(InvalidParameter) as raised:
        describe(mixed, ["amount"], percentiles=[50, percent])

    assert raised.value.details["parameter"] == "percentiles"
    assert raised.value.details["valid_range"] == [0, 100]


# ---------------------------------------------------------------- values near the float64 limits


def test_huge_values_keep_std_skewness_and_kurtosis_and_var_overflowing_is_absent():
    # Squaring 1e200 overflows float64: std is representable, var (1e400) is not.
    values = [1e200, 3e200, 2e200, 4e200, 9e200]
    scaled = pd.Series(values) / 1e200
    table = table_of(pd.DataFrame({"x": values}))

    found = describe(table, ["x"], list(STATISTICS))["x"]

    assert found["std"] == pytest.approx(scaled.std() * 1e200, rel=1e-12)
    assert found["mean"] == pytest.approx(scaled.mean() * 1e200, rel=1e-12)
    assert found["skewness"] == pytest.approx(scaled.skew(), rel=1e-9)
    assert found["kurtosis"] == pytest.approx(scaled.kurt(), rel=1e-9)
    assert found["sum"] == pytest.approx(19e200, rel=1e-12)
    assert "var" not in found


def test_values_spanning_the_whole_float64_range_keep_finite_order_statistics():
    table = table_of(pd.DataFrame({"x": [-1e308, 1e308]}))

    found = describe(table, ["x"], list(STATISTICS), [10, 50])["x"]

    assert found["median"] == 0.0
    assert found["percentiles"] == pytest.approx({"10": -0.8e308, "50": 0.0})
    assert found["std"] == pytest.approx(2**0.5 * 1e308, rel=1e-12)
    assert found["mean"] == 0.0


def test_tiny_values_keep_a_nonzero_std():
    # Squares of 1e-200 underflow to zero.
    values = [1e-200, 3e-200, 2e-200]
    table = table_of(pd.DataFrame({"x": values}))

    found = describe(table, ["x"], ["std", "var"])["x"]

    assert found["std"] == pytest.approx(1e-200, rel=1e-12, abs=0)
