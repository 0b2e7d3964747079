"""Analysis.Descriptive and Analysis.HypothesisTest over REST through Envoy
and over gRPC, on scikit-learn's data sets uploaded as CSV: the numbers pandas
and SciPy give on the same frame, and every refusal in the documented error
(the REST envelope, and the ``x-neurogate-error`` trailer over gRPC)."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

import grpc
import httpx
import numpy as np
import pandas as pd
import pytest
from google.protobuf.json_format import MessageToDict
from scipy import stats
from scipy.stats import contingency

from conftest import Caller, NewCaller, Stack, assert_envelope, sklearn_frame, upload_frame
from neurogate.server.analytics.hypothesis import TEST_TYPES
from neurogate.v1 import analysis_pb2, analysis_pb2_grpc

TIGHT = {"rel": 1e-9, "abs": 1e-300}


@pytest.fixture(scope="module")
def iris() -> pd.DataFrame:
    frame = sklearn_frame("iris")
    frame.loc[[2, 50, 140], "petal width (cm)"] = np.nan
    return frame


@pytest.fixture(scope="module")
def cancer() -> pd.DataFrame:
    frame = sklearn_frame("breast_cancer")
    frame["size"] = pd.cut(frame["mean radius"], 3, labels=["small", "medium", "large"]).astype(str)
    return frame


async def grpc_call(stack: Stack, caller: Caller, method: str, request: Any) -> dict:
    stub = analysis_pb2_grpc.AnalysisStub(stack.channel())
    reply = await getattr(stub, method)(request, metadata=caller.metadata)
    return MessageToDict(reply, preserving_proto_field_name=True)


async def grpc_refusal(
    stack: Stack, caller: Caller, method: str, request: Any
) -> tuple[grpc.StatusCode, dict]:
    stub = analysis_pb2_grpc.AnalysisStub(stack.channel())
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await getattr(stub, method)(request, metadata=caller.metadata)
    error = json.loads(dict(raised.value.trailing_metadata())["x-neurogate-error"])["error"]
    return raised.value.code(), error


# --- descriptive ------------------------------------------------------------------------------


def assert_describes(found: dict, column: pd.Series, percentiles: dict[str, float]) -> None:
    """``found`` (JSON) holds pandas' and SciPy's statistics of ``column``."""
    values = column.dropna().to_numpy()
    assert found["column_type"] == "numeric"
    assert found["count"] == column.count()
    assert found["missing"] == column.isna().sum()
    assert found["mean"] == pytest.approx(column.mean(), rel=1e-12)
    assert found["std"] == pytest.approx(column.std(), rel=1e-12)
    assert found["var"] == pytest.approx(column.var(), rel=1e-12)
    assert (found["min"], found["max"]) == (column.min(), column.max())
    assert found["median"] == pytest.approx(column.median(), rel=1e-12)
    assert found["sum"] == pytest.approx(column.sum(), rel=1e-12)
    assert found["skewness"] == pytest.approx(stats.skew(values, bias=False), rel=1e-9)
    assert found["kurtosis"] == pytest.approx(stats.kurtosis(values, bias=False), rel=1e-9)
    expected = {key: column.quantile(q) for key, q in percentiles.items()}
    assert found["percentiles"] == pytest.approx(expected, rel=1e-12)


async def test_descriptive_over_rest_gives_pandas_and_scipy_statistics(
    new_caller: NewCaller, rest: httpx.AsyncClient, iris: pd.DataFrame
):
    caller = await new_caller()
    dataset_id = await upload_frame(rest, caller, iris, "iris")
    everything = ["count", "missing", "mean", "std", "var", "min", "max", "median", "sum"]
    everything += ["skewness", "kurtosis", "percentiles", "mode"]

    reply = await rest.post(
        "/v1/analysis/descriptive",
        headers=caller.headers,
        json={
            "dataset_id": dataset_id,
            "statistics": everything,
            "percentiles": [2.5, 50, 99.9],
        },
    )

    assert reply.status_code == 200, reply.text
    results = reply.json()["results"]
    assert set(results) == set(iris.columns)
    for name in iris.columns[:4]:
        assert_describes(results[name], iris[name], {"2.5": 0.025, "50": 0.5, "99.9": 0.999})
        assert results[name]["mode"] == iris[name].mode().iloc[0]
    assert results["petal width (cm)"]["missing"] == 3
    assert results["target"] == {
        "column_type": "categorical",
        "count": 150,
        "missing": 0,
        "mode": "setosa",
        "percentiles": {},  # maps are always printed; numeric statistics are absent
    }


async def test_descriptive_over_grpc_defaults_to_describe_and_missing(
    stack: Stack, new_caller: NewCaller, rest: httpx.AsyncClient
):
    caller = await new_caller()
    wine = sklearn_frame("wine")
    dataset_id = await upload_frame(rest, caller, wine, "wine")

    body = await grpc_call(
        stack,
        caller,
        "Descriptive",
        analysis_pb2.AnalysisDescriptiveRequest(
            dataset_id=dataset_id, columns=["proline", "alcohol", "target"]
        ),
    )

    summary = wine.describe()
    for name in ("proline", "alcohol"):
        found = body["results"][name]
        assert set(found) == {
            "column_type",
            "count",
            "missing",
            "mean",
            "std",
            "min",
            "max",
            "median",
            "percentiles",
        }
        assert found["count"] == 178 and found["missing"] == 0
        assert found["mean"] == pytest.approx(summary.loc["mean", name], rel=1e-12)
        assert found["std"] == pytest.approx(summary.loc["std", name], rel=1e-12)
        assert found["percentiles"] == pytest.approx(
            {
                "25": summary.loc["25%", name],
                "50": summary.loc["50%", name],
                "75": summary.loc["75%", name],
            },
            rel=1e-12,
        )
    assert body["results"]["target"] == {
        "column_type": "categorical",
        "count": 178,
        "missing": 0,
        "mode": wine["target"].mode().iloc[0],
    }


@pytest.mark.parametrize(
    ("fields", "parameter", "value", "choices"),
    [
        ({"columns": ["sepal length (cm)", "sepal lenght"]}, "columns", "sepal lenght", "target"),
        ({"statistics": ["mean", "average"]}, "statistics", "average", "kurtosis"),
        (
            {"columns": ["target"], "statistics": ["median"]},
            "columns",
            "target",
            "sepal width (cm)",
        ),
        ({"percentiles": [50, 150]}, "percentiles", 150, None),
    ],
)
async def test_descriptive_refusals_name_the_parameter_over_rest_and_grpc(
    stack: Stack,
    new_caller: NewCaller,
    rest: httpx.AsyncClient,
    iris: pd.DataFrame,
    fields: dict,
    parameter: str,
    value: Any,
    choices: str | None,
):
    caller = await new_caller()
    dataset_id = await upload_frame(rest, caller, iris.head(10), "iris")

    reply = await rest.post(
        "/v1/analysis/descriptive",
        headers=caller.headers,
        json={"dataset_id": dataset_id, **fields},
    )
    code, grpc_error = await grpc_refusal(
        stack,
        caller,
        "Descriptive",
        analysis_pb2.AnalysisDescriptiveRequest(dataset_id=dataset_id, **fields),
    )

    error = assert_envelope(reply, 400, "INVALID_PARAMETER")
    assert code is grpc.StatusCode.INVALID_ARGUMENT
    for found in (error, grpc_error):
        assert found["code"] == "INVALID_PARAMETER"
        assert found["details"]["parameter"] == parameter
        assert found["details"]["value"] == value
        if choices is not None:
            assert choices in found["details"]["valid_choices"]


async def test_another_accounts_dataset_is_not_found(
    new_caller: NewCaller, rest: httpx.AsyncClient, iris: pd.DataFrame
):
    owner, other = await new_caller(), await new_caller()
    dataset_id = await upload_frame(rest, owner, iris.head(10), "iris")

    for path, fields in (
        ("/v1/analysis/descriptive", {}),
        ("/v1/analysis/hypothesis-test", {"test_type": "shapiro_wilk", "column": "target"}),
    ):
        reply = await rest.post(
            path, headers=other.headers, json={"dataset_id": dataset_id, **fields}
        )
        assert_envelope(reply, 404, "INVALID_DATASET")


# --- hypothesis tests -------------------------------------------------------------------------


def cancer_cases(frame: pd.DataFrame) -> list[tuple[dict, Callable[[], Any], dict]]:
    """Each test type's request on the breast cancer frame, the SciPy call
    that answers it, and what else the reply must hold."""
    by_target = [frame.loc[frame["target"] == g, "mean texture"] for g in ("benign", "malignant")]
    by_size = [frame.loc[frame["size"] == g, "mean texture"] for g in ("large", "medium", "small")]
    radius, worst = frame["mean radius"], frame["worst radius"]
    counts = pd.crosstab(frame["target"], frame["size"])
    return [
        (
            {"test_type": "one_sample_t", "column": "mean smoothness", "population_mean": 0.1},
            lambda: stats.ttest_1samp(frame["mean smoothness"], 0.1),
            {"df": 568, "effect": "cohens_d", "ci": True},
        ),
        (
            {"test_type": "two_sample_t", "column": "mean texture", "group_column": "target"},
            lambda: stats.ttest_ind(*by_target, equal_var=False),
            {"effect": "cohens_d", "ci": True, "groups": ["benign", "malignant"]},
        ),
        (
            {
                "test_type": "two_sample_t",
                "column": "mean texture",
                "group_column": "target",
                "equal_var": True,
                "alternative": "less",
            },
            lambda: stats.ttest_ind(*by_target, alternative="less"),
            {"df": 567, "effect": "cohens_d", "ci": False},
        ),
        (
            {"test_type": "paired_t", "column": "mean radius", "second_column": "worst radius"},
            lambda: stats.ttest_rel(radius, worst),
            {"df": 568, "effect": "cohens_d", "ci": True},
        ),
        (
            {"test_type": "one_way_anova", "column": "mean texture", "group_column": "size"},
            lambda: stats.f_oneway(*by_size),
            {"df": 2, "effect": "eta_squared", "groups": ["large", "medium", "small"]},
        ),
        (
            {"test_type": "chi_square", "column": "target", "second_column": "size"},
            lambda: stats.chi2_contingency(counts),
            {"df": 2, "effect": "cramers_v", "effect_value": contingency.association(counts)},
        ),
        (
            {
                "test_type": "chi_square",
                "column": "size",
                "expected_proportions": {"small": 0.3, "medium": 0.5, "large": 0.2},
            },
            lambda: stats.chisquare(
                frame["size"].value_counts().sort_index(), 569 * np.array([0.2, 0.5, 0.3])
            ),
            {"df": 2, "effect": "cramers_v"},
        ),
        (
            {
                "test_type": "mann_whitney",
                "column": "mean texture",
                "group_column": "target",
                "alternative": "less",
            },
            lambda: stats.mannwhitneyu(*by_target, alternative="less"),
            {"effect": "rank_biserial"},
        ),
        (
            {"test_type": "kruskal_wallis", "column": "mean texture", "group_column": "size"},
            lambda: stats.kruskal(*by_size),
            {"df": 2, "effect": "epsilon_squared"},
        ),
        (
            {"test_type": "shapiro_wilk", "column": "mean smoothness", "alpha": 0.01},
            lambda: stats.shapiro(frame["mean smoothness"]),
            {},
        ),
        (
            {"test_type": "levene", "column": "mean texture", "group_column": "size"},
            lambda: stats.levene(*by_size),
            {"df": 2},
        ),
        (
            {"test_type": "pearson", "column": "mean radius", "second_column": "mean texture"},
            lambda: stats.pearsonr(radius, frame["mean texture"]),
            {"df": 567, "effect": "r", "ci": True},
        ),
        (
            {
                "test_type": "spearman",
                "column": "mean radius",
                "second_column": "mean texture",
                "alternative": "greater",
            },
            lambda: stats.spearmanr(radius, frame["mean texture"], alternative="greater"),
            {"df": 567, "effect": "rho"},
        ),
    ]


def assert_agrees(body: dict, fields: dict, expected: Any, extra: dict) -> None:
    alpha = fields.get("alpha", 0.05)
    assert body["test_type"] == fields["test_type"]
    assert body["statistic"] == pytest.approx(float(expected.statistic), **TIGHT)
    assert body["p_value"] == pytest.approx(float(expected.pvalue), **TIGHT)
    assert body["alpha"] == alpha
    assert body["reject_null"] is (float(expected.pvalue) < alpha)
    assert body["alternative"] == fields.get("alternative", "two-sided")
    assert body["method"] and body["interpretation"]
    if "df" in extra:
        assert body["df"] == extra["df"]
    elif hasattr(expected, "df"):
        assert body["df"] == pytest.approx(float(expected.df), **TIGHT)
    if "effect" in extra:
        assert body["effect_size"]["name"] == extra["effect"]
        assert math.isfinite(body["effect_size"]["value"])
        if "effect_value" in extra:
            assert body["effect_size"]["value"] == pytest.approx(extra["effect_value"], rel=1e-12)
    else:
        assert "effect_size" not in body
    if extra.get("ci"):
        ci = expected.confidence_interval(1 - alpha)
        assert body["confidence_interval"] == {
            "lower": pytest.approx(float(ci.low), **TIGHT),
            "upper": pytest.approx(float(ci.high), **TIGHT),
            "level": pytest.approx(1 - alpha),
        }
    else:
        assert "confidence_interval" not in body
    if "groups" in extra:
        assert [g["name"] for g in body["groups"]] == extra["groups"]
    assert body["groups"] and all(g["n"] >= 2 for g in body["groups"])
    if body["test_type"] == "chi_square":  # categories have counts, no mean
        assert not any("mean" in g or "std" in g for g in body["groups"])


async def test_every_test_type_over_rest_agrees_with_scipy(
    new_caller: NewCaller, rest: httpx.AsyncClient, cancer: pd.DataFrame
):
    caller = await new_caller()
    dataset_id = await upload_frame(rest, caller, cancer, "cancer")
    cases = cancer_cases(cancer)
    assert {fields["test_type"] for fields, _, _ in cases} == set(TEST_TYPES)

    for fields, scipy_call, extra in cases:
        reply = await rest.post(
            "/v1/analysis/hypothesis-test",
            headers=caller.headers,
            json={"dataset_id": dataset_id, **fields},
        )

        assert reply.status_code == 200, reply.text
        assert_agrees(reply.json(), fields, scipy_call(), extra)


async def test_every_test_type_over_grpc_agrees_with_scipy(
    stack: Stack, new_caller: NewCaller, rest: httpx.AsyncClient, cancer: pd.DataFrame
):
    caller = await new_caller()
    dataset_id = await upload_frame(rest, caller, cancer, "cancer")

    for fields, scipy_call, extra in cancer_cases(cancer):
        body = await grpc_call(
            stack,
            caller,
            "HypothesisTest",
            analysis_pb2.HypothesisTestRequest(dataset_id=dataset_id, **fields),
        )

        body.setdefault("reject_null", False)  # proto3 defaults are left out by MessageToDict
        body.setdefault("groups", [])
        assert_agrees(body, fields, scipy_call(), extra)


async def test_two_sample_t_over_rest_reports_groups_interval_and_sentence(
    new_caller: NewCaller, rest: httpx.AsyncClient, cancer: pd.DataFrame
):
    caller = await new_caller()
    dataset_id = await upload_frame(rest, caller, cancer, "cancer")
    a = cancer.loc[cancer["target"] == "malignant", "mean area"]
    b = cancer.loc[cancer["target"] == "benign", "mean area"]

    reply = await rest.post(
        "/v1/analysis/hypothesis-test",
        headers=caller.headers,
        json={
            "dataset_id": dataset_id,
            "test_type": "two_sample_t",
            "column": "mean area",
            "group_column": "target",
            "groups": ["malignant", "benign"],
            "alpha": 0.01,
        },
    )

    assert reply.status_code == 200, reply.text
    body = reply.json()
    expected = stats.ttest_ind(a, b, equal_var=False)
    assert body["df"] == pytest.approx(expected.df, **TIGHT)
    assert body["reject_null"] is True
    assert body["method"].startswith("Welch")
    assert body["groups"] == [
        {
            "name": "malignant",
            "n": 212,
            "mean": pytest.approx(a.mean()),
            "std": pytest.approx(a.std()),
        },
        {
            "name": "benign",
            "n": 357,
            "mean": pytest.approx(b.mean()),
            "std": pytest.approx(b.std()),
        },
    ]
    ci = expected.confidence_interval(0.99)
    assert body["confidence_interval"]["lower"] == pytest.approx(ci.low, **TIGHT)
    assert body["confidence_interval"]["level"] == 0.99
    assert "'malignant'" in body["interpretation"] and "reject" in body["interpretation"]


@pytest.mark.parametrize(
    ("fields", "status", "grpc_status", "code", "parameter", "choices"),
    [
        (
            {"column": "target"},
            400,
            "INVALID_ARGUMENT",
            "INVALID_PARAMETER",
            "test_type",
            list(TEST_TYPES),
        ),
        (
            {"test_type": "t-test", "column": "target"},
            400,
            "INVALID_ARGUMENT",
            "INVALID_PARAMETER",
            "test_type",
            list(TEST_TYPES),
        ),
        (
            {"test_type": "two_sample_t", "column": "mean texture", "group_column": "size"},
            400,
            "INVALID_ARGUMENT",
            "INVALID_PARAMETER",
            "group_column",
            ["large", "medium", "small"],
        ),
        (
            {
                "test_type": "one_way_anova",
                "column": "mean texture",
                "group_column": "size",
                "alternative": "greater",
            },
            400,
            "INVALID_ARGUMENT",
            "INVALID_PARAMETER",
            "alternative",
            ["two-sided"],
        ),
        (
            {"test_type": "pearson", "column": "mean texture", "second_column": "target"},
            400,
            "INVALID_ARGUMENT",
            "INVALID_PARAMETER",
            "second_column",
            None,
        ),
        (
            {"test_type": "shapiro_wilk", "column": "mean texture", "alpha": 1.5},
            400,
            "INVALID_ARGUMENT",
            "INVALID_PARAMETER",
            "alpha",
            None,
        ),
        (
            {"test_type": "one_sample_t", "column": "flat"},
            400,
            "FAILED_PRECONDITION",
            "INSUFFICIENT_DATA",
            "column",
            None,
        ),
        (
            {
                "test_type": "two_sample_t",
                "column": "mean texture",
                "group_column": "target",
                "groups": ["benign", "unknown"],
            },
            400,
            "INVALID_ARGUMENT",
            "INVALID_PARAMETER",
            "groups",
            ["benign", "malignant"],
        ),
    ],
)
async def test_hypothesis_refusals_in_the_envelope_and_the_grpc_trailer(
    stack: Stack,
    new_caller: NewCaller,
    rest: httpx.AsyncClient,
    cancer: pd.DataFrame,
    fields: dict,
    status: int,
    grpc_status: str,
    code: str,
    parameter: str,
    choices: list | None,
):
    caller = await new_caller()
    frame = cancer[["mean texture", "target", "size"]].head(60).assign(flat=1.5)
    dataset_id = await upload_frame(rest, caller, frame, "cancer")

    reply = await rest.post(
        "/v1/analysis/hypothesis-test",
        headers=caller.headers,
        json={"dataset_id": dataset_id, **fields},
    )
    got, grpc_error = await grpc_refusal(
        stack,
        caller,
        "HypothesisTest",
        analysis_pb2.HypothesisTestRequest(dataset_id=dataset_id, **fields),
    )

    error = assert_envelope(reply, status, code)
    assert got is getattr(grpc.StatusCode, grpc_status)
    for found in (error, grpc_error):
        assert found["code"] == code
        assert found["details"]["parameter"] == parameter
        if choices is not None:
            assert found["details"]["valid_choices"] == choices
