"""Model types as scikit-learn pipelines: the estimator each type and task
gets, hyperparameters checked against the estimator itself, and preparation
of numeric, boolean and categorical features inside the pipeline."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.base import is_classifier, is_regressor
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier
from sklearn.svm import SVC

from neurogate.server.errors import InvalidParameter
from neurogate.server.ml.estimators import (
    CLASSIFICATION,
    ESTIMATORS,
    MODEL_TYPES,
    REGRESSION,
    Spec,
    build_estimator,
    build_pipeline,
    model_types,
    used_hyperparameters,
)

DOCUMENTED_TYPES = [
    "linear_regression",
    "ridge",
    "lasso",
    "logistic_regression",
    "decision_tree",
    "random_forest",
    "gradient_boosting",
    "svm",
    "knn",
    "neural_network",
]


def spec(model_type: str, task: str = REGRESSION, seed: int = 42, **hyperparameters) -> Spec:
    return Spec(model_type, task, hyperparameters, seed)


def test_every_documented_model_type_is_offered():
    assert list(MODEL_TYPES) == DOCUMENTED_TYPES


@pytest.mark.parametrize(
    ("model_type", "task"),
    [(name, task) for name, tasks in ESTIMATORS.items() for task in tasks],
)
def test_each_type_builds_an_estimator_for_its_task_with_json_hyperparameters(
    model_type: str, task: str
):
    estimator = build_estimator(spec(model_type, task))

    assert (is_regressor if task == REGRESSION else is_classifier)(estimator)
    json.dumps(used_hyperparameters(estimator))  # JSON-clean as stored


def test_the_regression_only_and_classification_only_types():
    assert "linear_regression" not in model_types(CLASSIFICATION)
    assert "logistic_regression" not in model_types(REGRESSION)
    assert set(model_types(REGRESSION)) | set(model_types(CLASSIFICATION)) == set(MODEL_TYPES)


def test_an_unknown_model_type_lists_the_valid_ones():
    with pytest.raises(InvalidParameter) as raised:
        build_estimator(spec("xgboost"))

    assert raised.value.details["parameter"] == "model_type"
    assert raised.value.details["value"] == "xgboost"
    assert raised.value.details["valid_choices"] == DOCUMENTED_TYPES


def test_a_type_without_the_task_lists_the_types_that_have_it():
    with pytest.raises(InvalidParameter) as raised:
        build_estimator(spec("linear_regression", CLASSIFICATION))

    assert raised.value.details["valid_choices"] == model_types(CLASSIFICATION)


def test_an_unknown_hyperparameter_lists_the_estimators_parameters():
    with pytest.raises(InvalidParameter) as raised:
        build_estimator(spec("random_forest", n_trees=10))

    details = raised.value.details
    assert (details["parameter"], details["value"]) == ("hyperparameters", "n_trees")
    assert details["valid_choices"] == sorted(
        set(RandomForestRegressor().get_params()) - {"n_jobs", "verbose"}
    )


@pytest.mark.parametrize("name", ["n_jobs", "verbose"])
def test_hyperparameters_the_server_sets_are_refused(name):
    with pytest.raises(InvalidParameter, match=f"{name} is set by the server") as raised:
        build_estimator(spec("random_forest", **{name: 2}))

    assert raised.value.details["value"] == name
    assert name not in raised.value.details["valid_choices"]


def test_a_bad_hyperparameter_value_is_refused_with_sklearns_message():
    with pytest.raises(InvalidParameter) as raised:
        build_estimator(spec("random_forest", n_estimators=-3))

    assert "'n_estimators' parameter of RandomForestRegressor" in raised.value.message
    assert raised.value.details["value"] == "n_estimators"


def test_a_hyperparameter_of_the_wrong_kind_is_refused():
    with pytest.raises(InvalidParameter) as raised:
        build_estimator(spec("svm", CLASSIFICATION, kernel="wavelet"))

    assert "'kernel' parameter of SVC" in raised.value.message


def test_json_whole_numbers_become_ints_unless_the_default_is_a_float():
    forest = build_estimator(spec("random_forest", n_estimators=200.0, max_features=1.0))
    classifier = build_estimator(spec("random_forest", CLASSIFICATION, max_features=2.0))

    assert forest.n_estimators == 200 and isinstance(forest.n_estimators, int)
    assert forest.max_features == 1.0 and isinstance(forest.max_features, float)
    assert classifier.max_features == 2 and isinstance(classifier.max_features, int)


def test_json_lists_become_tuples_of_ints():
    network = build_estimator(spec("neural_network", CLASSIFICATION, hidden_layer_sizes=[8.0, 4]))

    assert isinstance(network, MLPClassifier)
    assert network.hidden_layer_sizes == (8, 4)


def test_the_seed_is_the_random_state_unless_one_is_given():
    assert build_estimator(spec("random_forest", seed=7)).random_state == 7
    assert build_estimator(spec("random_forest", seed=7, random_state=3)).random_state == 3


def test_lasso_for_classes_is_l1_logistic_regression_and_svm_has_no_probabilities():
    lasso = build_estimator(spec("lasso", CLASSIFICATION))
    svm = build_estimator(spec("svm", CLASSIFICATION))

    assert isinstance(lasso, LogisticRegression) and lasso.l1_ratio == 1.0
    assert isinstance(svm, SVC) and not hasattr(svm, "predict_proba")


def test_the_pipeline_imputes_scales_and_one_hot_encodes_inside():
    frame = pd.DataFrame(
        {
            "x": [1.0, np.nan, 3.0, 4.0, 5.0, 6.0],
            "flag": pd.array([True, False, None, True, False, True], dtype="boolean"),
            "colour": pd.Series(["red", "blue", None, "red", "green", "blue"], dtype="str"),
        }
    )
    y = pd.Series(["a", "b", "a", "b", "a", "b"])
    types = {"x": "numeric", "flag": "boolean", "colour": "categorical"}
    pipeline = build_pipeline(spec("random_forest", CLASSIFICATION), types)

    pipeline.fit(frame, y)
    prepared = pipeline.named_steps["prepare"].transform(frame)

    # x and flag scaled (2 columns), colour one-hot over red, blue, green, (missing)
    assert prepared.shape == (6, 2 + 4)
    assert prepared[:, :2].mean(axis=0) == pytest.approx([0, 0], abs=1e-12)
    unseen = frame.assign(colour=pd.Series(["purple"] * 6, dtype="str"))
    assert len(pipeline.predict(unseen)) == 6
    assert isinstance(pipeline.named_steps["model"], RandomForestClassifier)
