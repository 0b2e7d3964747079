"""ModelService end to end: training on scikit-learn's data sets uploaded as
CSV gives scikit-learn's numbers (same pipeline, split and seed), over REST
through Envoy and over gRPC; predictions equal the pipeline's; models are
listed, fetched, deleted, private to their account and kept across a
restart; refusals name their reason and leave no model behind; and a long
training does not hold up other calls."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import httpx
import numpy as np
import pandas as pd
import pytest
from google.protobuf import struct_pb2
from google.protobuf.json_format import MessageToDict
from sklearn import metrics
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_score, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from conftest import (
    Caller,
    NewCaller,
    Stack,
    assert_envelope,
    grpc_token,
    server_process,
    sklearn_frame,
    upload_frame,
)
from neurogate.server.auth.tiers import Tier
from neurogate.server.ml.builtin import BUILTIN_MODELS
from neurogate.server.ml.store import NewModel, store_model
from neurogate.v1 import data_pb2, data_pb2_grpc, model_pb2, model_pb2_grpc

#: BrainFlow's ready models, which every listing's first page leads with.
READY = len(BUILTIN_MODELS)


def own(listed: list[dict]) -> list[dict]:
    """The account's models of a listing, without the ready ones."""
    return [model for model in listed if model["kind"] != "builtin"]


def direct(estimator):
    """The pipeline Train builds for numeric features, written out."""
    return make_pipeline(SimpleImputer(strategy="median"), StandardScaler(), estimator)


def split(frame: pd.DataFrame, *, stratify: bool, test_size: float = 0.2, seed: int = 42):
    x, y = frame.drop(columns="target"), frame["target"]
    return train_test_split(
        x, y, test_size=test_size, random_state=seed, stratify=y if stratify else None
    )


async def train_rest(rest: httpx.AsyncClient, caller: Caller, **body) -> dict:
    reply = await rest.post("/v1/ml/train", headers=caller.headers, json=body)
    assert reply.status_code == 200, reply.text
    return reply.json()


def models(stack: Stack) -> model_pb2_grpc.ModelServiceStub:
    return model_pb2_grpc.ModelServiceStub(stack.channel())


async def grpc_refusal(call) -> tuple[grpc.StatusCode, dict]:
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await call
    error = json.loads(dict(raised.value.trailing_metadata())["x-neurogate-error"])["error"]
    return raised.value.code(), error


def records(frame: pd.DataFrame) -> list[dict]:
    return json.loads(frame.to_json(orient="records"))


# ---------------------------------------------------------------- training


async def test_random_forest_on_diabetes_over_rest_scores_as_sklearn(
    stack: Stack, new_caller: NewCaller, rest: httpx.AsyncClient
):
    caller = await new_caller()
    frame = sklearn_frame("diabetes")
    dataset_id = await upload_frame(rest, caller, frame, "diabetes")
    x_train, x_test, y_train, y_test = split(frame, stratify=False)
    forest = direct(RandomForestRegressor(random_state=42)).fit(x_train, y_train)
    predicted = forest.predict(x_test)

    body = await train_rest(
        rest, caller, dataset_id=dataset_id, target="target", model_type="random_forest"
    )

    assert body["status"] == "success"
    assert body["model_id"].startswith("mdl_")
    assert (body["task"], body["model_type"]) == ("regression", "random_forest")
    assert body["metrics"] == pytest.approx(
        {
            "r2_score": metrics.r2_score(y_test, predicted),
            "rmse": metrics.root_mean_squared_error(y_test, predicted),
            "mae": metrics.mean_absolute_error(y_test, predicted),
        },
        rel=1e-9,
    )
    importance = dict(zip(x_train.columns, forest[-1].feature_importances_, strict=True))
    assert body["feature_importance"] == pytest.approx(importance, rel=1e-9)
    assert (body["train_rows"], body["test_rows"]) == (353, 89)
    assert body["training_time_ms"] > 0
    assert body["created_at"].endswith("Z")


async def test_linear_regression_on_diabetes_over_grpc_scores_as_sklearn(
    stack: Stack, new_caller: NewCaller, rest: httpx.AsyncClient
):
    caller = await new_caller()
    frame = sklearn_frame("diabetes")
    dataset_id = await upload_frame(rest, caller, frame, "diabetes")
    x_train, x_test, y_train, y_test = split(frame, stratify=False, test_size=0.25, seed=3)
    predicted = direct(LinearRegression()).fit(x_train, y_train).predict(x_test)

    reply = await models(stack).Train(
        model_pb2.TrainRequest(
            dataset_id=dataset_id,
            target="target",
            features=list(x_train.columns),
            model_type="linear_regression",
            task="regression",
            test_size=0.25,
            random_seed=3,
        ),
        metadata=caller.metadata,
    )

    assert dict(reply.metrics) == pytest.approx(
        {
            "r2_score": metrics.r2_score(y_test, predicted),
            "rmse": metrics.root_mean_squared_error(y_test, predicted),
            "mae": metrics.mean_absolute_error(y_test, predicted),
        },
        rel=1e-9,
    )
    assert reply.test_rows == len(x_test)


async def test_iris_over_grpc_reports_weighted_metrics_and_the_confusion_matrix(
    stack: Stack, new_caller: NewCaller, rest: httpx.AsyncClient
):
    caller = await new_caller()
    frame = sklearn_frame("iris")
    dataset_id = await upload_frame(rest, caller, frame, "iris")
    x_train, x_test, y_train, y_test = split(frame, stratify=True)
    pipeline = direct(LogisticRegression()).fit(x_train, y_train)
    predicted = pipeline.predict(x_test)
    classes = ["setosa", "versicolor", "virginica"]

    reply = await models(stack).Train(
        model_pb2.TrainRequest(
            dataset_id=dataset_id, target="target", model_type="logistic_regression"
        ),
        metadata=caller.metadata,
    )

    assert reply.task == "classification"
    assert list(reply.classes) == classes
    assert dict(reply.metrics) == pytest.approx(
        {
            "accuracy": metrics.accuracy_score(y_test, predicted),
            "precision": metrics.precision_score(y_test, predicted, average="weighted"),
            "recall": metrics.recall_score(y_test, predicted, average="weighted"),
            "f1": metrics.f1_score(y_test, predicted, average="weighted"),
            "roc_auc": metrics.roc_auc_score(
                y_test, pipeline.predict_proba(x_test), multi_class="ovr", labels=classes
            ),
        },
        rel=1e-9,
    )
    matrix = [[int(v) for v in row] for row in reply.confusion_matrix]
    assert matrix == metrics.confusion_matrix(y_test, predicted, labels=classes).tolist()


async def test_wine_over_rest_cross_validates_on_the_training_split(
    stack: Stack, new_caller: NewCaller, rest: httpx.AsyncClient
):
    caller = await new_caller()
    frame = sklearn_frame("wine")
    dataset_id = await upload_frame(rest, caller, frame, "wine")
    x_train, x_test, y_train, y_test = split(frame, stratify=True)
    estimator = RandomForestClassifier(n_estimators=30, random_state=42)
    folds = StratifiedKFold(4, shuffle=True, random_state=42)
    scores = cross_val_score(direct(estimator), x_train, y_train, cv=folds, scoring="accuracy")
    predicted = direct(estimator).fit(x_train, y_train).predict(x_test)

    body = await train_rest(
        rest,
        caller,
        dataset_id=dataset_id,
        target="target",
        model_type="random_forest",
        hyperparameters={"n_estimators": 30},
        cv_folds=4,
    )

    assert body["metrics"]["accuracy"] == pytest.approx(
        metrics.accuracy_score(y_test, predicted), rel=1e-9
    )
    cv = body["cross_validation"]
    assert (cv["folds"], cv["metric"]) == (4, "accuracy")
    assert cv["scores"] == pytest.approx(scores, rel=1e-9)
    assert cv["mean"] == pytest.approx(np.mean(scores), rel=1e-9)
    assert cv["std"] == pytest.approx(np.std(scores, ddof=1), rel=1e-9)
    assert body["classes"] == ["class_0", "class_1", "class_2"]


async def test_breast_cancer_over_rest_scores_the_positive_class_with_roc_auc(
    stack: Stack, new_caller: NewCaller, rest: httpx.AsyncClient
):
    caller = await new_caller()
    frame = sklearn_frame("breast_cancer")
    dataset_id = await upload_frame(rest, caller, frame, "cancer")
    x_train, x_test, y_train, y_test = split(frame, stratify=True)
    pipeline = direct(LogisticRegression()).fit(x_train, y_train)
    predicted = pipeline.predict(x_test)

    body = await train_rest(
        rest, caller, dataset_id=dataset_id, target="target", model_type="logistic_regression"
    )

    assert body["classes"] == ["benign", "malignant"]
    assert body["metrics"] == pytest.approx(
        {
            "accuracy": metrics.accuracy_score(y_test, predicted),
            "precision": metrics.precision_score(y_test, predicted, pos_label="malignant"),
            "recall": metrics.recall_score(y_test, predicted, pos_label="malignant"),
            "f1": metrics.f1_score(y_test, predicted, pos_label="malignant"),
            "roc_auc": metrics.roc_auc_score(
                y_test == "malignant", pipeline.predict_proba(x_test)[:, 1]
            ),
        },
        rel=1e-9,
    )


# ---------------------------------------------------------------- prediction


async def test_predictions_over_rest_and_grpc_equal_the_pipelines(
    stack: Stack, new_caller: NewCaller, rest: httpx.AsyncClient
):
    caller = await new_caller()
    frame = sklearn_frame("iris")
    dataset_id = await upload_frame(rest, caller, frame, "iris")
    x_train, _, y_train, _ = split(frame, stratify=True)
    pipeline = direct(LogisticRegression()).fit(x_train, y_train)
    rows = frame.drop(columns="target").iloc[[0, 55, 140]]
    trained = await train_rest(
        rest, caller, dataset_id=dataset_id, target="target", model_type="logistic_regression"
    )

    over_rest = await rest.post(
        "/v1/ml/predict",
        headers=caller.headers,
        json={"model_id": trained["model_id"], "data": records(rows)},
    )
    request = model_pb2.PredictRequest(model_id=trained["model_id"])
    for record in records(rows):
        request.data.add().update(record)
    over_grpc = await models(stack).Predict(request, metadata=caller.metadata)

    assert over_rest.status_code == 200, over_rest.text
    body = over_rest.json()
    expected = pipeline.predict(rows).tolist()
    assert body["predictions"] == expected
    assert [v.string_value for v in over_grpc.predictions] == expected
    probabilities = pipeline.predict_proba(rows)
    for row, rest_row, grpc_row in zip(
        probabilities, body["probabilities"], over_grpc.probabilities, strict=True
    ):
        classes = ["setosa", "versicolor", "virginica"]
        assert sorted(rest_row) == classes
        assert [rest_row[c] for c in classes] == pytest.approx(row, rel=1e-9)
        assert [MessageToDict(grpc_row)[c] for c in classes] == pytest.approx(row, rel=1e-9)


async def test_regression_predictions_over_rest_equal_the_pipelines(
    stack: Stack, new_caller: NewCaller, rest: httpx.AsyncClient
):
    caller = await new_caller()
    frame = sklearn_frame("diabetes")
    dataset_id = await upload_frame(rest, caller, frame, "diabetes")
    x_train, x_test, y_train, _ = split(frame, stratify=False)
    expected = direct(LinearRegression()).fit(x_train, y_train).predict(x_test.head(5))
    trained = await train_rest(
        rest, caller, dataset_id=dataset_id, target="target", model_type="linear_regression"
    )

    reply = await rest.post(
        "/v1/ml/predict",
        headers=caller.headers,
        json={"model_id": trained["model_id"], "data": records(x_test.head(5))},
    )

    assert reply.status_code == 200, reply.text
    assert reply.json()["predictions"] == pytest.approx(expected, rel=1e-9)
    assert reply.json()["probabilities"] == []


@pytest.fixture
async def iris_model(
    new_caller: NewCaller, rest: httpx.AsyncClient
) -> AsyncIterator[tuple[Caller, str]]:
    caller = await new_caller()
    dataset_id = await upload_frame(rest, caller, sklearn_frame("iris"), "iris")
    trained = await train_rest(
        rest, caller, dataset_id=dataset_id, target="target", model_type="knn"
    )
    yield caller, trained["model_id"]


RECORD = {
    "sepal length (cm)": 5.1,
    "sepal width (cm)": 3.5,
    "petal length (cm)": 1.4,
    "petal width (cm)": 0.2,
}


@pytest.mark.parametrize(
    ("data", "record", "feature"),
    [
        (
            [RECORD, {k: v for k, v in RECORD.items() if k != "petal width (cm)"}],
            1,
            "petal width (cm)",
        ),
        ([{**RECORD, "colour": "red"}], 0, "colour"),
        ([RECORD, RECORD, {**RECORD, "sepal width (cm)": "wide"}], 2, "sepal width (cm)"),
    ],
    ids=["missing", "unknown", "wrong-type"],
)
async def test_a_bad_record_is_named_with_its_feature_over_rest_and_grpc(
    stack: Stack,
    rest: httpx.AsyncClient,
    iris_model: tuple[Caller, str],
    data: list[dict],
    record: int,
    feature: str,
):
    caller, model_id = iris_model

    reply = await rest.post(
        "/v1/ml/predict", headers=caller.headers, json={"model_id": model_id, "data": data}
    )
    request = model_pb2.PredictRequest(model_id=model_id)
    for row in data:
        request.data.add().update(row)
    code, error = await grpc_refusal(models(stack).Predict(request, metadata=caller.metadata))

    rest_error = assert_envelope(reply, 400, "INVALID_PARAMETER")
    for details in (rest_error["details"], error["details"]):
        assert (details["record"], details["feature"]) == (record, feature)
    assert code is grpc.StatusCode.INVALID_ARGUMENT
    assert f"record {record}" in rest_error["message"]


async def test_a_value_beyond_the_models_range_is_400_naming_record_and_feature(
    new_caller: NewCaller, rest: httpx.AsyncClient
):
    # A tree model works in float32: 1e200 used to overflow inside it, a 500.
    caller = await new_caller()
    dataset_id = await upload_frame(rest, caller, sklearn_frame("iris"), "iris")
    trained = await train_rest(
        rest, caller, dataset_id=dataset_id, target="target", model_type="decision_tree"
    )
    data = [RECORD, {**RECORD, "petal length (cm)": 1e200}]

    reply = await rest.post(
        "/v1/ml/predict",
        headers=caller.headers,
        json={"model_id": trained["model_id"], "data": data},
    )

    error = assert_envelope(reply, 400, "INVALID_PARAMETER")
    assert (error["details"]["record"], error["details"]["feature"]) == (1, "petal length (cm)")
    assert error["details"]["value"] == 1e200
    assert "record 1" in error["message"] and "out of the range" in error["message"]


# ---------------------------------------------------------------- the model resource


async def test_models_are_listed_fetched_and_deleted(
    stack: Stack, new_caller: NewCaller, rest: httpx.AsyncClient
):
    caller = await new_caller()
    dataset_id = await upload_frame(rest, caller, sklearn_frame("iris"), "iris")
    first = await train_rest(
        rest, caller, dataset_id=dataset_id, target="target", model_type="knn", name="first"
    )
    second = await train_rest(
        rest,
        caller,
        dataset_id=dataset_id,
        target="target",
        model_type="decision_tree",
        hyperparameters={"max_depth": 3},
    )

    listed = (await rest.get("/v1/models", headers=caller.headers)).json()
    fetched = (await rest.get(f"/v1/models/{first['model_id']}", headers=caller.headers)).json()
    one_page = await models(stack).ListModels(
        model_pb2.ListModelsRequest(page_size=1), metadata=caller.metadata
    )
    next_page = await models(stack).ListModels(
        model_pb2.ListModelsRequest(page_size=1, page_token=one_page.next_page_token),
        metadata=caller.metadata,
    )
    deleted = await rest.delete(f"/v1/models/{first['model_id']}", headers=caller.headers)
    gone = await rest.get(f"/v1/models/{first['model_id']}", headers=caller.headers)
    predict_gone = await rest.post(
        "/v1/ml/predict",
        headers=caller.headers,
        json={"model_id": first["model_id"], "data": [RECORD]},
    )
    after = (await rest.get("/v1/models", headers=caller.headers)).json()

    assert listed["total"] == 2 + READY
    assert [m["model_id"] for m in listed["models"][:READY]] == list(BUILTIN_MODELS)
    mine = own(listed["models"])
    assert [m["model_id"] for m in mine] == [second["model_id"], first["model_id"]]
    assert mine[1]["name"] == "first"
    assert mine[0]["name"] == "decision_tree on iris"
    assert {m["kind"] for m in mine} == {"tabular"}
    assert mine[1]["metrics"] == first["metrics"]
    assert (one_page.total, len(one_page.models)) == (2 + READY, 1 + READY)
    assert [m.model_id for m in next_page.models] == [first["model_id"]]
    assert next_page.next_page_token == ""
    assert fetched["model_type"] == "knn" and fetched["task"] == "classification"
    assert fetched["dataset_id"] == dataset_id and fetched["target"] == "target"
    assert fetched["classes"] == ["setosa", "versicolor", "virginica"]
    assert fetched["hyperparameters"]["n_neighbors"] == 5
    assert fetched["feature_importance"] == first["feature_importance"]
    assert fetched["details"]["feature_types"] == dict.fromkeys(fetched["features"], "numeric")
    assert fetched["details"]["confusion_matrix"] == first["confusion_matrix"]
    assert deleted.status_code == 200 and deleted.json()["model_id"] == first["model_id"]
    assert assert_envelope(gone, 404, "MODEL_NOT_FOUND")["details"]["value"] == first["model_id"]
    assert_envelope(predict_gone, 404, "MODEL_NOT_FOUND")
    assert [m["model_id"] for m in own(after["models"])] == [second["model_id"]]


async def test_brainflows_ready_models_are_listed_fetched_and_cannot_be_deleted(
    stack: Stack, rest: httpx.AsyncClient, new_caller: NewCaller
):
    caller = await new_caller()

    listed = (await rest.get("/v1/models", headers=caller.headers)).json()
    fetched = await models(stack).GetModel(
        model_pb2.GetModelRequest(model_id="builtin_mindfulness"), metadata=caller.metadata
    )
    deleted = await rest.delete("/v1/models/builtin_mindfulness", headers=caller.headers)
    predicted = await rest.post(
        "/v1/ml/predict",
        headers=caller.headers,
        json={"model_id": "builtin_restfulness", "data": [RECORD]},
    )

    assert listed["total"] == READY
    assert [(m["model_id"], m["kind"]) for m in listed["models"]] == [
        ("builtin_mindfulness", "builtin"),
        ("builtin_restfulness", "builtin"),
    ]
    assert (fetched.kind, fetched.task, list(fetched.classes)) == (
        "builtin",
        "classification",
        ["not_mindful", "mindful"],
    )
    assert fetched.details["min_sample_rate"] > 0
    assert assert_envelope(deleted, 400, "INVALID_PARAMETER")["details"]["parameter"] == "model_id"
    error = assert_envelope(predicted, 400, "INVALID_PARAMETER")
    assert error["details"]["suggestion"] == "POST /v1/models/builtin_restfulness/predict"


async def test_another_accounts_model_is_not_found(
    stack: Stack, rest: httpx.AsyncClient, new_caller: NewCaller, iris_model: tuple[Caller, str]
):
    _, model_id = iris_model
    stranger = await new_caller()

    fetched = await rest.get(f"/v1/models/{model_id}", headers=stranger.headers)
    deleted = await rest.delete(f"/v1/models/{model_id}", headers=stranger.headers)
    predicted = await rest.post(
        "/v1/ml/predict", headers=stranger.headers, json={"model_id": model_id, "data": [RECORD]}
    )
    code, _ = await grpc_refusal(
        models(stack).GetModel(
            model_pb2.GetModelRequest(model_id=model_id), metadata=stranger.metadata
        )
    )
    listed = (await rest.get("/v1/models", headers=stranger.headers)).json()

    for reply in (fetched, deleted, predicted):
        assert_envelope(reply, 404, "MODEL_NOT_FOUND")
    assert code is grpc.StatusCode.NOT_FOUND
    assert (listed["total"], own(listed["models"])) == (READY, [])


# ---------------------------------------------------------------- refusals


@pytest.fixture
async def tricky(new_caller: NewCaller, rest: httpx.AsyncClient) -> tuple[Caller, dict[str, str]]:
    """A caller with datasets nothing can be learnt from."""
    caller = await new_caller()
    n = 30
    frames = {
        "iris": sklearn_frame("iris"),
        "one_class": pd.DataFrame({"x": np.arange(n, dtype=float), "y": ["same"] * n}),
        "no_target": pd.DataFrame({"x": np.arange(n, dtype=float), "y": [np.nan] * n}),
        "few_rows": pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0, 5.0], "y": [1.5, 2.0, 2.5, 4.0, 3.0]}),
    }
    ids = {name: await upload_frame(rest, caller, frame, name) for name, frame in frames.items()}
    return caller, ids


@pytest.mark.parametrize(
    ("dataset", "request_fields", "code", "parameter"),
    [
        ("iris", {"model_type": "xgboost"}, "INVALID_PARAMETER", "model_type"),
        (
            "iris",
            {"model_type": "knn", "hyperparameters": {"k": 3}},
            "INVALID_PARAMETER",
            "hyperparameters",
        ),
        (
            "iris",
            {"model_type": "knn", "hyperparameters": {"n_neighbors": -1}},
            "INVALID_PARAMETER",
            "hyperparameters",
        ),
        ("iris", {"model_type": "knn", "target": "species"}, "INVALID_PARAMETER", "target"),
        ("iris", {"model_type": "knn", "features": ["petal"]}, "INVALID_PARAMETER", "features"),
        (
            "one_class",
            {"model_type": "logistic_regression", "target": "y"},
            "INSUFFICIENT_DATA",
            "target",
        ),
        ("no_target", {"model_type": "ridge", "target": "y"}, "INSUFFICIENT_DATA", "target"),
        ("few_rows", {"model_type": "ridge", "target": "y"}, "INSUFFICIENT_DATA", "target"),
        (
            "iris",
            {"model_type": "logistic_regression", "hyperparameters": {"l1_ratio": 1}},
            "MODEL_TRAINING_FAILED",
            None,
        ),
    ],
    ids=[
        "unknown-model-type",
        "unknown-hyperparameter",
        "bad-hyperparameter-value",
        "unknown-target",
        "unknown-feature",
        "one-class",
        "all-missing-target",
        "too-few-rows",
        "estimator-cannot-fit",
    ],
)
async def test_a_training_that_cannot_be_done_is_refused_and_stores_nothing(
    stack: Stack,
    rest: httpx.AsyncClient,
    tricky: tuple[Caller, dict[str, str]],
    dataset: str,
    request_fields: dict,
    code: str,
    parameter: str | None,
):
    caller, ids = tricky
    body = {"dataset_id": ids[dataset], "target": "target", **request_fields}
    grpc_request = model_pb2.TrainRequest(
        **{k: v for k, v in body.items() if k != "hyperparameters"}
    )
    grpc_request.hyperparameters.update(body.get("hyperparameters", {}))

    reply = await rest.post("/v1/ml/train", headers=caller.headers, json=body)
    _, grpc_error = await grpc_refusal(models(stack).Train(grpc_request, metadata=caller.metadata))
    listed = (await rest.get("/v1/models", headers=caller.headers)).json()

    error = assert_envelope(reply, 500 if code == "MODEL_TRAINING_FAILED" else 400, code)
    assert error["details"].get("parameter") == parameter
    assert (grpc_error["code"], grpc_error["details"]) == (code, error["details"])
    assert own(listed["models"]) == []
    if parameter == "model_type":
        assert "random_forest" in error["details"]["valid_choices"]
    if request_fields.get("hyperparameters") == {"k": 3}:
        assert "n_neighbors" in error["details"]["valid_choices"]
    if request_fields.get("hyperparameters") == {"n_neighbors": -1}:
        assert "'n_neighbors' parameter" in error["message"]


# ---------------------------------------------------------------- concurrency


async def test_a_long_training_does_not_hold_up_other_calls(
    stack: Stack, new_caller: NewCaller, rest: httpx.AsyncClient
):
    caller = await new_caller()
    dataset_id = await upload_frame(rest, caller, sklearn_frame("diabetes"), "diabetes")
    training = asyncio.ensure_future(
        rest.post(
            "/v1/ml/train",
            headers=caller.headers,
            json={
                "dataset_id": dataset_id,
                "target": "target",
                "model_type": "random_forest",
                "hyperparameters": {"n_estimators": 500},
            },
        )
    )

    answers = []
    for _ in range(3):  # the later ones surely reach the server during the training
        answers.append(await rest.get("/v1/datasets", headers=caller.headers))
    finished_first = not training.done()
    trained = await training

    assert [a.status_code for a in answers] == [200, 200, 200]
    assert finished_first
    assert trained.status_code == 200, trained.text


# ---------------------------------------------------------------- persistence


async def upload_grpc(channel: grpc.aio.Channel, metadata, frame: pd.DataFrame) -> str:
    async def chunks() -> AsyncIterator[data_pb2.UploadDatasetRequest]:
        message = data_pb2.UploadDatasetRequest(filename="iris.csv", name="iris")
        message.http_body.data = frame.to_csv(index=False).encode()
        yield message

    reply = await data_pb2_grpc.DataServiceStub(channel).UploadDataset(chunks(), metadata=metadata)
    return reply.dataset_id


async def test_models_persist_across_a_restart(tmp_path: Path):
    frame = sklearn_frame("iris")
    row = struct_pb2.Struct()
    row.update(RECORD)
    async with server_process(tmp_path / "data") as server:
        account = await server.accounts.create_account("keeper", Tier.PRO)
        async with grpc.aio.insecure_channel(server.settings.grpc_target) as channel:
            metadata = (("authorization", f"Bearer {await grpc_token(channel, account)}"),)
            dataset_id = await upload_grpc(channel, metadata, frame)
            stub = model_pb2_grpc.ModelServiceStub(channel)
            trained = await stub.Train(
                model_pb2.TrainRequest(
                    dataset_id=dataset_id, target="target", model_type="decision_tree"
                ),
                metadata=metadata,
            )
            before = await stub.Predict(
                model_pb2.PredictRequest(model_id=trained.model_id, data=[row]), metadata=metadata
            )

    async with (
        server_process(tmp_path / "data") as server,
        grpc.aio.insecure_channel(server.settings.grpc_target) as channel,
    ):
        metadata = (("authorization", f"Bearer {await grpc_token(channel, account)}"),)
        stub = model_pb2_grpc.ModelServiceStub(channel)
        fetched = await stub.GetModel(
            model_pb2.GetModelRequest(model_id=trained.model_id), metadata=metadata
        )
        after = await stub.Predict(
            model_pb2.PredictRequest(model_id=trained.model_id, data=[row]), metadata=metadata
        )

    assert dict(fetched.metrics) == dict(trained.metrics)
    assert list(fetched.classes) == list(trained.classes)
    assert [v.string_value for v in after.predictions] == ["setosa"]
    assert after.predictions == before.predictions
    assert after.probabilities == before.probabilities


async def test_predict_sends_an_eeg_model_to_the_inference_route(
    stack: Stack, new_caller: NewCaller, rest: httpx.AsyncClient
):
    caller = await new_caller()
    new = NewModel(stack.settings.resolved_database_url, "not used", caller.account_id)
    model_id = store_model(
        new, object(), default_name="eeg", kind="eeg", model_type="lda", task="classification"
    ).id

    reply = await rest.post(
        "/v1/ml/predict", headers=caller.headers, json={"model_id": model_id, "data": [RECORD]}
    )

    error = assert_envelope(reply, 400, "INVALID_PARAMETER")
    assert f"/v1/models/{model_id}/predict" in error["message"]


def shops(n: int = 160) -> pd.DataFrame:
    """Spend driven by a category, a flag and a number, with gaps."""
    rng = np.random.default_rng(1)
    region = rng.choice(["north", "south", "east"], n).astype(object)
    online = rng.random(n) < 0.5
    visits = rng.normal(50, 10, n)
    spend = visits * 2 + np.where(region == "north", 30, 0) + online * 10 + rng.normal(0, 1, n)
    frame = pd.DataFrame({"region": region, "online": online, "visits": visits, "spend": spend})
    frame.loc[[3, 17], "visits"] = np.nan
    frame.loc[[5, 9], "region"] = None
    return frame


async def test_categorical_and_boolean_features_are_encoded_inside_the_model(
    stack: Stack, new_caller: NewCaller, rest: httpx.AsyncClient
):
    caller = await new_caller()
    frame = shops()
    dataset_id = await upload_frame(rest, caller, frame, "shops")
    x = frame[["region", "online", "visits"]].assign(online=frame["online"].astype(float))
    x_train, _, y_train, _ = train_test_split(x, frame["spend"], test_size=0.2, random_state=42)
    numbers = make_pipeline(SimpleImputer(strategy="median"), StandardScaler())
    categories = make_pipeline(
        SimpleImputer(strategy="constant", fill_value="(missing)"),
        OneHotEncoder(handle_unknown="infrequent_if_exist", max_categories=50, sparse_output=False),
    )
    prepare = ColumnTransformer(
        [("numeric", numbers, ["online", "visits"]), ("categorical", categories, ["region"])]
    )
    pipeline = make_pipeline(prepare, RandomForestRegressor(random_state=42))
    pipeline.fit(x_train, y_train)
    data = [
        {"region": "north", "online": True, "visits": 55.5},
        {"region": "west", "online": None, "visits": None},  # unseen, missing, missing
        {"region": None, "online": False, "visits": 40},
    ]
    expected = pipeline.predict(
        pd.DataFrame(
            {
                "region": ["north", "west", np.nan],
                "online": [1.0, np.nan, 0.0],
                "visits": [55.5, np.nan, 40.0],
            }
        )
    )

    trained = await train_rest(
        rest, caller, dataset_id=dataset_id, target="spend", model_type="random_forest"
    )
    reply = await rest.post(
        "/v1/ml/predict",
        headers=caller.headers,
        json={"model_id": trained["model_id"], "data": data},
    )

    assert set(trained["feature_importance"]) == {"region", "online", "visits"}
    assert reply.status_code == 200, reply.text
    assert reply.json()["predictions"] == pytest.approx(expected, rel=1e-9)
