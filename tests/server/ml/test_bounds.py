"""The hyperparameters that size a training have documented ranges; a value
outside is refused before any fitting, naming the parameter, the value and
the range."""

from __future__ import annotations

from pathlib import Path

import pytest

from neurogate.server.errors import InvalidParameter
from neurogate.server.ml.bounds import BOUNDS, Layers, Range, check_bounds
from neurogate.server.ml.estimators import (
    CLASSIFICATION,
    ESTIMATORS,
    REGRESSION,
    Spec,
    build_estimator,
)

ML_GUIDE = Path(__file__).parents[3] / "docs" / "ml.md"


def spec(model_type: str, task: str = REGRESSION, **hyperparameters) -> Spec:
    return Spec(model_type, task, hyperparameters, 42)


def test_an_absurd_forest_is_refused_naming_the_parameter_value_and_range():
    with pytest.raises(InvalidParameter) as raised:
        build_estimator(spec("random_forest", n_estimators=1e9))

    assert raised.value.message == (
        "n_estimators=1000000000 is outside the range random_forest allows: 1 to 2,000"
    )
    assert raised.value.details == {
        "parameter": "hyperparameters.n_estimators",
        "value": 1_000_000_000,
        "minimum": 1,
        "maximum": 2000,
    }


@pytest.mark.parametrize(
    ("model_type", "task", "name", "value"),
    [
        ("random_forest", CLASSIFICATION, "n_estimators", 2001),
        ("random_forest", REGRESSION, "max_depth", 1000),
        ("gradient_boosting", REGRESSION, "n_estimators", 100_000),
        ("gradient_boosting", CLASSIFICATION, "max_depth", 33),
        ("decision_tree", CLASSIFICATION, "max_depth", 101),
        ("neural_network", REGRESSION, "max_iter", 10_001),
        ("neural_network", CLASSIFICATION, "hidden_layer_sizes", [100_000]),
        ("neural_network", REGRESSION, "hidden_layer_sizes", [10] * 11),
        ("logistic_regression", CLASSIFICATION, "max_iter", 10**9),
        ("lasso", CLASSIFICATION, "max_iter", 10**9),
        ("lasso", REGRESSION, "max_iter", 10**9),
        ("ridge", REGRESSION, "max_iter", 10**9),
        ("svm", REGRESSION, "max_iter", 10**9),
        ("svm", CLASSIFICATION, "cache_size", 10**6),
        ("knn", CLASSIFICATION, "n_neighbors", 10**6),
    ],
)
def test_each_size_driving_hyperparameter_has_an_upper_bound(model_type, task, name, value):
    with pytest.raises(InvalidParameter) as raised:
        build_estimator(spec(model_type, task, **{name: value}))

    assert raised.value.details["parameter"] == f"hyperparameters.{name}"
    assert raised.value.details["value"] == value


@pytest.mark.parametrize(
    ("model_type", "hyperparameters"),
    [
        ("random_forest", {"n_estimators": 2000, "max_depth": None}),
        ("random_forest", {"n_estimators": 1, "max_depth": 100}),
        ("gradient_boosting", {"n_estimators": 5000.0, "max_depth": None}),
        ("decision_tree", {"max_depth": None}),
        ("neural_network", {"hidden_layer_sizes": [1000] * 10, "max_iter": 10_000}),
        ("neural_network", {"hidden_layer_sizes": 50}),
        ("ridge", {"max_iter": None}),
        ("svm", {"max_iter": -1, "cache_size": 1000}),
        ("knn", {"n_neighbors": 1000}),
    ],
)
def test_values_at_the_ends_of_the_ranges_and_no_limit_defaults_are_accepted(
    model_type, hyperparameters
):
    params = build_estimator(spec(model_type, **hyperparameters)).get_params()

    for name, value in hyperparameters.items():
        assert params[name] == (tuple(value) if isinstance(value, list) else value)


def test_the_estimators_defaults_are_within_their_ranges():
    for model_type, tasks in ESTIMATORS.items():
        for factory in tasks.values():
            check_bounds(model_type, factory().get_params(deep=False))


def test_bounds_name_only_parameters_their_estimators_have():
    for model_type, bounds in BOUNDS.items():
        for factory in ESTIMATORS[model_type].values():
            assert set(bounds) <= set(factory().get_params(deep=False)), model_type


def test_a_value_of_another_kind_is_left_to_scikit_learns_own_check():
    assert Range(1, 10).allows("auto")
    assert Layers(max_layers=2, max_units=10).allows((5, 5))
    assert not Layers(max_layers=2, max_units=10).allows((5, 5, 5))
    assert not Range(1, 10).allows(0)
    assert Range(1, 10, special=(-1,)).allows(-1)


def test_every_range_is_documented_in_the_ml_guide():
    guide = ML_GUIDE.read_text()

    for model_type, bounds in BOUNDS.items():
        for name, bound in bounds.items():
            assert f"| `{model_type}` | `{name}` | {bound.describe()} |" in guide
