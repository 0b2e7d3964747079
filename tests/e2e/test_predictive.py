"""Analytics.Predictive through Envoy and over gRPC: a daily series with a
trend and weekly seasonality, uploaded as CSV, forecast with statsmodels' and
scikit-learn's numbers run directly in the test; the fitted model stored and
usable by ``/v1/ml/predict``; every refusal in the documented envelope."""

from __future__ import annotations

import json
import math
import warnings

import grpc
import httpx
import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import mean_absolute_error, mean_squared_error, r2_score
from statsmodels.regression.linear_model import OLS
from statsmodels.tools.sm_exceptions import ConvergenceWarning
from statsmodels.tsa.statespace.structural import UnobservedComponents

from conftest import Caller, NewCaller, Stack, assert_envelope, sklearn_frame, upload_frame
from neurogate.server.ml.store import ModelStore
from neurogate.v1 import analytics_pb2, analytics_pb2_grpc

DAYS = 98
HORIZON = 7


def daily_frame(days: int = DAYS) -> pd.DataFrame:
    """Trend + weekly seasonality + noise (fixed seed), one row per day."""
    rng = np.random.default_rng(42)
    dates = pd.date_range("2024-01-01", periods=days, freq="D")
    weekly = np.array([0.0, 1.5, 2.5, 2.0, 1.0, -2.0, -3.0])[dates.day_of_week]
    sales = 50 + 0.3 * np.arange(days) + weekly + rng.normal(0, 1.0, days)
    return pd.DataFrame({"day": dates.strftime("%Y-%m-%d"), "sales": sales.round(6)})


def day_design(dates: pd.DatetimeIndex, origin: pd.Timestamp) -> np.ndarray:
    """Intercept, days since origin, Tuesday..Sunday indicators."""
    trend = ((dates - origin) / pd.Timedelta(days=1)).to_numpy(dtype=float)
    dummies = pd.get_dummies(dates.day_of_week).reindex(columns=range(1, 7), fill_value=False)
    return np.column_stack([np.ones(len(dates)), trend, dummies.to_numpy(dtype=float)])


async def predictive(rest: httpx.AsyncClient, caller: Caller, body: dict) -> httpx.Response:
    return await rest.post("/v1/analytics/predictive", headers=caller.headers, json=body)


def body(dataset_id: str, **config) -> dict:
    return {
        "model_type": config.pop("model_type", "linear_regression"),
        "training_data": {"dataset_id": dataset_id, "target": config.pop("target", "sales")},
        "prediction_config": {"horizon": HORIZON, "interval": "day", **config},
    }


async def test_linear_forecast_over_rest_equals_statsmodels_ols_and_is_stored(
    stack: Stack, new_caller: NewCaller, rest: httpx.AsyncClient
):
    caller = await new_caller()
    frame = daily_frame()
    dataset_id = await upload_frame(rest, caller, frame, "sales")

    reply = await predictive(rest, caller, body(dataset_id, confidence_level=0.9))

    assert reply.status_code == 200, reply.text
    result = reply.json()
    dates = pd.DatetimeIndex(pd.to_datetime(frame["day"]))
    future = pd.date_range(dates[-1] + pd.Timedelta(days=1), periods=HORIZON, freq="D")
    y = frame["sales"].to_numpy()
    design = day_design(dates, dates[0])
    expected = OLS(y, design).fit().get_prediction(day_design(future, dates[0]))
    interval = expected.summary_frame(alpha=0.1)
    predictions = result["predictions"]
    assert [p["date"] for p in predictions] == [d.date().isoformat() for d in future]
    assert [p["value"] for p in predictions] == pytest.approx(interval["mean"].tolist(), rel=1e-9)
    assert [p["confidence_interval"]["lower"] for p in predictions] == pytest.approx(
        interval["obs_ci_lower"].tolist(), rel=1e-9
    )
    assert [p["confidence_interval"]["upper"] for p in predictions] == pytest.approx(
        interval["obs_ci_upper"].tolist(), rel=1e-9
    )
    holdout = math.ceil(0.2 * DAYS)
    guess = OLS(y[:-holdout], design[:-holdout]).fit().predict(design[-holdout:])
    assert result["metrics"] == pytest.approx(
        {
            "r2_score": r2_score(y[-holdout:], guess),
            "rmse": math.sqrt(mean_squared_error(y[-holdout:], guess)),
            "mae": mean_absolute_error(y[-holdout:], guess),
        },
        rel=1e-9,
    )
    assert result["status"] == "success"
    assert result["holdout_rows"] == holdout
    assert result["date_column"] == "day"
    assert result["interval_method"] == "ols_prediction_interval"
    stored = await ModelStore(stack.db).get(caller.account_id, result["model_id"])
    assert (stored.kind, stored.model_type, stored.task) == (
        "forecast",
        "linear_regression",
        "regression",
    )
    assert (stored.dataset_id, stored.target, stored.features) == (dataset_id, "sales", ["day"])
    assert stored.details["feature_types"] == {"day": "datetime"}
    assert stored.metrics == pytest.approx(result["metrics"], rel=1e-12)


async def test_stored_forecast_predicts_its_forecast_through_ml_predict(
    stack: Stack, new_caller: NewCaller, rest: httpx.AsyncClient
):
    caller = await new_caller()
    dataset_id = await upload_frame(rest, caller, daily_frame(), "sales")
    result = (await predictive(rest, caller, body(dataset_id, model_type="ridge"))).json()

    reply = await rest.post(
        "/v1/ml/predict",
        headers=caller.headers,
        json={
            "model_id": result["model_id"],
            "data": [{"day": p["date"]} for p in result["predictions"]],
        },
    )

    assert reply.status_code == 200, reply.text
    assert reply.json()["predictions"] == pytest.approx(
        [p["value"] for p in result["predictions"]], rel=1e-12
    )


async def test_seasonal_forecast_over_grpc_equals_statsmodels_run_directly(
    stack: Stack, new_caller: NewCaller, rest: httpx.AsyncClient
):
    caller = await new_caller()
    frame = daily_frame()
    dataset_id = await upload_frame(rest, caller, frame, "sales")
    stub = analytics_pb2_grpc.AnalyticsStub(stack.channel())

    result = await stub.Predictive(
        analytics_pb2.PredictiveRequest(
            model_type="seasonal",
            training_data=analytics_pb2.TrainingData(dataset_id=dataset_id, target="sales"),
            prediction_config=analytics_pb2.PredictionConfig(
                horizon=HORIZON, interval="day", confidence_level=0.8
            ),
        ),
        metadata=caller.metadata,
    )

    model = UnobservedComponents(
        frame["sales"].to_numpy(),
        level="local linear trend",
        freq_seasonal=[{"period": 7, "harmonics": 3}],
    )
    with warnings.catch_warnings():  # the optimiser's convergence note, as in the server
        warnings.filterwarnings("ignore", category=ConvergenceWarning)
        fitted = model.fit(disp=False)
    forecast = fitted.get_forecast(HORIZON)
    bounds = np.asarray(forecast.conf_int(alpha=0.2))
    assert [p.value for p in result.predictions] == pytest.approx(
        np.asarray(forecast.predicted_mean).tolist(), rel=1e-6
    )
    assert [p.confidence_interval.lower for p in result.predictions] == pytest.approx(
        bounds[:, 0].tolist(), rel=1e-6
    )
    assert [p.confidence_interval.upper for p in result.predictions] == pytest.approx(
        bounds[:, 1].tolist(), rel=1e-6
    )
    assert result.interval_method == "state_space_forecast_interval"
    assert result.model_id.startswith("mdl_")


async def test_grpc_refusal_carries_the_error_in_the_trailer(
    stack: Stack, new_caller: NewCaller, rest: httpx.AsyncClient
):
    caller = await new_caller()
    dataset_id = await upload_frame(rest, caller, daily_frame(), "sales")
    stub = analytics_pb2_grpc.AnalyticsStub(stack.channel())

    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await stub.Predictive(
            analytics_pb2.PredictiveRequest(
                model_type="prophet",
                training_data=analytics_pb2.TrainingData(dataset_id=dataset_id, target="sales"),
            ),
            metadata=caller.metadata,
        )

    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    error = json.loads(dict(raised.value.trailing_metadata())["x-neurogate-error"])["error"]
    assert error["code"] == "INVALID_PARAMETER"
    assert error["details"]["parameter"] == "model_type"
    assert "seasonal" in error["details"]["valid_choices"]


@pytest.mark.parametrize(
    ("config", "code", "parameter"),
    [
        ({"model_type": "prophet"}, "INVALID_PARAMETER", "model_type"),
        ({"target": "day"}, "INVALID_PARAMETER", "target"),
        ({"interval": "fortnight"}, "INVALID_PARAMETER", "interval"),
        ({"confidence_level": 1.5}, "INVALID_PARAMETER", "confidence_level"),
        ({"horizon": -3}, "INVALID_PARAMETER", "horizon"),
    ],
)
async def test_bad_predictive_requests_are_refused_naming_the_parameter(
    stack: Stack,
    new_caller: NewCaller,
    rest: httpx.AsyncClient,
    config: dict,
    code: str,
    parameter: str,
):
    caller = await new_caller()
    dataset_id = await upload_frame(rest, caller, daily_frame(days=20), "sales")

    reply = await predictive(rest, caller, body(dataset_id, **config))

    error = assert_envelope(reply, 400, code)
    assert error["details"]["parameter"] == parameter
    assert "valid_choices" in error["details"] or "valid_range" in error["details"]


async def test_a_dataset_without_dates_and_a_short_series_are_refused_storing_nothing(
    stack: Stack, new_caller: NewCaller, rest: httpx.AsyncClient
):
    caller = await new_caller()
    diabetes = await upload_frame(rest, caller, sklearn_frame("diabetes"), "diabetes")
    short = await upload_frame(rest, caller, daily_frame(days=6), "short")

    undated = await predictive(
        rest, caller, {"training_data": {"dataset_id": diabetes, "target": "target"}}
    )
    too_short = await predictive(rest, caller, body(short))

    assert assert_envelope(undated, 400, "INVALID_PARAMETER")["details"]["parameter"] == (
        "date_column"
    )
    details = assert_envelope(too_short, 400, "INSUFFICIENT_DATA")["details"]
    assert (details["periods"], details["needed"]) == (6, 8)
    models = await ModelStore(stack.db).page(caller.account_id, size=10, token="")
    assert models.total == 0
