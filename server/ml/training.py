"""Training a tabular model: split, fit, held-out metrics, importances.

The choices, made once here:

- **Task** when none is given: a numeric target is a regression unless it
  holds whole numbers only, with at most :data:`MAX_INFERRED_CLASSES`
  distinct values (codes such as 0/1 or ratings 1-5), then it is a
  classification; a categorical, boolean or text target is a classification.
  A datetime target is refused.
- **Rows** whose target is missing are left out; missing feature values are
  imputed inside the pipeline (:mod:`.estimators`). A numeric feature or
  target holding a value no model can take (:mod:`.value_range`) is refused,
  naming the column and row. At least :data:`MIN_ROWS` rows with a target are
  needed, a classification needs two classes with at least two rows each, and
  a feature that is missing in every (training) row is refused: nothing could
  be learnt from it.
- **Split**: ``test_size`` of the rows (0.2 by default) held out with
  :func:`~sklearn.model_selection.train_test_split`, ``random_state`` = the
  seed (42 by default), stratified by class for a classification. Every
  metric is computed on the held-out rows only.
- **Regression metrics**: ``r2_score``, ``rmse``, ``mae``.
- **Classification metrics**: ``accuracy``; ``precision``, ``recall``, ``f1``
  of the positive class (the second of the two classes in sorted order) for
  two classes, weighted by class support for more (``zero_division=0``);
  ``roc_auc`` from the positive class's probability (or decision score) for
  two classes, one-vs-rest macro average of the probabilities for more (left
  out when the model has no probabilities or a class is absent from the test
  rows). The confusion matrix has the actual class in rows and the predicted
  one in columns, both in the order of ``classes``.
- **Cross-validation** (``cv_folds`` > 0): on the training split only, with
  shuffled (stratified, for classes) folds under the same seed; accuracy or
  R² per fold, their mean and sample standard deviation (ddof=1).
- **Feature importance** (:mod:`.importance`), per original feature: a tree
  model's impurity importances, one-hot columns summed back to their
  feature; a linear model's absolute coefficients on the standardised
  features (summed over one-hot columns, averaged over classes); for every
  other model (SVM with a non-linear kernel, k-NN, neural network) the
  permutation importance on the test rows (mean drop of accuracy or R² over
  5 shuffles; on a sample of 2,000 test rows, drawn with the seed, when there
  are more).
- **training_time_ms**: wall time of fitting the final pipeline (split,
  metrics, importances and cross-validation not included).
- A model that does not converge is still returned, with the solver's
  warning in ``warnings``.
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import (
    accuracy_score,
    confusion_matrix,
    f1_score,
    precision_score,
    recall_score,
    roc_auc_score,
)
from sklearn.model_selection import KFold, StratifiedKFold, cross_val_score, train_test_split
from sklearn.pipeline import Pipeline

from neurogate.server.analytics.scores import regression_scores
from neurogate.server.analytics.tables import Table
from neurogate.server.errors import InsufficientData, InvalidParameter, ModelTrainingFailed
from neurogate.server.ml.estimators import (
    CLASSIFICATION,
    FEATURE_TYPES,
    REGRESSION,
    TASKS,
    Spec,
    build_pipeline,
    used_hyperparameters,
)
from neurogate.server.ml.importance import feature_importance
from neurogate.server.ml.value_range import check_training_column

DEFAULT_TEST_SIZE: Final = 0.2
DEFAULT_SEED: Final = 42
MIN_ROWS: Final = 10
MAX_INFERRED_CLASSES: Final = 10
MAX_FOLDS: Final = 20
#: Column types a target can have.
TARGET_TYPES: Final = ("numeric", "boolean", "categorical", "text")
#: Column types used as features when none are named (text is free-form).
DEFAULT_FEATURE_TYPES: Final = ("numeric", "boolean", "categorical")


@dataclass(frozen=True)
class TrainingRequest:
    target: str
    features: Sequence[str]
    model_type: str
    task: str = ""
    test_size: float = 0.0
    hyperparameters: Mapping[str, Any] = field(default_factory=dict)
    cv_folds: int = 0
    random_seed: int = 0


@dataclass(frozen=True)
class CrossValidation:
    folds: int
    metric: str
    mean: float
    std: float
    scores: list[float]


@dataclass
class TrainedModel:
    """A fitted pipeline and what a caller may read back about it."""

    pipeline: Pipeline
    model_type: str
    task: str
    target: str
    features: list[str]
    #: Feature name -> column type, in feature order.
    feature_types: dict[str, str]
    hyperparameters: dict[str, Any]
    metrics: dict[str, float]
    feature_importance: dict[str, float]
    #: Class labels as strings, in the order of ``confusion_matrix``.
    classes: list[str]
    confusion_matrix: list[list[int]]
    cross_validation: CrossValidation | None
    train_rows: int
    test_rows: int
    test_size: float
    random_seed: int
    training_time_ms: float
    warnings: list[str]


def train(table: Table, request: TrainingRequest) -> TrainedModel:
    """Trains ``request.model_type`` on ``table``; refuses bad requests and
    data nothing can be learnt from, naming the reason."""
    if request.random_seed < 0:
        raise InvalidParameter(
            "random_seed cannot be negative",
            parameter="random_seed",
            value=request.random_seed,
        )
    seed = request.random_seed or DEFAULT_SEED
    test_size = _test_size(request.test_size)
    target = table.check(request.target, parameter="target", types=TARGET_TYPES)
    features = _features(table, target, request.features)
    labelled = table.frame.loc[table.frame[target].notna(), [*features, target]]
    if labelled.empty:
        raise InsufficientData(
            f"target {target!r} has no values: every row is missing it",
            parameter="target",
            value=target,
        )
    _check_ranges(labelled, table.column_types, target)
    target_type = table.column_types[target]
    task = _task(request.task, labelled[target], target_type)
    feature_types = {name: table.column_types[name] for name in features}
    pipeline = build_pipeline(
        Spec(request.model_type, task, request.hyperparameters, seed), feature_types
    )
    y = _labels(labelled[target], target, target_type, task)
    x = labelled[features]
    _check_rows(x, y, task, test_size)
    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=test_size, random_state=seed, stratify=y if task == CLASSIFICATION else None
    )
    _check_features_observed(x_train, "training rows")
    caught: list[str] = []
    cross_validation = None
    if request.cv_folds:
        cross_validation = _cross_validate(pipeline, x_train, y_train, task, request, seed, caught)
    started = time.perf_counter()
    with _fitting(pipeline, caught):
        pipeline.fit(x_train, y_train)
    training_time_ms = (time.perf_counter() - started) * 1000
    classes = list(pipeline.classes_) if task == CLASSIFICATION else []
    metrics, matrix = (
        _classification_metrics(pipeline, x_test, y_test, classes)
        if task == CLASSIFICATION
        else (_regression_metrics(pipeline, x_test, y_test), [])
    )
    return TrainedModel(
        pipeline=pipeline,
        model_type=request.model_type,
        task=task,
        target=target,
        features=features,
        feature_types=feature_types,
        hyperparameters=used_hyperparameters(pipeline.named_steps["model"]),
        metrics=metrics,
        feature_importance=feature_importance(pipeline, x_test, y_test, seed),
        classes=[str(label) for label in classes],
        confusion_matrix=matrix,
        cross_validation=cross_validation,
        train_rows=len(x_train),
        test_rows=len(x_test),
        test_size=test_size,
        random_seed=seed,
        training_time_ms=training_time_ms,
        warnings=sorted(set(caught)),
    )


# ---------------------------------------------------------------- requests


def _test_size(requested: float) -> float:
    if requested == 0:
        return DEFAULT_TEST_SIZE
    if not 0 < requested < 1:
        raise InvalidParameter(
            "test_size is the held-out share of the rows, between 0 and 1 (exclusive)",
            parameter="test_size",
            value=requested,
            valid_range=[0, 1],
        )
    return requested


def _features(table: Table, target: str, requested: Sequence[str]) -> list[str]:
    if not requested:
        features = [name for name in table.names(DEFAULT_FEATURE_TYPES) if name != target]
        if not features:
            raise InvalidParameter(
                f"the dataset has no numeric, boolean or categorical column besides {target!r} "
                "to use as a feature",
                parameter="features",
            )
        return features
    features: list[str] = []
    for name in requested:
        table.check(name, parameter="features")
        kind = table.column_types[name]
        if name == target:
            raise InvalidParameter(
                f"column {name!r} is the target; it cannot also be a feature",
                parameter="features",
                value=name,
            )
        if kind not in FEATURE_TYPES:
            raise InvalidParameter(
                f"feature {name!r} is a {kind} column; features are numeric, boolean, "
                "categorical or text columns",
                parameter="features",
                value=name,
                column_type=kind,
                valid_choices=[n for n in table.names(FEATURE_TYPES) if n != target],
                suggestion="derive numeric or categorical columns (year, month, weekday) "
                "from a date, or forecast over time with /v1/analytics/predictive",
            )
        if name in features:
            raise InvalidParameter(
                f"feature {name!r} is listed twice", parameter="features", value=name
            )
        features.append(name)
    return features


def _task(requested: str, target: pd.Series, target_type: str) -> str:
    if requested:
        if requested not in TASKS:
            raise InvalidParameter(
                f"unknown task {requested!r}",
                parameter="task",
                value=requested,
                valid_choices=list(TASKS),
            )
        if requested == REGRESSION and target_type != "numeric":
            raise InvalidParameter(
                f"target {target.name!r} is a {target_type} column; a regression needs "
                "a numeric target",
                parameter="task",
                value=requested,
                suggestion="use task classification",
            )
        return requested
    if target_type != "numeric":
        return CLASSIFICATION
    values = target.astype("float64")
    whole = bool(np.all(np.mod(values, 1) == 0))
    if whole and values.nunique() <= MAX_INFERRED_CLASSES:
        return CLASSIFICATION
    return REGRESSION


def _labels(target: pd.Series, name: str, target_type: str, task: str) -> pd.Series:
    """The target's values as the model's labels: floats for a regression;
    for classes, whole numbers as ints, booleans as bools, else strings."""
    if task == REGRESSION:
        return target.astype("float64")
    if target_type == "numeric":
        values = target.astype("float64")
        if np.all(np.mod(values, 1) == 0):
            return values.astype("int64")
        return values
    if target_type == "boolean":
        return target.astype(bool)
    return target.astype(object)


# ---------------------------------------------------------------- data checks


def _check_rows(x: pd.DataFrame, y: pd.Series, task: str, test_size: float) -> None:
    rows = len(y)
    if rows < MIN_ROWS:
        raise InsufficientData(
            f"{rows} rows have a value of the target; at least {MIN_ROWS} are needed",
            parameter="target",
            value=str(y.name),
            rows=rows,
            minimum=MIN_ROWS,
        )
    _check_features_observed(x, "rows with a target")
    test_rows = math.ceil(test_size * rows)
    train_rows = rows - test_rows
    needed = 2
    if task == CLASSIFICATION:
        counts = y.value_counts()
        if len(counts) < 2:
            raise InsufficientData(
                f"target {y.name!r} has one class only ({counts.index[0]!r}); "
                "a classifier needs at least two",
                parameter="target",
                value=str(y.name),
                classes=[str(c) for c in counts.index],
            )
        rare = counts[counts < 2]
        if len(rare):
            raise InsufficientData(
                f"class {rare.index[0]!r} of target {y.name!r} has a single row; "
                "a stratified split needs at least two per class",
                parameter="target",
                value=str(y.name),
                class_counts={str(c): int(n) for c, n in counts.items()},
            )
        needed = len(counts)
    if test_rows < needed or train_rows < needed:
        raise InsufficientData(
            f"a test_size of {test_size} splits {rows} rows into {train_rows} training and "
            f"{test_rows} test rows; each needs at least {needed}",
            parameter="test_size",
            value=test_size,
            rows=rows,
            suggestion="change test_size, or add rows",
        )


def _check_ranges(labelled: pd.DataFrame, column_types: Mapping[str, str], target: str) -> None:
    for name in labelled.columns:
        if column_types[name] == "numeric":
            check_training_column(labelled[name], "target" if name == target else "features")


def _check_features_observed(x: pd.DataFrame, where: str) -> None:
    for name in x.columns:
        if x[name].isna().all():
            raise InsufficientData(
                f"feature {name!r} is missing in every one of the {where}",
                parameter="features",
                value=name,
            )


# ---------------------------------------------------------------- fitting


@contextmanager
def _fitting(pipeline: Pipeline, caught: list[str]) -> Iterator[None]:
    """Around any fitting: a solver that stops before converging leaves a
    usable model, so its warning is kept in ``caught`` rather than raised;
    an estimator that cannot fit these data (or refuses a combination of
    hyperparameters only fit() checks) is MODEL_TRAINING_FAILED with
    scikit-learn's reason."""
    with warnings.catch_warnings(record=True) as recorded:
        warnings.simplefilter("always", ConvergenceWarning)
        try:
            yield
        except (ValueError, FloatingPointError, np.linalg.LinAlgError) as error:
            name = pipeline.named_steps["model"].__class__.__name__
            raise ModelTrainingFailed(
                f"fitting the {name} failed: {error}", reason=str(error)
            ) from None
    for warning in recorded:
        if issubclass(warning.category, ConvergenceWarning):
            caught.append(str(warning.message))
        else:  # not ours to judge: let it through as it came
            warnings.warn_explicit(
                warning.message, warning.category, warning.filename, warning.lineno
            )


def _cross_validate(
    pipeline: Pipeline,
    x: pd.DataFrame,
    y: pd.Series,
    task: str,
    request: TrainingRequest,
    seed: int,
    caught: list[str],
) -> CrossValidation:
    folds = request.cv_folds
    most = min(MAX_FOLDS, len(y))
    if task == CLASSIFICATION:
        most = min(most, int(y.value_counts().min()))
    if not 2 <= folds <= most:
        raise InvalidParameter(
            f"cv_folds must be between 2 and {most} here (the training rows, or those of "
            f"the rarest class, at most {MAX_FOLDS})",
            parameter="cv_folds",
            value=folds,
            valid_range=[2, most],
        )
    if task == CLASSIFICATION:
        splitter: Any = StratifiedKFold(folds, shuffle=True, random_state=seed)
        metric = "accuracy"
    else:
        splitter = KFold(folds, shuffle=True, random_state=seed)
        metric = "r2"
    with _fitting(pipeline, caught):
        scores = cross_val_score(
            clone(pipeline), x, y, cv=splitter, scoring=metric, error_score="raise"
        )
    return CrossValidation(
        folds=folds,
        metric=metric,
        mean=float(np.mean(scores)),
        std=float(np.std(scores, ddof=1)),
        scores=[float(s) for s in scores],
    )


# ---------------------------------------------------------------- metrics


def _finite(metrics: dict[str, float]) -> dict[str, float]:
    return {name: float(value) for name, value in metrics.items() if math.isfinite(value)}


def _regression_metrics(pipeline: Pipeline, x: pd.DataFrame, y: pd.Series) -> dict[str, float]:
    return _finite(regression_scores(y, pipeline.predict(x)))


def _classification_metrics(
    pipeline: Pipeline, x: pd.DataFrame, y: pd.Series, classes: list[Any]
) -> tuple[dict[str, float], list[list[int]]]:
    predicted = pipeline.predict(x)
    if len(classes) == 2:
        averaging: dict[str, Any] = {"average": "binary", "pos_label": classes[1]}
    else:
        averaging = {"average": "weighted"}
    metrics = {
        "accuracy": accuracy_score(y, predicted),
        "precision": precision_score(y, predicted, zero_division=0, **averaging),
        "recall": recall_score(y, predicted, zero_division=0, **averaging),
        "f1": f1_score(y, predicted, zero_division=0, **averaging),
    }
    auc = _roc_auc(pipeline, x, y, classes)
    if auc is not None:
        metrics["roc_auc"] = auc
    matrix = confusion_matrix(y, predicted, labels=classes)
    return _finite(metrics), [[int(n) for n in row] for row in matrix]


def _roc_auc(pipeline: Pipeline, x: pd.DataFrame, y: pd.Series, classes: list[Any]) -> float | None:
    if set(y) != set(classes):
        return None
    if len(classes) == 2:
        if hasattr(pipeline, "predict_proba"):
            scores = pipeline.predict_proba(x)[:, 1]
        else:
            scores = pipeline.decision_function(x)
        return float(roc_auc_score(y == classes[1], scores))
    if not hasattr(pipeline, "predict_proba"):
        return None
    return float(roc_auc_score(y, pipeline.predict_proba(x), multi_class="ovr", labels=classes))
