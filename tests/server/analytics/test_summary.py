"""The summary of Analytics.Descriptive agrees with pandas' defaults: sample
std (ddof=1), linear-interpolation quartiles, missing values skipped, groups
sorted with missing group values left out, and no NaN where a statistic is
undefined."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from neurogate.server.analytics.summary import (
    METRICS,
    check_metrics,
    describe,
    descriptive,
    summarise,
)
from neurogate.server.analytics.tables import Table, TableRef
from neurogate.server.datasets.parsing import parse_upload, read_parquet
from neurogate.server.errors import InvalidParameter


def table_of(frame: pd.DataFrame) -> Table:
    """``frame`` as an upload would store it: CSV parsed, typed and re-read."""
    parsed = parse_upload(frame.to_csv(index=False).encode(), filename="t.csv")
    types = {column.name: column.type for column in parsed.schema}
    return Table(TableRef("sqlite://", "ds_test", "t", types), read_parquet(parsed.parquet))


DIABETES_LIKE = pd.Series([3.0, 1.5, np.nan, 7.25, 2.0, 9.0, 4.5, np.nan, 0.5], name="y")


def test_summary_matches_pandas_describe():
    expected = DIABETES_LIKE.describe()

    got = summarise(DIABETES_LIKE)

    assert got.count == expected["count"]
    assert got.mean == pytest.approx(expected["mean"], rel=1e-12)
    assert got.std == pytest.approx(expected["std"], rel=1e-12)
    assert got.min == expected["min"]
    assert got.max == expected["max"]
    assert got.median == pytest.approx(DIABETES_LIKE.median(), rel=1e-12)
    assert got.quartiles == pytest.approx((expected["25%"], expected["50%"], expected["75%"]))


def test_only_the_requested_metrics_are_filled():
    got = summarise(DIABETES_LIKE, check_metrics(["mean", "quartiles"]))

    assert got.count == 7
    assert got.mean is not None and got.quartiles is not None
    assert (got.median, got.std, got.min, got.max) == (None, None, None, None)


def test_no_metrics_means_all_of_them():
    assert check_metrics([]) == frozenset(METRICS)


def test_an_unknown_metric_is_refused_with_the_valid_choices():
    with pytest.raises(InvalidParameter) as raised:
        check_metrics(["mean", "mode"])

    assert raised.value.details["parameter"] == "metrics"
    assert raised.value.details["value"] == "mode"
    assert raised.value.details["valid_choices"] == list(METRICS)


def test_no_values_give_a_zero_count_and_no_statistics():
    got = summarise(pd.Series([np.nan, np.nan]))

    assert got.count == 0
    assert (got.mean, got.median, got.std, got.min, got.max, got.quartiles) == (None,) * 6


def test_one_value_has_no_sample_std():
    got = summarise(pd.Series([4.0]))

    assert (got.count, got.mean, got.std) == (1, 4.0, None)


def test_groups_match_pandas_groupby_sorted_with_missing_groups_left_out():
    values = pd.Series([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, np.nan])
    groups = pd.Series(["south", "north", None, "south", "north", "north", "north"], dtype="str")
    expected = values.groupby(groups).agg(["count", "mean", "std", "median"])

    got = describe(values, groups)

    assert [entry.category for entry in got.by_category] == ["north", "south"]
    for entry in got.by_category:
        row = expected.loc[entry.category]
        assert entry.summary.count == row["count"]
        assert entry.summary.mean == pytest.approx(row["mean"], rel=1e-12)
        assert entry.summary.std == pytest.approx(row["std"], rel=1e-12)
        assert entry.summary.median == pytest.approx(row["median"], rel=1e-12)
    assert got.summary.count == 6


def test_boolean_groups_are_labelled_false_then_true():
    got = describe(pd.Series([1.0, 2.0, 3.0]), pd.Series([True, False, True]))

    assert [(e.category, e.summary.mean) for e in got.by_category] == [
        ("false", 2.0),
        ("true", 2.0),
    ]


def test_descriptive_filters_then_summarises_and_counts_the_rows_matched():
    table = table_of(
        pd.DataFrame(
            {
                "day": ["2026-01-01", "2026-01-02", "2026-01-03", "2026-01-04"],
                "shop": ["a", "b", "a", "b"],
                "sales": [1.0, None, 3.0, 10.0],
            }
        )
    )

    got = descriptive(
        table, "sales", group_by="shop", start="2026-01-02", where={"sales": {"lt": 5}}
    )

    assert got.rows_matched == 1
    assert (got.summary.count, got.summary.mean) == (1, 3.0)
    assert [e.category for e in got.by_category] == ["a"]


@pytest.mark.parametrize(
    ("fields", "parameter"),
    [
        ({"column": "shop"}, "column"),
        ({"column": "nothing"}, "column"),
        ({"column": "sales", "group_by": "sales"}, "group_by"),
        ({"column": "sales", "group_by": "day"}, "group_by"),
        ({"column": "sales", "metrics": ["p90"]}, "metrics"),
    ],
)
def test_descriptive_refuses_unsuitable_columns_naming_the_parameter(fields, parameter):
    table = table_of(pd.DataFrame({"day": ["2026-01-01"] * 2, "shop": ["a", "b"], "sales": [1, 2]}))

    with pytest.raises(InvalidParameter) as raised:
        descriptive(table, **fields)

    assert raised.value.details["parameter"] == parameter


# ---------------------------------------------------------------- values near the float64 limits


def test_huge_values_keep_their_std_mean_and_quartiles():
    # Squaring 1e200 overflows float64; the statistics themselves do not.
    values = pd.Series([1e200, 3e200, 2e200, 4e200], name="y")
    scaled = values / 1e200

    got = summarise(values)

    assert got.std == pytest.approx(scaled.std() * 1e200, rel=1e-12)
    assert got.mean == pytest.approx(2.5e200, rel=1e-12)
    assert got.quartiles == pytest.approx(tuple(scaled.quantile([0.25, 0.5, 0.75]) * 1e200))


def test_values_spanning_the_whole_float64_range_keep_finite_statistics():
    got = summarise(pd.Series([-1e308, 1e308]))

    assert got.mean == 0.0
    assert got.std == pytest.approx(2**0.5 * 1e308, rel=1e-12)
    assert got.quartiles == pytest.approx((-0.5e308, 0.0, 0.5e308))
    assert (got.min, got.max, got.median) == (-1e308, 1e308, 0.0)


def test_a_std_beyond_float64_is_absent_rather_than_infinite():
    got = summarise(pd.Series([-1.7e308, 1.7e308]))

    assert got.std is None
    assert got.mean == 0.0
