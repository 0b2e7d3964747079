"""Analytics.Descriptive, Diagnostic and Prescriptive over REST through Envoy
and over gRPC: the numbers pandas, SciPy and statsmodels give on the same
uploaded data, and every refusal in the documented error."""

from __future__ import annotations

import json

import grpc
import httpx
import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from google.protobuf.json_format import MessageToDict
from scipy import stats

from conftest import Caller, NewCaller, Stack, assert_envelope, sklearn_frame, upload_frame
from neurogate.v1 import analytics_pb2, analytics_pb2_grpc


@pytest.fixture(scope="module")
def clinic() -> pd.DataFrame:
    """Diabetes with a visit date, a BMI band (categorical) and a boolean."""
    frame = sklearn_frame("diabetes")
    frame["visit"] = pd.date_range("2025-01-01", periods=len(frame), freq="D").strftime("%Y-%m-%d")
    frame["band"] = pd.cut(frame["bmi"], [-1, -0.03, 0.03, 1], labels=["low", "mid", "high"])
    frame["older"] = frame["age"] > 0
    return frame


def advertising(n: int = 150) -> pd.DataFrame:
    """Known optimum tv = 75, radio = 20; under tv + radio <= 60 it is (50, 10)."""
    rng = np.random.default_rng(11)
    tv, radio = rng.uniform(0, 150, n), rng.uniform(0, 50, n)
    sales = 100 + 3 * tv - 0.02 * tv**2 + 2 * radio - 0.05 * radio**2 + rng.normal(0, 1.0, n)
    return pd.DataFrame({"tv": tv, "radio": radio, "sales": sales})


def stub(stack: Stack) -> analytics_pb2_grpc.AnalyticsStub:
    return analytics_pb2_grpc.AnalyticsStub(stack.channel())


def as_dict(reply) -> dict:
    return MessageToDict(reply, preserving_proto_field_name=True)


async def grpc_refusal(stack: Stack, caller: Caller, method: str, request) -> tuple:
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await getattr(stub(stack), method)(request, metadata=caller.metadata)
    error = json.loads(dict(raised.value.trailing_metadata())["x-neurogate-error"])["error"]
    return raised.value.code(), error


def assert_summary(got: dict, values: pd.Series) -> None:
    assert got["count"] == values.count()
    assert got["mean"] == pytest.approx(values.mean(), rel=1e-12)
    assert got["median"] == pytest.approx(values.median(), rel=1e-12)
    assert got["std"] == pytest.approx(values.std(ddof=1), rel=1e-12)
    assert (got["min"], got["max"]) == (values.min(), values.max())


# ---------------------------------------------------------------- descriptive


async def test_descriptive_with_filters_and_groups_over_rest_matches_pandas(
    new_caller: NewCaller, rest: httpx.AsyncClient, clinic: pd.DataFrame
):
    caller = await new_caller()
    dataset_id = await upload_frame(rest, caller, clinic, "clinic")
    visit = pd.to_datetime(clinic["visit"])
    chosen = clinic[
        (visit >= "2025-03-01")
        & (visit <= "2025-09-30")
        & (clinic["age"] > 0)
        & clinic["band"].isin(["mid", "high"])
    ]

    reply = await rest.post(
        "/v1/analytics/descriptive",
        headers=caller.headers,
        json={
            "dataset_id": dataset_id,
            "column": "bmi",
            "group_by": "band",
            "filters": {
                "date_range": {"start": "2025-03-01", "end": "2025-09-30"},
                "where": {"age": {"gt": 0}, "band": {"in": ["mid", "high"]}},
            },
        },
    )

    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["status"] == "success"
    assert body["rows_matched"] == len(chosen)
    assert body["execution_time_ms"] > 0
    assert_summary(body["results"]["summary"], chosen["bmi"])
    q = chosen["bmi"].quantile([0.25, 0.5, 0.75]).to_list()
    assert list(body["results"]["quartiles"].values()) == pytest.approx(q, rel=1e-12)
    groups = body["results"]["by_category"]
    assert [g["category"] for g in groups] == ["high", "mid"]
    for group in groups:
        assert_summary(group["summary"], chosen[chosen["band"] == group["category"]]["bmi"])


async def test_descriptive_over_grpc_fills_only_the_requested_metrics(
    stack: Stack, new_caller: NewCaller, rest: httpx.AsyncClient, clinic: pd.DataFrame
):
    caller = await new_caller()
    dataset_id = await upload_frame(rest, caller, clinic, "clinic")
    request = analytics_pb2.AnalyticsDescriptiveRequest(
        dataset_id=dataset_id, column="target", metrics=["mean", "std"], group_by="older"
    )

    reply = await stub(stack).Descriptive(request, metadata=caller.metadata)

    summary = reply.results.summary
    assert summary.count == len(clinic)
    assert summary.mean == pytest.approx(clinic["target"].mean(), rel=1e-12)
    assert summary.std == pytest.approx(clinic["target"].std(ddof=1), rel=1e-12)
    assert not summary.HasField("median") and not summary.HasField("max")
    assert not reply.results.HasField("quartiles")
    assert [c.category for c in reply.results.by_category] == ["false", "true"]
    assert reply.results.by_category[1].summary.mean == pytest.approx(
        clinic[clinic["older"]]["target"].mean(), rel=1e-12
    )


async def test_filters_leaving_no_rows_give_a_zero_count_without_statistics(
    new_caller: NewCaller, rest: httpx.AsyncClient, clinic: pd.DataFrame
):
    caller = await new_caller()
    dataset_id = await upload_frame(rest, caller, clinic, "clinic")

    reply = await rest.post(
        "/v1/analytics/descriptive",
        headers=caller.headers,
        json={"dataset_id": dataset_id, "column": "bmi", "filters": {"where": {"age": {"gt": 9}}}},
    )

    assert reply.status_code == 200, reply.text
    assert reply.json()["rows_matched"] == 0
    assert reply.json()["results"]["summary"] == {"count": 0}
    assert "quartiles" not in reply.json()["results"]


@pytest.mark.parametrize(
    ("fields", "parameter", "value"),
    [
        ({"column": "bmi", "metrics": ["mean", "mode"]}, "metrics", "mode"),
        ({"column": "band"}, "column", "band"),
        ({"column": "bmi", "group_by": "age"}, "group_by", "age"),
        (
            {"column": "bmi", "filters": {"date_range": {"start": "2025-13-45"}}},
            "filters.date_range.start",
            "2025-13-45",
        ),
        (
            {"column": "bmi", "filters": {"where": {"age": {"near": 1}}}},
            "filters.where.age",
            "near",
        ),
        (
            {"column": "bmi", "filters": {"where": {"band": 3}}},
            "filters.where.band",
            3,
        ),
    ],
)
async def test_bad_descriptive_requests_are_refused_naming_the_parameter(
    new_caller: NewCaller, rest: httpx.AsyncClient, clinic: pd.DataFrame, fields, parameter, value
):
    caller = await new_caller()
    dataset_id = await upload_frame(rest, caller, clinic.head(40), "clinic")

    reply = await rest.post(
        "/v1/analytics/descriptive",
        headers=caller.headers,
        json={"dataset_id": dataset_id, **fields},
    )

    error = assert_envelope(reply, 400, "INVALID_PARAMETER")
    assert error["details"]["parameter"] == parameter
    assert error["details"]["value"] == value


# ---------------------------------------------------------------- diagnostic


async def test_root_causes_over_rest_match_statsmodels(
    new_caller: NewCaller, rest: httpx.AsyncClient, clinic: pd.DataFrame
):
    caller = await new_caller()
    dataset_id = await upload_frame(rest, caller, clinic, "clinic")
    model = smf.ols("target ~ bmi + bp + s5 + C(band)", data=clinic).fit()

    reply = await rest.post(
        "/v1/analytics/diagnostic",
        headers=caller.headers,
        json={
            "dataset_id": dataset_id,
            "target_metric": "target",
            "potential_factors": ["bmi", "bp", "s5", "band"],
            "analysis_type": "root_cause",
        },
    )

    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["status"] == "success"
    assert body["r2_score"] == pytest.approx(model.rsquared, rel=1e-12)
    causes = {c["factor"]: c for c in body["root_causes"]}
    assert set(causes) == {"bmi", "bp", "s5", "band"}
    assert sum(c["contribution"] for c in causes.values()) == pytest.approx(model.rsquared)
    assert causes["bp"]["impact"] == pytest.approx(
        model.params["bp"] * clinic["bp"].std(ddof=1), rel=1e-9
    )
    correlations = {c["factor"]: c for c in body["correlations"]}
    pearson = stats.pearsonr(clinic["s5"], clinic["target"])
    assert correlations["s5"]["correlation"] == pytest.approx(pearson.statistic, rel=1e-12)
    assert correlations["s5"]["p_value"] == pytest.approx(pearson.pvalue, rel=1e-9)
    assert correlations["s5"]["significance"] == "high"
    anova = smf.ols("target ~ C(band)", data=clinic).fit()
    assert correlations["band"]["correlation"] == pytest.approx(np.sqrt(anova.rsquared))


async def test_spearman_correlations_over_grpc_match_scipy(
    stack: Stack, new_caller: NewCaller, rest: httpx.AsyncClient, clinic: pd.DataFrame
):
    caller = await new_caller()
    dataset_id = await upload_frame(rest, caller, clinic, "clinic")
    request = analytics_pb2.DiagnosticRequest(
        dataset_id=dataset_id,
        target_metric="target",
        potential_factors=["bmi", "bp", "s5", "sex"],
        analysis_type="spearman",
    )

    reply = await stub(stack).Diagnostic(request, metadata=caller.metadata)

    assert not reply.root_causes
    assert not reply.HasField("r2_score")
    for got in reply.correlations:
        expected = stats.spearmanr(clinic[got.factor], clinic["target"])
        assert got.correlation == pytest.approx(expected.statistic, rel=1e-12)
        assert got.p_value == pytest.approx(expected.pvalue, rel=1e-9)
    magnitudes = [abs(c.correlation) for c in reply.correlations]
    assert magnitudes == sorted(magnitudes, reverse=True)


@pytest.mark.parametrize(
    ("fields", "status", "code", "parameter"),
    [
        ({"target_metric": "band"}, "INVALID_ARGUMENT", "INVALID_PARAMETER", "target_metric"),
        (
            {"target_metric": "target", "analysis_type": "causal"},
            "INVALID_ARGUMENT",
            "INVALID_PARAMETER",
            "analysis_type",
        ),
        (
            {"target_metric": "target", "potential_factors": ["flat"]},
            "INVALID_ARGUMENT",
            "INVALID_PARAMETER",
            "potential_factors",
        ),
        (
            {"target_metric": "target", "potential_factors": ["visit"]},
            "INVALID_ARGUMENT",
            "INVALID_PARAMETER",
            "potential_factors",
        ),
    ],
)
async def test_bad_diagnostic_requests_are_refused_over_grpc(
    stack: Stack,
    new_caller: NewCaller,
    rest: httpx.AsyncClient,
    clinic: pd.DataFrame,
    fields,
    status,
    code,
    parameter,
):
    caller = await new_caller()
    dataset_id = await upload_frame(rest, caller, clinic.head(40).assign(flat=1.0), "clinic")

    got, error = await grpc_refusal(
        stack,
        caller,
        "Diagnostic",
        analytics_pb2.DiagnosticRequest(dataset_id=dataset_id, **fields),
    )

    assert got is getattr(grpc.StatusCode, status)
    assert error["code"] == code
    assert error["details"]["parameter"] == parameter


async def test_too_few_rows_for_the_root_cause_model_are_insufficient_data(
    new_caller: NewCaller, rest: httpx.AsyncClient, clinic: pd.DataFrame
):
    caller = await new_caller()
    dataset_id = await upload_frame(rest, caller, clinic.head(5), "clinic")

    reply = await rest.post(
        "/v1/analytics/diagnostic",
        headers=caller.headers,
        json={
            "dataset_id": dataset_id,
            "target_metric": "target",
            "potential_factors": ["age", "bmi", "bp", "s5"],
            "analysis_type": "root_cause",
        },
    )

    error = assert_envelope(reply, 400, "INSUFFICIENT_DATA")
    assert error["details"]["minimum"] == 6


# ---------------------------------------------------------------- prescriptive


async def test_prescriptive_under_a_budget_over_rest_finds_the_analytic_optimum(
    new_caller: NewCaller, rest: httpx.AsyncClient
):
    caller = await new_caller()
    frame = advertising()
    dataset_id = await upload_frame(rest, caller, frame, "ads")
    surface = smf.ols("sales ~ tv + radio + I(tv**2) + I(radio**2) + tv:radio", data=frame).fit()
    line = np.linspace(0, 60, 3)
    a, b, _ = np.polyfit(line, surface.predict(pd.DataFrame({"tv": line, "radio": 60 - line})), 2)
    tv = -b / (2 * a)

    reply = await rest.post(
        "/v1/analytics/prescriptive",
        headers=caller.headers,
        json={
            "dataset_id": dataset_id,
            "objective": "sales",
            "variables": ["tv", "radio"],
            "constraints": {"budget": 60},
        },
    )

    assert reply.status_code == 200, reply.text
    body = reply.json()
    solution = body["optimal_solution"]
    assert solution["variables"]["tv"] == pytest.approx(tv, rel=1e-6)
    assert solution["variables"]["radio"] == pytest.approx(60 - tv, rel=1e-6)
    assert [solution["variables"]["tv"], solution["variables"]["radio"]] == pytest.approx(
        [50, 10], abs=2
    )
    point = pd.DataFrame({"tv": [solution["variables"]["tv"]], "radio": [60 - tv]})
    expected = surface.get_prediction(point).summary_frame(alpha=0.05).iloc[0]
    assert solution["expected_outcome"] == pytest.approx(expected["mean"], rel=1e-6)
    interval = solution["prediction_interval"]
    assert interval["lower"] == pytest.approx(expected["obs_ci_lower"], rel=1e-6)
    assert interval["upper"] == pytest.approx(expected["obs_ci_upper"], rel=1e-6)
    assert [r["action"] for r in body["recommendations"]] == ["decrease tv", "decrease radio"]
    assert [r["variable"] for r in body["recommendations"]] == ["tv", "radio"]
    assert all(0.5 <= r["confidence"] <= 1 for r in body["recommendations"])
    assert solution["feasible_baseline"]["variables"]["tv"] + solution["feasible_baseline"][
        "variables"
    ]["radio"] == pytest.approx(60)
    assert 0.9 < body["model_fit"]["r2_score"] <= 1


async def test_prescriptive_over_grpc_finds_the_unconstrained_optimum(
    stack: Stack, new_caller: NewCaller, rest: httpx.AsyncClient
):
    caller = await new_caller()
    dataset_id = await upload_frame(rest, caller, advertising(), "ads")
    request = analytics_pb2.PrescriptiveRequest(
        dataset_id=dataset_id, objective="maximize:sales", variables=["tv", "radio"]
    )

    reply = await stub(stack).Prescriptive(request, metadata=caller.metadata)

    solution = as_dict(reply)["optimal_solution"]
    assert [solution["variables"]["tv"], solution["variables"]["radio"]] == pytest.approx(
        [75, 20], abs=2
    )
    assert solution["model"] == "quadratic"
    assert all(r.confidence > 0.9 for r in reply.recommendations)
    assert reply.model_fit.rmse == pytest.approx(1.0, rel=0.3)


@pytest.mark.parametrize(
    ("constraints", "parameter"),
    [
        ({"budget": 10, "bounds": {"tv": [20, 100]}}, "constraints.budget"),
        ({"bounds": {"tv": [90, 20]}}, "constraints.bounds.tv"),
        ({"fixed": {"radio": 75}}, "constraints.fixed.radio"),
        ({"spend": 5}, "constraints"),
    ],
)
async def test_infeasible_constraints_are_refused_naming_the_constraint(
    stack: Stack, new_caller: NewCaller, rest: httpx.AsyncClient, constraints, parameter
):
    caller = await new_caller()
    dataset_id = await upload_frame(rest, caller, advertising(40), "ads")
    fields = {"dataset_id": dataset_id, "objective": "sales", "variables": ["tv", "radio"]}

    reply = await rest.post(
        "/v1/analytics/prescriptive",
        headers=caller.headers,
        json={**fields, "constraints": constraints},
    )
    request = analytics_pb2.PrescriptiveRequest(**fields)
    request.constraints.update(constraints)
    got, error = await grpc_refusal(stack, caller, "Prescriptive", request)

    assert assert_envelope(reply, 400, "INVALID_PARAMETER")["details"]["parameter"] == parameter
    assert got is grpc.StatusCode.INVALID_ARGUMENT
    assert error["details"]["parameter"] == parameter


async def test_another_accounts_dataset_is_not_found(
    new_caller: NewCaller, rest: httpx.AsyncClient, clinic: pd.DataFrame
):
    owner, other = await new_caller(), await new_caller()
    dataset_id = await upload_frame(rest, owner, clinic.head(20), "clinic")

    for route, fields in (
        ("descriptive", {"column": "bmi"}),
        ("diagnostic", {"target_metric": "target"}),
        ("prescriptive", {"objective": "target", "variables": ["bmi"]}),
    ):
        reply = await rest.post(
            f"/v1/analytics/{route}",
            headers=other.headers,
            json={"dataset_id": dataset_id, **fields},
        )
        assert_envelope(reply, 404, "INVALID_DATASET")
