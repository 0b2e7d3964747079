"""``client.ml`` on tabular data: training, predictions from the returned
model, listing, deletion, and refusals."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest
from sdk_support import client_for, new_account
from sklearn.linear_model import LinearRegression

from conftest import Stack, sklearn_frame
from neurogate.client import InvalidRequestError, NotFoundError


async def test_a_trained_regression_predicts_like_scikit_learn(stack: Stack):
    frame = sklearn_frame("diabetes")
    features = ["bmi", "bp", "s5"]
    with client_for(stack.grpc_target, await new_account(stack)) as client:
        dataset = client.data.upload(frame, name="diabetes")
        model = client.ml.train(
            dataset_id=dataset.id,
            target="target",
            features=features,
            model_type="linear_regression",
            test_size=0.2,
        )
        rows = frame[features].head(5)
        predictions = model.predict(rows)
        listed = client.ml.list()
        fetched = client.ml.get(model.id)
    assert (model.task, model.dataset_id, model.features) == ("regression", dataset.id, features)
    assert {"r2_score", "rmse", "mae"} <= set(model.metrics)
    assert [m.id for m in listed if m.kind != "builtin"] == [model.id]
    assert fetched.metrics == pytest.approx(model.metrics)
    assert fetched.target == "target"
    assert dataclasses.asdict(model)["features"] == features  # no client inside
    # The server fits on its training split; refit on the same split to compare.
    assert predictions.model_id == model.id
    assert len(predictions.to_pandas()) == 5
    reference = LinearRegression().fit(frame[features], frame["target"])
    assert pd.Series(predictions.predictions).corr(pd.Series(reference.predict(rows))) > 0.99


async def test_a_classifier_gives_class_probabilities(stack: Stack):
    frame = sklearn_frame("iris")
    features = ["sepal length (cm)", "petal length (cm)"]
    with client_for(stack.grpc_target, await new_account(stack)) as client:
        dataset = client.data.upload(frame, name="iris")
        model = client.ml.train(
            dataset_id=dataset.id, target="target", features=features, model_type="random_forest"
        )
        table = client.ml.predict(model.id, frame[features].iloc[[0, 100]]).to_pandas()
    assert model.task == "classification"
    assert sorted(model.classes) == ["setosa", "versicolor", "virginica"]
    assert list(table["prediction"]) == ["setosa", "virginica"]
    assert table.filter(like="p_").sum(axis=1).tolist() == pytest.approx([1.0, 1.0])


async def test_an_unknown_model_type_is_refused_and_no_model_is_left(stack: Stack):
    with client_for(stack.grpc_target, await new_account(stack)) as client:
        dataset = client.data.upload(sklearn_frame("iris"), name="iris")
        with pytest.raises(InvalidRequestError) as raised:
            client.ml.train(
                dataset_id=dataset.id, target="target", features=[], model_type="oracle"
            )
        assert {m.kind for m in client.ml.list()} == {"builtin"}
    assert raised.value.details["parameter"] == "model_type"


async def test_a_deleted_model_is_not_found(stack: Stack):
    frame = sklearn_frame("diabetes")
    with client_for(stack.grpc_target, await new_account(stack)) as client:
        dataset = client.data.upload(frame, name="diabetes")
        model = client.ml.train(
            dataset_id=dataset.id, target="target", features=["bmi"], model_type="ridge"
        )
        client.ml.delete(model.id)
        with pytest.raises(NotFoundError) as raised:
            model.predict([{"bmi": 0.01}])
    assert raised.value.code == "MODEL_NOT_FOUND"
