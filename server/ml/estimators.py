"""Model types as scikit-learn pipelines: preparation and estimator in one
object, so a stored model takes raw feature values and prepares them exactly
as in training.

Preparation (a :class:`~sklearn.compose.ColumnTransformer` by the dataset's
column types):

- **numeric** and **boolean** features: cast to float (``True`` = 1), missing
  values imputed with the training median, then standardised (zero mean, unit
  variance; needed by the linear, SVM, k-NN and neural models, harmless to the
  trees).
- **categorical** and **text** features: a missing value is its own category
  (``"(missing)"``), then one-hot encoded. At most :data:`MAX_CATEGORIES`
  columns per feature: rarer values are pooled into one "infrequent" column,
  and a value never seen in training is counted there too (or ignored, when
  nothing was pooled).
- **datetime** features are refused: a date is no number, and which of its
  parts matter (trend, weekday, month) is the analyst's choice. Derive numeric
  or categorical columns from it, or use ``/v1/analytics/predictive`` for a
  forecast over time.

Hyperparameters are checked against the estimator itself
(:func:`build_pipeline`): an unknown name lists the valid ones, and a bad
value is refused with scikit-learn's own message, before any fitting; those
that size the model must lie in the ranges of :mod:`.bounds`.
:data:`SERVER_SET` ones are the server's to choose: a training runs in one
compute worker, so ``n_jobs`` would take the cores other calls compute on,
and ``verbose`` would print into the server's log.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import (
    GradientBoostingClassifier,
    GradientBoostingRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.impute import SimpleImputer
from sklearn.linear_model import (
    Lasso,
    LinearRegression,
    LogisticRegression,
    Ridge,
    RidgeClassifier,
)
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler
from sklearn.svm import SVC, SVR
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor
from sklearn.utils._param_validation import InvalidParameterError

from neurogate.server.errors import InvalidParameter
from neurogate.server.ml.bounds import check_bounds

REGRESSION: Final = "regression"
CLASSIFICATION: Final = "classification"
TASKS: Final = (CLASSIFICATION, REGRESSION)

#: Feature types the pipelines take, and the branch each goes through.
NUMERIC_TYPES: Final = ("numeric", "boolean")
CATEGORICAL_TYPES: Final = ("categorical", "text")
FEATURE_TYPES: Final = NUMERIC_TYPES + CATEGORICAL_TYPES

#: One-hot columns per categorical feature, the "infrequent" one included.
MAX_CATEGORIES: Final = 50
MISSING_CATEGORY: Final = "(missing)"


def _lasso_classifier() -> BaseEstimator:
    # L1-penalised logistic regression is scikit-learn's lasso for classes;
    # saga is the solver that takes an L1 penalty for several classes, and
    # converges slowly, hence the higher iteration cap.
    return LogisticRegression(l1_ratio=1.0, solver="saga", max_iter=5000)


#: model_type -> task -> estimator factory. Where a type has no sensible
#: meaning for a task (linear_regression for classes, logistic_regression for
#: numbers) it is absent. Classifiers for "ridge" (RidgeClassifier) and
#: "svm" (SVC) have no probabilities: SVC's Platt scaling is deprecated in
#: scikit-learn 1.9 and would make probabilities disagree with predictions.
ESTIMATORS: Final[dict[str, dict[str, Callable[[], BaseEstimator]]]] = {
    "linear_regression": {REGRESSION: LinearRegression},
    "ridge": {REGRESSION: Ridge, CLASSIFICATION: RidgeClassifier},
    "lasso": {REGRESSION: Lasso, CLASSIFICATION: _lasso_classifier},
    "logistic_regression": {CLASSIFICATION: LogisticRegression},
    "decision_tree": {REGRESSION: DecisionTreeRegressor, CLASSIFICATION: DecisionTreeClassifier},
    "random_forest": {REGRESSION: RandomForestRegressor, CLASSIFICATION: RandomForestClassifier},
    "gradient_boosting": {
        REGRESSION: GradientBoostingRegressor,
        CLASSIFICATION: GradientBoostingClassifier,
    },
    "svm": {REGRESSION: SVR, CLASSIFICATION: SVC},
    "knn": {REGRESSION: KNeighborsRegressor, CLASSIFICATION: KNeighborsClassifier},
    "neural_network": {REGRESSION: MLPRegressor, CLASSIFICATION: MLPClassifier},
}
MODEL_TYPES: Final = tuple(ESTIMATORS)


def model_types(task: str) -> list[str]:
    """The model types that serve ``task``."""
    return [name for name, tasks in ESTIMATORS.items() if task in tasks]


def check_model_type(model_type: str, task: str) -> None:
    if model_type not in ESTIMATORS:
        raise InvalidParameter(
            f"unknown model_type {model_type!r}" if model_type else "model_type is required",
            parameter="model_type",
            value=model_type,
            valid_choices=list(MODEL_TYPES),
        )
    if task not in ESTIMATORS[model_type]:
        raise InvalidParameter(
            f"model_type {model_type!r} does not do {task}",
            parameter="model_type",
            value=model_type,
            task=task,
            valid_choices=model_types(task),
        )


def as_float(frame: pd.DataFrame) -> np.ndarray:
    """Numeric and boolean columns as float64, missing values as NaN (a
    nullable boolean column's ``pd.NA`` included)."""
    return frame.astype("float64").to_numpy()


def as_object(frame: pd.DataFrame) -> np.ndarray:
    """Category columns as Python strings, missing values as NaN, whatever
    string dtype pandas gave them."""
    return frame.astype(object).where(frame.notna(), np.nan).to_numpy()


def _numeric_branch() -> Pipeline:
    return Pipeline(
        [
            ("float", FunctionTransformer(as_float, feature_names_out="one-to-one")),
            ("impute", SimpleImputer(strategy="median")),
            ("scale", StandardScaler()),
        ]
    )


def _categorical_branch() -> Pipeline:
    return Pipeline(
        [
            ("object", FunctionTransformer(as_object, feature_names_out="one-to-one")),
            ("impute", SimpleImputer(strategy="constant", fill_value=MISSING_CATEGORY)),
            (
                "onehot",
                OneHotEncoder(
                    handle_unknown="infrequent_if_exist",
                    max_categories=MAX_CATEGORIES,
                    sparse_output=False,
                ),
            ),
        ]
    )


def preparation(feature_types: Mapping[str, str]) -> ColumnTransformer:
    """The preparation step for features of these types (in this order)."""
    numeric = [name for name, kind in feature_types.items() if kind in NUMERIC_TYPES]
    categorical = [name for name, kind in feature_types.items() if kind in CATEGORICAL_TYPES]
    branches = []
    if numeric:
        branches.append(("numeric", _numeric_branch(), numeric))
    if categorical:
        branches.append(("categorical", _categorical_branch(), categorical))
    return ColumnTransformer(branches, remainder="drop")


def json_hyperparameter(value: Any, default: Any) -> Any:
    """A value decoded from JSON, in the Python type the estimator expects.

    JSON (and ``google.protobuf.Struct``) has only floats, so ``200`` arrives
    as ``200.0``: a whole number becomes an int unless the parameter's
    default is a float (``max_features=1.0`` stays "all features" for a
    regression forest, ``1`` for a classification forest means one feature).
    Lists become tuples (``hidden_layer_sizes``).
    """
    if isinstance(value, list):
        return tuple(json_hyperparameter(item, None) for item in value)
    if isinstance(value, float) and value.is_integer() and not isinstance(default, float):
        return int(value)
    return value


@dataclass(frozen=True)
class Spec:
    """What to build: a model type for a task, with hyperparameters."""

    model_type: str
    task: str
    hyperparameters: Mapping[str, Any]
    random_seed: int


#: Hyperparameters callers may not set (module docstring).
SERVER_SET: Final = frozenset({"n_jobs", "verbose"})


def build_estimator(spec: Spec) -> BaseEstimator:
    """The estimator of ``spec``, its hyperparameters set and validated.

    ``random_state`` is the request's seed unless set explicitly, so a
    training is repeatable. INVALID_PARAMETER for an unknown hyperparameter
    (with the valid names), a value the estimator refuses (scikit-learn's
    message) or one outside its range (:func:`.bounds.check_bounds`).
    """
    check_model_type(spec.model_type, spec.task)
    estimator = ESTIMATORS[spec.model_type][spec.task]()
    defaults = estimator.get_params(deep=False)
    reserved = sorted(SERVER_SET & set(spec.hyperparameters))
    if reserved:
        raise InvalidParameter(
            f"{reserved[0]} is set by the server: each training runs in one compute worker, "
            "on one core, and prints nothing",
            parameter="hyperparameters",
            value=reserved[0],
            valid_choices=sorted(set(defaults) - SERVER_SET),
        )
    unknown = sorted(set(spec.hyperparameters) - set(defaults))
    if unknown:
        raise InvalidParameter(
            f"{spec.model_type} has no hyperparameter {unknown[0]!r}",
            parameter="hyperparameters",
            value=unknown[0],
            valid_choices=sorted(set(defaults) - SERVER_SET),
        )
    params = {
        name: json_hyperparameter(value, defaults[name])
        for name, value in spec.hyperparameters.items()
    }
    if "random_state" in defaults and "random_state" not in params:
        params["random_state"] = spec.random_seed
    estimator.set_params(**params)
    try:
        # The check fit() would make, made now so a bad value is refused
        # before any work (scikit-learn has no public name for it).
        estimator._validate_params()  # type: ignore[attr-defined]
    except InvalidParameterError as error:
        name = next((n for n in spec.hyperparameters if repr(n) in str(error)), None)
        raise InvalidParameter(
            str(error),
            parameter="hyperparameters",
            value=name,
        ) from None
    check_bounds(spec.model_type, params)
    return estimator


def build_pipeline(spec: Spec, feature_types: Mapping[str, str]) -> Pipeline:
    """Preparation then estimator, unfitted."""
    return Pipeline([("prepare", preparation(feature_types)), ("model", build_estimator(spec))])


def used_hyperparameters(estimator: BaseEstimator) -> dict[str, Any]:
    """The estimator's parameters as JSON values (what was actually used)."""
    return {name: _json_value(value) for name, value in estimator.get_params(deep=False).items()}


def _json_value(value: Any) -> Any:
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value) if math.isfinite(value) else str(value)
    if isinstance(value, (list, tuple)):
        return [_json_value(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _json_value(item) for key, item in value.items()}
    return str(value)
