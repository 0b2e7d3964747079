"""Row filters of Analytics.Descriptive: inclusive date ranges (a date-only
end covers its whole day) and column predicates, with refusals naming the
column, operator or value that is wrong."""

from __future__ import annotations

import pandas as pd
import pytest

from neurogate.server.analytics.row_filters import filter_rows
from neurogate.server.analytics.tables import Table, TableRef
from neurogate.server.datasets.parsing import parse_upload, read_parquet
from neurogate.server.errors import InvalidParameter


def table_of(frame: pd.DataFrame) -> Table:
    """``frame`` as an upload would store it: CSV parsed, typed and re-read."""
    parsed = parse_upload(frame.to_csv(index=False).encode(), filename="t.csv")
    types = {column.name: column.type for column in parsed.schema}
    return Table(TableRef("sqlite://", "ds_test", "t", types), read_parquet(parsed.parquet))


@pytest.fixture
def sales() -> Table:
    return table_of(
        pd.DataFrame(
            {
                "sold_at": [
                    "2026-01-01 08:00",
                    "2026-01-02 23:30",
                    "2026-01-03 00:00",
                    "2026-01-04 12:00",
                    "2026-01-05 09:00",
                    "2026-01-06 10:00",
                ],
                "region": ["north", "south", "north", "east", None, "south"],
                "amount": [5.0, 12.0, 50.0, 51.0, 30.0, None],
                "online": [True, False, True, True, False, False],
            }
        )
    )


def rows(table: Table, **kwargs) -> list[float]:
    return filter_rows(table, **kwargs)["amount"].fillna(-1).tolist()


def test_the_column_types_are_as_uploaded(sales: Table):
    assert sales.column_types == {
        "sold_at": "datetime",
        "region": "text",  # 3 distinct values in 5 rows: too many for categorical
        "amount": "numeric",
        "online": "boolean",
    }


def test_a_date_only_end_includes_that_whole_day(sales: Table):
    assert rows(sales, start="2026-01-02", end="2026-01-02") == [12.0]
    assert rows(sales, start="2026-01-02", end="2026-01-03") == [12.0, 50.0]


def test_date_time_bounds_are_inclusive(sales: Table):
    assert rows(sales, start="2026-01-02T23:30:00", end="2026-01-04T12:00:00") == [
        12.0,
        50.0,
        51.0,
    ]


def test_the_first_datetime_column_is_the_default(sales: Table):
    assert rows(sales, end="2026-01-01") == [5.0]


def test_an_unparsable_date_is_refused_naming_the_bound(sales: Table):
    with pytest.raises(InvalidParameter) as raised:
        filter_rows(sales, start="01/13/2026x")

    assert raised.value.details["parameter"] == "filters.date_range.start"


def test_a_start_after_the_end_is_refused(sales: Table):
    with pytest.raises(InvalidParameter) as raised:
        filter_rows(sales, start="2026-01-05", end="2026-01-01")

    assert raised.value.details["parameter"] == "filters.date_range"


def test_a_date_range_without_a_datetime_column_is_refused():
    table = table_of(pd.DataFrame({"amount": [1.0, 2.0]}))

    with pytest.raises(InvalidParameter) as raised:
        filter_rows(table, start="2026-01-01")

    assert raised.value.details["parameter"] == "filters.date_range.column"


def test_a_date_range_on_a_non_datetime_column_is_refused(sales: Table):
    with pytest.raises(InvalidParameter) as raised:
        filter_rows(sales, date_column="region", start="2026-01-01")

    assert raised.value.details["valid_choices"] == ["sold_at"]


def test_equality_shorthand_and_membership(sales: Table):
    assert rows(sales, where={"region": "north"}) == [5.0, 50.0]
    assert rows(sales, where={"region": ["east", "south"]}) == [12.0, 51.0, -1]


def test_operators_combine_like_pandas(sales: Table):
    frame = sales.frame
    expected = frame[(frame["amount"] > 10) & (frame["amount"] <= 50)]["amount"].tolist()

    assert rows(sales, where={"amount": {"gt": 10, "lte": 50}}) == expected


def test_missing_values_match_no_predicate_not_even_ne(sales: Table):
    assert rows(sales, where={"region": {"ne": "north"}}) == [12.0, 51.0, -1]
    assert rows(sales, where={"amount": {"not_in": [5, 12]}}) == [50.0, 51.0, 30.0]


def test_boolean_and_datetime_predicates(sales: Table):
    assert rows(sales, where={"online": False, "sold_at": {"gte": "2026-01-05"}}) == [30.0, -1]


@pytest.mark.parametrize(
    ("where", "parameter", "value"),
    [
        ({"colour": "red"}, "filters.where", "colour"),
        ({"amount": {"between": 3}}, "filters.where.amount", "between"),
        ({"region": {"gt": "a"}}, "filters.where.region", "gt"),
        ({"amount": "ten"}, "filters.where.amount", "ten"),
        ({"amount": {"gt": True}}, "filters.where.amount", True),
        ({"online": "yes"}, "filters.where.online", "yes"),
        ({"region": 3}, "filters.where.region", 3),
        ({"amount": {"in": 5}}, "filters.where.amount", 5),
        ({"sold_at": {"gt": "soon"}}, "filters.where.sold_at", "soon"),
    ],
)
def test_a_bad_predicate_is_refused_naming_it(sales: Table, where, parameter, value):
    with pytest.raises(InvalidParameter) as raised:
        filter_rows(sales, where=where)

    assert raised.value.details["parameter"] == parameter
    assert raised.value.details["value"] == value


def test_bounds_meet_a_utc_column_in_its_zone():
    table = table_of(
        pd.DataFrame(
            {
                "at": ["2026-03-28T23:30:00+01:00", "2026-03-29T10:00:00+02:00"],
                "amount": [1.0, 2.0],
            }
        )
    )

    assert rows(table, end="2026-03-28") == [1.0]  # 22:30 UTC on the 28th
    assert rows(table, start="2026-03-29T09:00:00+01:00") == [2.0]  # 08:00 UTC


def test_an_offset_bound_on_a_zoneless_column_is_read_in_utc(sales: Table):
    assert rows(sales, end="2026-01-01T09:00:00+01:00") == [5.0]
    assert rows(sales, end="2026-01-01T08:30:00+01:00") == []
