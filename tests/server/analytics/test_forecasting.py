"""Forecasts of a dataset column over its dates: the series per period, the
calendar design, hold-out metrics, prediction intervals and the stored
forecaster, each checked against statsmodels or scikit-learn run directly on
the same numbers; and every refusal."""

from __future__ import annotations

import math
import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import GradientBoostingRegressor, RandomForestRegressor
from sklearn.linear_model import Ridge
from sklearn.metrics import mean_absolute_error, mean_squared_error, r2_score
from statsmodels.regression.linear_model import OLS
from statsmodels.tools.sm_exceptions import ConvergenceWarning
from statsmodels.tsa.statespace.structural import UnobservedComponents

from neurogate.server.analytics.forecasting import (
    MAX_HORIZON,
    MAX_SEASONAL_PERIODS,
    MODEL_TYPES,
    Calendar,
    Forecast,
    ForecastOptions,
    build_series,
    conformal_half_width,
    conformal_min_holdout,
    forecast,
    forecast_options,
    model_record,
    period_ordinals,
)
from neurogate.server.analytics.tables import Table, TableRef
from neurogate.server.errors import InsufficientData, InvalidParameter
from neurogate.server.ml.artifacts import seal, unseal

DAYS = 120
START = "2024-01-01"  # a Monday


def daily_frame(days: int = DAYS, seed: int = 7) -> pd.DataFrame:
    """Trend + weekly seasonality + noise, one row per day, plus a region."""
    rng = np.random.default_rng(seed)
    dates = pd.date_range(START, periods=days, freq="D")
    weekly = np.array([0.0, 1.5, 2.5, 2.0, 1.0, -2.0, -3.0])[dates.day_of_week]
    sales = 50 + 0.3 * np.arange(days) + weekly + rng.normal(0, 1.0, days)
    return pd.DataFrame(
        {"day": dates, "sales": sales, "region": np.where(np.arange(days) % 2, "n", "s")}
    )


def as_table(frame: pd.DataFrame) -> Table:
    types = {
        name: "datetime"
        if pd.api.types.is_datetime64_any_dtype(frame[name])
        else "numeric"
        if pd.api.types.is_numeric_dtype(frame[name])
        else "categorical"
        for name in frame.columns
    }
    return Table(TableRef("sqlite://", "ds_test", "test", types), frame)


def options(**overrides) -> ForecastOptions:
    fields = {
        "model_type": "",
        "interval": "",
        "horizon": 0,
        "confidence_level": 0.0,
        "test_size": 0.0,
        "features": [],
    }
    fields.update(overrides)
    return forecast_options(**fields)


def run(frame: pd.DataFrame, target: str = "sales", date_column: str = "", **overrides) -> Forecast:
    return forecast(as_table(frame), date_column, target, options(**overrides))


def day_design(dates: pd.DatetimeIndex, origin: pd.Timestamp) -> np.ndarray:
    """Intercept, days since origin and Tuesday..Sunday indicators, built
    independently of the module under test."""
    trend = ((dates - origin) / pd.Timedelta(days=1)).to_numpy(dtype=float)
    dummies = pd.get_dummies(dates.day_of_week).reindex(columns=range(1, 7), fill_value=False)
    return np.column_stack([np.ones(len(dates)), trend, dummies.to_numpy(dtype=float)])


def future_days(frame: pd.DataFrame, horizon: int) -> pd.DatetimeIndex:
    return pd.date_range(frame["day"].iloc[-1] + pd.Timedelta(days=1), periods=horizon, freq="D")


def values(result: Forecast) -> np.ndarray:
    return np.array([p.value for p in result.predictions])


def bounds(result: Forecast) -> tuple[np.ndarray, np.ndarray]:
    return (
        np.array([p.lower for p in result.predictions]),
        np.array([p.upper for p in result.predictions]),
    )


def structural(endog: np.ndarray, season: int, harmonics: int):
    """statsmodels' UnobservedComponents with a local linear trend and a
    trigonometric seasonal, fitted directly (its optimiser's convergence
    note silenced as in the module)."""
    model = UnobservedComponents(
        endog,
        level="local linear trend",
        freq_seasonal=[{"period": season, "harmonics": harmonics}],
    )
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=ConvergenceWarning)
        return model.fit(disp=False)


# ---------------------------------------------------------------- linear regression


def test_linear_forecast_and_intervals_equal_statsmodels_ols_on_the_same_design():
    frame = daily_frame()

    result = run(frame, horizon=10, confidence_level=0.9)

    origin = frame["day"].iloc[0]
    fitted = OLS(
        frame["sales"].to_numpy(), day_design(pd.DatetimeIndex(frame["day"]), origin)
    ).fit()
    ahead = fitted.get_prediction(day_design(future_days(frame, 10), origin))
    expected = ahead.summary_frame(alpha=0.1)
    lower, upper = bounds(result)
    assert values(result) == pytest.approx(expected["mean"].to_numpy(), rel=1e-9)
    assert lower == pytest.approx(expected["obs_ci_lower"].to_numpy(), rel=1e-9)
    assert upper == pytest.approx(expected["obs_ci_upper"].to_numpy(), rel=1e-9)
    assert result.interval_method == "ols_prediction_interval"
    assert [p.date for p in result.predictions][:2] == ["2024-04-30", "2024-05-01"]


def test_linear_metrics_are_sklearns_on_the_held_out_tail_of_a_head_fit():
    frame = daily_frame()

    result = run(frame, test_size=0.25)

    holdout = math.ceil(0.25 * DAYS)
    origin = frame["day"].iloc[0]
    design = day_design(pd.DatetimeIndex(frame["day"]), origin)
    y = frame["sales"].to_numpy()
    head = OLS(y[:-holdout], design[:-holdout]).fit()
    guess = head.predict(design[-holdout:])
    assert result.holdout_rows == holdout == 30
    assert result.metrics["r2_score"] == pytest.approx(r2_score(y[-holdout:], guess), rel=1e-9)
    assert result.metrics["rmse"] == pytest.approx(
        math.sqrt(mean_squared_error(y[-holdout:], guess)), rel=1e-9
    )
    assert result.metrics["mae"] == pytest.approx(
        mean_absolute_error(y[-holdout:], guess), rel=1e-9
    )


def test_gaps_keep_their_calendar_distance_in_the_trend():
    frame = daily_frame().drop(index=[10, 11, 12, 50, 90]).reset_index(drop=True)

    result = run(frame, horizon=3)

    origin = frame["day"].iloc[0]
    design = day_design(pd.DatetimeIndex(frame["day"]), origin)
    fitted = OLS(frame["sales"].to_numpy(), design).fit()
    expected = fitted.predict(day_design(future_days(frame, 3), origin))
    assert values(result) == pytest.approx(expected, rel=1e-9)
    assert result.periods == DAYS - 5


# ---------------------------------------------------------------- seasonal


def test_seasonal_forecast_intervals_and_metrics_equal_statsmodels_run_directly():
    frame = daily_frame(days=84)

    result = run(frame, model_type="seasonal", horizon=7, confidence_level=0.8)

    y = frame["sales"].to_numpy()
    full = structural(y, 7, 3).get_forecast(7)
    conf = np.asarray(full.conf_int(alpha=0.2))
    lower, upper = bounds(result)
    assert values(result) == pytest.approx(np.asarray(full.predicted_mean), rel=1e-6)
    assert lower == pytest.approx(conf[:, 0], rel=1e-6)
    assert upper == pytest.approx(conf[:, 1], rel=1e-6)
    holdout = math.ceil(0.2 * 84)
    guess = np.asarray(structural(y[:-holdout], 7, 3).forecast(holdout))
    assert result.metrics["rmse"] == pytest.approx(
        math.sqrt(mean_squared_error(y[-holdout:], guess)), rel=1e-6
    )
    assert result.interval_method == "state_space_forecast_interval"


def test_seasonal_model_leaves_gaps_missing_for_the_kalman_filter():
    frame = daily_frame(days=70).drop(index=[20, 21, 40]).reset_index(drop=True)

    result = run(frame, model_type="seasonal", horizon=3, test_size=0.15)

    grid = np.full(70, np.nan)
    grid[((frame["day"] - frame["day"].iloc[0]).dt.days).to_numpy()] = frame["sales"]
    expected = np.asarray(structural(grid, 7, 3).forecast(3))
    assert values(result) == pytest.approx(expected, rel=1e-6)


# ---------------------------------------------------------------- other regressors


def test_ridge_forecast_is_sklearns_with_a_split_conformal_interval():
    frame = daily_frame()

    result = run(frame, model_type="ridge", horizon=5, confidence_level=0.9)

    design = day_design(pd.DatetimeIndex(frame["day"]), frame["day"].iloc[0])[:, 1:]
    ahead = day_design(future_days(frame, 5), frame["day"].iloc[0])[:, 1:]
    y = frame["sales"].to_numpy()
    holdout = math.ceil(0.2 * DAYS)
    residuals = np.abs(
        y[-holdout:]
        - Ridge(alpha=1.0).fit(design[:-holdout], y[:-holdout]).predict(design[-holdout:])
    )
    half = np.sort(residuals)[math.ceil((holdout + 1) * 0.9) - 1]
    expected = Ridge(alpha=1.0).fit(design, y).predict(ahead)
    lower, upper = bounds(result)
    assert values(result) == pytest.approx(expected, rel=1e-9)
    assert upper - values(result) == pytest.approx(np.full(5, half), rel=1e-9)
    assert values(result) - lower == pytest.approx(np.full(5, half), rel=1e-9)
    assert result.interval_method == "split_conformal"


@pytest.mark.parametrize(
    ("model_type", "estimator"),
    [
        ("random_forest", lambda: RandomForestRegressor(n_estimators=200, random_state=0)),
        ("gradient_boosting", lambda: GradientBoostingRegressor(random_state=0)),
    ],
)
def test_tree_models_metrics_are_sklearns_on_the_held_out_tail(model_type, estimator):
    frame = daily_frame()

    result = run(frame, model_type=model_type)

    design = day_design(pd.DatetimeIndex(frame["day"]), frame["day"].iloc[0])[:, 1:]
    y = frame["sales"].to_numpy()
    holdout = math.ceil(0.2 * DAYS)
    guess = estimator().fit(design[:-holdout], y[:-holdout]).predict(design[-holdout:])
    assert result.metrics["mae"] == pytest.approx(
        mean_absolute_error(y[-holdout:], guess), rel=1e-9
    )
    assert result.metrics["r2_score"] == pytest.approx(r2_score(y[-holdout:], guess), rel=1e-9)


def test_conformal_rank_is_the_ceil_of_m_plus_one_times_the_level():
    residuals = np.arange(1.0, 20.0)  # m = 19

    assert conformal_half_width(residuals, 0.95) == 19.0  # ceil(20 * 0.95) = 19
    assert conformal_half_width(residuals, 0.9) == 18.0
    assert conformal_min_holdout(0.95) == 19
    assert conformal_min_holdout(0.9) == 9
    assert conformal_min_holdout(0.5) == 1


# ---------------------------------------------------------------- the stored model


@pytest.mark.parametrize("model_type", MODEL_TYPES)
def test_stored_forecaster_predicts_the_responses_values_after_sealing(model_type):
    frame = daily_frame(days=84)
    result = run(frame, model_type=model_type, horizon=6, confidence_level=0.8)

    restored = unseal(seal(result.forecaster, "key"), "key")
    dates = pd.DataFrame({"day": pd.to_datetime([p.date for p in result.predictions])})

    assert restored.predict(dates) == pytest.approx(values(result), rel=1e-12)
    assert pickle.loads(pickle.dumps(result.forecaster)).predict(dates) == pytest.approx(
        values(result), rel=1e-12
    )


def test_stored_seasonal_model_keeps_its_data_and_parameters_not_the_filter_output():
    result = run(daily_frame(), model_type="seasonal")

    fit = result.forecaster.estimator

    assert fit.endog.shape == (DAYS,) and fit.season == 7
    assert len(seal(result.forecaster, "key")) < 20_000


def test_stored_forecaster_predicts_any_time_within_a_period_as_that_period():
    frame = daily_frame()
    result = run(frame, horizon=2)

    later_that_day = pd.DataFrame({"day": pd.to_datetime(["2024-04-30 17:45", "2024-05-01 08:00"])})

    assert result.forecaster.predict(later_that_day) == pytest.approx(values(result), rel=1e-12)


def test_stored_forecaster_refuses_missing_dates_and_seasonal_dates_before_the_series():
    seasonal = run(daily_frame(days=84), model_type="seasonal").forecaster

    with pytest.raises(InvalidParameter) as missing:
        seasonal.predict(pd.DataFrame({"day": pd.to_datetime(["2024-05-01", None])}))
    with pytest.raises(InvalidParameter) as early:
        seasonal.predict(pd.DataFrame({"day": pd.to_datetime(["2023-12-31"])}))

    assert missing.value.details["parameter"] == "day"
    assert early.value.details["value"] == "2023-12-31"


def test_model_record_describes_a_forecast_over_the_date_column():
    frame = daily_frame()
    result = run(frame, model_type="ridge", features=["trend", "month"])

    record = model_record(result, options(model_type="ridge"), "ds_1", "sales")

    assert record["kind"] == "forecast" and record["task"] == "regression"
    assert record["features"] == ["day"]
    assert record["details"]["feature_types"] == {"day": "datetime"}
    assert record["details"]["interval_method"] == "split_conformal"
    assert record["metrics"] == result.metrics
    assert result.design_columns == ["trend", "month=2", "month=3", "month=4"]  # Jan..Apr


# ---------------------------------------------------------------- the series


def test_series_is_the_mean_per_period_skipping_missing_rows():
    dates = pd.Series(
        pd.to_datetime(["2024-01-01 01:00", "2024-01-01 23:00", "2024-01-03 00:00", None])
    )
    target = pd.Series([1.0, 3.0, np.nan, 9.0])

    series = build_series(dates, target, "day")

    assert series.values.tolist() == [2.0]
    assert series.rows == 2


def test_periods_are_labelled_by_their_start_and_hours_with_their_time():
    hourly = pd.DataFrame(
        {"t": pd.date_range("2024-03-01", periods=72, freq="h"), "v": np.arange(72.0)}
    )
    weekly = pd.DataFrame(
        {"t": pd.date_range("2022-01-05", periods=40, freq="7D"), "v": np.arange(40.0)}
    )
    monthly = pd.DataFrame(
        {"t": pd.date_range("2020-01-15", periods=30, freq="30D"), "v": np.arange(30.0)}
    )

    by_hour = run(hourly, target="v", interval="hour", horizon=1)
    by_week = run(weekly, target="v", interval="week", horizon=1)
    by_month = run(monthly, target="v", interval="month", horizon=1)

    assert by_hour.predictions[0].date == "2024-03-04T00:00:00"
    assert by_week.first_period == "2022-01-03"  # the Monday of 2022-01-05
    assert by_month.first_period == "2020-01-01"
    assert by_month.last_period == "2022-06-01"  # 2020-01-15 + 29 * 30 days
    assert by_month.predictions[0].date == "2022-07-01"


def test_dates_with_a_utc_offset_are_taken_in_utc():
    stamps = pd.Series(pd.to_datetime(["2024-01-01T23:30:00-02:00"], utc=True))

    assert period_ordinals(stamps, "day") == period_ordinals(
        pd.Series(pd.to_datetime(["2024-01-02 01:30"])), "day"
    )


def test_default_calendar_features_follow_the_interval():
    assert options(interval="hour").features == ("trend", "hour_of_day")
    assert options().features == ("trend", "day_of_week")
    assert options(interval="week").features == ("trend", "week_of_year")
    assert options(interval="month").features == ("trend", "month")
    assert options(model_type="seasonal").features == ()


def test_indicators_cover_the_levels_the_fit_shows_with_the_first_as_reference():
    hours = pd.Series(pd.date_range("2024-01-01 08:00", periods=4, freq="h"))
    ordinals = period_ordinals(hours, "hour")

    calendar = Calendar.fit(ordinals, "hour", ("trend", "hour_of_day"), int(ordinals[0]))
    night = period_ordinals(pd.Series(pd.to_datetime(["2024-01-02 03:00"])), "hour")

    assert calendar.columns() == ["trend", "hour_of_day=9", "hour_of_day=10", "hour_of_day=11"]
    assert calendar.design(ordinals)[:, 1:].tolist() == [[0, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1]]
    assert calendar.design(night).tolist() == [[19, 0, 0, 0]]  # as the reference, 08:00


def test_business_hours_data_fits_without_a_rank_deficient_design():
    hours = pd.date_range("2024-01-01", periods=24 * 10, freq="h")
    hours = hours[(hours.hour >= 8) & (hours.hour < 18)]
    rng = np.random.default_rng(5)
    frame = pd.DataFrame({"t": hours, "v": hours.hour + rng.normal(0, 0.5, len(hours))})

    result = run(frame, target="v", interval="hour", horizon=24)  # warnings are errors

    assert len(result.design_columns) == 1 + 9
    assert result.predictions[14].date == "2024-01-11T08:00:00"  # after 17:00 on the 10th


def test_week_of_year_is_a_yearly_fourier_shape():
    ordinals = period_ordinals(pd.Series(pd.to_datetime(["2024-01-01", "2024-07-01"])), "day")

    calendar = Calendar.fit(ordinals, "day", ("week_of_year",), int(ordinals[0]))
    design = calendar.design(ordinals)

    assert design[0] == pytest.approx([0, 1, 0, 1, 0, 1])
    phase = 2 * np.pi * 182 / 365.25
    assert design[1, :2] == pytest.approx([np.sin(phase), np.cos(phase)])


# ---------------------------------------------------------------- refusals


@pytest.mark.parametrize(
    ("overrides", "parameter"),
    [
        ({"model_type": "arima"}, "model_type"),
        ({"interval": "fortnight"}, "interval"),
        ({"horizon": -1}, "horizon"),
        ({"horizon": MAX_HORIZON + 1}, "horizon"),
        ({"confidence_level": 1.0}, "confidence_level"),
        ({"confidence_level": -0.5}, "confidence_level"),
        ({"confidence_level": float("nan")}, "confidence_level"),
        ({"test_size": 1.5}, "test_size"),
        ({"features": ["hour_of_day"]}, "features"),
        ({"features": ["wind"]}, "features"),
        ({"model_type": "seasonal", "features": ["trend"]}, "features"),
    ],
)
def test_bad_options_are_invalid_parameters_naming_them(overrides, parameter):
    with pytest.raises(InvalidParameter) as raised:
        options(**overrides)

    assert raised.value.details["parameter"] == parameter


def test_unknown_model_type_lists_the_valid_choices():
    with pytest.raises(InvalidParameter) as raised:
        options(model_type="prophet")

    assert raised.value.details["valid_choices"] == list(MODEL_TYPES)


def test_a_dataset_column_as_a_feature_is_refused_explaining_why():
    with pytest.raises(InvalidParameter) as raised:
        options(features=["region"], columns=["day", "sales", "region"])

    assert "future values are unknown" in raised.value.message
    assert raised.value.details["valid_choices"] == [
        "trend",
        "day_of_week",
        "month",
        "week_of_year",
    ]


def test_a_table_without_a_datetime_column_is_refused():
    frame = daily_frame().drop(columns="day")

    with pytest.raises(InvalidParameter) as raised:
        run(frame)

    assert raised.value.details["parameter"] == "date_column"


def test_a_non_numeric_target_is_refused_with_the_numeric_columns():
    with pytest.raises(InvalidParameter) as raised:
        run(daily_frame(), target="region")

    assert raised.value.details["parameter"] == "target"
    assert raised.value.details["valid_choices"] == ["sales"]


def test_too_few_periods_is_insufficient_data_with_the_numbers():
    with pytest.raises(InsufficientData) as raised:
        run(daily_frame(days=7))

    assert raised.value.details["periods"] == 7
    assert raised.value.details["needed"] == 8


def test_a_head_with_no_more_periods_than_model_terms_is_insufficient_data():
    with pytest.raises(InsufficientData) as raised:
        run(daily_frame(days=9))  # 7 training periods for intercept, trend, 6 weekdays

    assert raised.value.details["training_periods"] == 7
    assert raised.value.details["needed"] == 9


def test_seasonal_model_needs_two_seasons_before_the_tail():
    with pytest.raises(InsufficientData) as raised:
        run(daily_frame(days=16), model_type="seasonal")

    assert raised.value.details["training_span"] == 12
    assert raised.value.details["needed"] == 14


def test_a_conformal_level_the_tail_cannot_support_is_insufficient_data():
    with pytest.raises(InsufficientData) as raised:
        run(daily_frame(days=40), model_type="ridge", confidence_level=0.95)

    assert raised.value.details["holdout_rows"] == 8
    assert raised.value.details["needed"] == 19


def test_a_seasonal_series_spanning_too_many_periods_is_refused_on_interval():
    stamps = [*pd.date_range("2024-01-01", periods=8, freq="h"), pd.Timestamp("2026-01-01")]
    frame = pd.DataFrame({"t": stamps, "v": np.arange(9.0)})

    with pytest.raises(InvalidParameter) as raised:
        run(frame, target="v", model_type="seasonal", interval="hour")

    assert raised.value.details["parameter"] == "interval"
    assert raised.value.details["periods"] > MAX_SEASONAL_PERIODS


def test_a_tail_of_one_period_is_insufficient_data():
    with pytest.raises(InsufficientData) as raised:
        run(daily_frame(), test_size=0.005)

    assert raised.value.details["parameter"] == "test_size"


def test_hourly_seasonal_model_has_a_daily_period_with_six_harmonics():
    rng = np.random.default_rng(3)
    hours = pd.date_range("2024-03-01", periods=72, freq="h")
    frame = pd.DataFrame(
        {"t": hours, "v": np.sin(2 * np.pi * hours.hour / 24) + rng.normal(0, 0.1, 72)}
    )

    result = run(frame, target="v", model_type="seasonal", interval="hour", horizon=4)

    expected = structural(frame["v"].to_numpy(), 24, 6).forecast(4)
    assert values(result) == pytest.approx(np.asarray(expected), rel=1e-6)
    assert result.predictions[0].date == "2024-03-04T00:00:00"
