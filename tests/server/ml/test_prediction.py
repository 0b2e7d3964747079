"""Predictions for records: typed by the model's feature types, every
mistake named by record and feature, predictions equal to the pipeline's and
probabilities keyed by class; models of any predictable kind, EEG refused."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from conftest import sklearn_frame
from neurogate.server.analytics.tables import Table, TableRef
from neurogate.server.datasets.parsing import parse_upload, read_parquet
from neurogate.server.errors import InvalidParameter
from neurogate.server.ml.prediction import (
    MAX_RECORDS,
    check_count,
    check_kind,
    predict,
    records_frame,
)
from neurogate.server.ml.training import TrainingRequest, train
from neurogate.server.ml.value_range import MAX_MAGNITUDE

TYPES = {"age": "numeric", "member": "boolean", "region": "categorical", "since": "datetime"}
FEATURES = list(TYPES)
RECORD = {"age": 41.0, "member": True, "region": "north", "since": "2024-03-05"}


def table_of(frame: pd.DataFrame) -> Table:
    """``frame`` as an upload would store it: CSV parsed, typed and re-read."""
    parsed = parse_upload(frame.to_csv(index=False).encode(), filename="t.csv")
    types = {column.name: column.type for column in parsed.schema}
    return Table(TableRef("sqlite://", "ds_test", "t", types), read_parquet(parsed.parquet))


def test_records_become_a_frame_typed_by_the_feature_types():
    frame = records_frame(
        [
            RECORD,
            {"age": None, "member": None, "region": None, "since": "2024-03-05T10:00:00+02:00"},
        ],
        FEATURES,
        TYPES,
    )

    assert list(frame.columns) == FEATURES
    assert frame["age"].dtype == "float64" and np.isnan(frame["age"][1])
    assert frame["member"].dtype == "boolean" and frame["member"].isna().tolist() == [False, True]
    assert frame["region"].tolist()[0] == "north" and pd.isna(frame["region"][1])
    assert frame["since"].dtype == "datetime64[ns]"
    assert frame["since"].tolist() == [pd.Timestamp("2024-03-05"), pd.Timestamp("2024-03-05 08:00")]


def refusal(records: list[dict]) -> dict:
    with pytest.raises(InvalidParameter) as raised:
        records_frame(records, FEATURES, TYPES)
    return raised.value.details


def test_a_missing_feature_names_the_record_and_feature():
    incomplete = {k: v for k, v in RECORD.items() if k != "region"}

    details = refusal([RECORD, incomplete])

    assert (details["record"], details["feature"]) == (1, "region")
    assert details["valid_choices"] == FEATURES


def test_an_unknown_feature_names_the_record_and_feature():
    details = refusal([RECORD, RECORD, {**RECORD, "colour": "red"}])

    assert (details["record"], details["feature"]) == (2, "colour")


@pytest.mark.parametrize(
    ("feature", "value"),
    [
        ("age", "forty"),
        ("age", True),
        ("member", 1.0),
        ("region", 3.0),
        ("since", "yesterday-ish"),
        ("since", None),
        ("since", 20240305.0),
    ],
)
def test_a_value_of_the_wrong_type_names_the_record_and_feature(feature: str, value):
    details = refusal([{**RECORD, feature: value}])

    assert (details["parameter"], details["record"], details["feature"]) == ("data", 0, feature)


def test_the_number_of_records_is_bounded():
    check_count(MAX_RECORDS)
    for count in (0, MAX_RECORDS + 1):
        with pytest.raises(InvalidParameter):
            check_count(count)


def test_eeg_models_are_sent_to_the_inference_route():
    check_kind("tabular", "mdl_1")
    check_kind("forecast", "mdl_2")
    with pytest.raises(InvalidParameter) as raised:
        check_kind("eeg", "mdl_3")

    assert "/v1/models/mdl_3/predict" in raised.value.message


def test_classifier_predictions_and_probabilities_equal_the_pipelines():
    table = table_of(sklearn_frame("iris"))
    trained = train(
        table, TrainingRequest(target="target", features=[], model_type="logistic_regression")
    )
    rows = table.frame.drop(columns="target").iloc[[0, 60, 120]]

    result = predict(
        trained.pipeline, rows.to_dict("records"), trained.features, trained.feature_types
    )

    assert result.values == trained.pipeline.predict(rows).tolist()
    expected = trained.pipeline.predict_proba(rows)
    assert result.probabilities is not None
    for row, probabilities in zip(expected, result.probabilities, strict=True):
        assert list(probabilities) == ["setosa", "versicolor", "virginica"]
        assert list(probabilities.values()) == pytest.approx(row, rel=1e-12)


def test_regression_predictions_are_plain_floats_without_probabilities():
    table = table_of(sklearn_frame("diabetes"))
    trained = train(table, TrainingRequest(target="target", features=[], model_type="ridge"))
    rows = table.frame.drop(columns="target").head(4)

    result = predict(
        trained.pipeline, rows.to_dict("records"), trained.features, trained.feature_types
    )

    assert result.probabilities is None
    assert all(type(value) is float for value in result.values)
    assert result.values == pytest.approx(trained.pipeline.predict(rows), rel=1e-12)


def test_boolean_and_whole_number_classes_come_back_as_json_values():
    frame = pd.DataFrame({"x": np.arange(40.0), "y": np.arange(40) >= 20, "k": np.arange(40) // 20})
    table = table_of(frame)
    by_flag = train(table, TrainingRequest(target="y", features=["x"], model_type="decision_tree"))
    by_code = train(table, TrainingRequest(target="k", features=["x"], model_type="decision_tree"))

    flags = predict(by_flag.pipeline, [{"x": 1.0}, {"x": 39.0}], ["x"], {"x": "numeric"})
    codes = predict(by_code.pipeline, [{"x": 1.0}], ["x"], {"x": "numeric"})

    assert flags.values == [False, True]
    assert list(flags.probabilities[0]) == ["False", "True"]
    assert codes.values == [0] and type(codes.values[0]) is int
    assert list(codes.probabilities[0]) == ["0", "1"]


class DateModel:
    """A forecast-like artifact: one datetime feature, a day count out."""

    def predict(self, frame: pd.DataFrame) -> np.ndarray:
        assert list(frame.columns) == ["date"]
        assert frame["date"].dtype == "datetime64[ns]"
        return ((frame["date"] - pd.Timestamp("2024-01-01")).dt.days * 1.0).to_numpy()


def test_a_forecast_model_gets_its_dates_as_datetimes():
    result = predict(DateModel(), [{"date": "2024-01-11"}], ["date"], {"date": "datetime"})

    assert result.values == [10.0]
    assert result.probabilities is None


# ---------------------------------------------------------------- values out of a model's range


@pytest.mark.parametrize("value", [1e200, -1e200, 1.7e308, 3.5e38, 10**400])
def test_a_number_beyond_what_a_model_takes_names_the_record_and_feature(value):
    with pytest.raises(InvalidParameter) as raised:
        records_frame([RECORD, {**RECORD, "age": value}], FEATURES, TYPES)

    details = raised.value.details
    assert (details["parameter"], details["record"], details["feature"]) == ("data", 1, "age")
    assert details["valid_range"] == [-MAX_MAGNITUDE, MAX_MAGNITUDE]
    assert "record 1" in raised.value.message and "out of the range" in raised.value.message


def test_the_largest_number_a_model_takes_is_accepted():
    frame = records_frame([{**RECORD, "age": MAX_MAGNITUDE}], FEATURES, TYPES)

    assert frame["age"][0] == MAX_MAGNITUDE


def small_table(x: np.ndarray) -> Table:
    frame = pd.DataFrame({"x": x, "y": 2 * x + np.linspace(-1, 1, len(x))})
    return Table(TableRef("sqlite://", "ds_test", "t", {"x": "numeric", "y": "numeric"}), frame)


@pytest.mark.parametrize("model_type", ["decision_tree", "random_forest", "gradient_boosting"])
def test_a_huge_value_is_refused_before_a_tree_model_overflows_float32(model_type: str):
    table = small_table(np.linspace(0, 50, 40))
    trained = train(table, TrainingRequest(target="y", features=["x"], model_type=model_type))

    with pytest.raises(InvalidParameter) as raised:
        predict(trained.pipeline, [{"x": 1.0}, {"x": 1e200}], ["x"], {"x": "numeric"})

    assert (raised.value.details["record"], raised.value.details["feature"]) == (1, "x")


def test_a_value_the_training_scale_would_push_past_float32_is_refused_with_its_range():
    # Training values that barely vary: standardising multiplies by about 10,000.
    table = small_table(np.linspace(0, 0.01, 40))
    trained = train(table, TrainingRequest(target="y", features=["x"], model_type="decision_tree"))

    with pytest.raises(InvalidParameter) as raised:
        predict(trained.pipeline, [{"x": 1e37}], ["x"], {"x": "numeric"})

    details = raised.value.details
    assert (details["record"], details["feature"]) == (0, "x")
    low, high = details["valid_range"]
    assert -MAX_MAGNITUDE < low < 0 < high < 1e37
    assert predict(trained.pipeline, [{"x": high}], ["x"], {"x": "numeric"}).values
