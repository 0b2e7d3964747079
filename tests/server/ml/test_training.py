"""Training on a table: held-out metrics equal scikit-learn's on the same
pipeline, split and seed; cross-validation on the training split; feature
importances per original feature; the task inferred from the target; and
every refusal, each naming its reason."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics
from sklearn.base import clone
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
from sklearn.impute import SimpleImputer
from sklearn.inspection import permutation_importance
from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge
from sklearn.model_selection import StratifiedKFold, cross_val_score, train_test_split
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from conftest import sklearn_frame
from neurogate.server.analytics.tables import Table, TableRef
from neurogate.server.datasets.parsing import parse_upload, read_parquet
from neurogate.server.errors import InsufficientData, InvalidParameter, ModelTrainingFailed
from neurogate.server.ml.training import TrainingRequest, train
from neurogate.server.ml.value_range import MAX_MAGNITUDE


def table_of(frame: pd.DataFrame) -> Table:
    """``frame`` as an upload would store it: CSV parsed, typed and re-read."""
    parsed = parse_upload(frame.to_csv(index=False).encode(), filename="t.csv")
    types = {column.name: column.type for column in parsed.schema}
    return Table(TableRef("sqlite://", "ds_test", "t", types), read_parquet(parsed.parquet))


@pytest.fixture(scope="module")
def diabetes() -> Table:
    return table_of(sklearn_frame("diabetes"))


@pytest.fixture(scope="module")
def iris() -> Table:
    return table_of(sklearn_frame("iris"))


@pytest.fixture(scope="module")
def cancer() -> Table:
    return table_of(sklearn_frame("breast_cancer"))


def split(table: Table, *, stratify: bool, test_size: float = 0.2, seed: int = 42):
    x = table.frame.drop(columns="target")
    y = table.frame["target"].astype(object if stratify else "float64")
    return train_test_split(
        x, y, test_size=test_size, random_state=seed, stratify=y if stratify else None
    )


def direct(estimator):
    """The pipeline Train builds for numeric features, written out."""
    return make_pipeline(SimpleImputer(strategy="median"), StandardScaler(), estimator)


# ---------------------------------------------------------------- regression


@pytest.mark.parametrize(
    ("model_type", "estimator"),
    [
        ("linear_regression", LinearRegression()),
        ("random_forest", RandomForestRegressor(random_state=42)),
    ],
)
def test_regression_metrics_equal_sklearns_on_the_same_split(
    diabetes: Table, model_type: str, estimator
):
    x_train, x_test, y_train, y_test = split(diabetes, stratify=False)
    predicted = direct(estimator).fit(x_train, y_train).predict(x_test)

    trained = train(diabetes, TrainingRequest(target="target", features=[], model_type=model_type))

    assert trained.task == "regression"
    assert trained.metrics == pytest.approx(
        {
            "r2_score": metrics.r2_score(y_test, predicted),
            "rmse": metrics.root_mean_squared_error(y_test, predicted),
            "mae": metrics.mean_absolute_error(y_test, predicted),
        },
        rel=1e-9,
    )
    assert (trained.train_rows, trained.test_rows) == (len(x_train), len(x_test))
    assert trained.features == list(x_train.columns)
    assert trained.classes == [] and trained.confusion_matrix == []
    assert trained.training_time_ms > 0


def test_linear_importances_are_absolute_coefficients_on_standardised_features(diabetes: Table):
    x_train, _, y_train, _ = split(diabetes, stratify=False)
    coef = direct(LinearRegression()).fit(x_train, y_train)[-1].coef_

    trained = train(
        diabetes, TrainingRequest(target="target", features=[], model_type="linear_regression")
    )

    assert list(trained.feature_importance.values()) == pytest.approx(np.abs(coef), rel=1e-9)


def test_test_size_and_seed_change_the_split(diabetes: Table):
    trained = train(
        diabetes,
        TrainingRequest(
            target="target",
            features=["bmi", "bp"],
            model_type="ridge",
            test_size=0.3,
            random_seed=7,
        ),
    )
    x_train, x_test, y_train, y_test = split(diabetes, stratify=False, test_size=0.3, seed=7)
    predicted = direct(Ridge()).fit(x_train[["bmi", "bp"]], y_train).predict(x_test[["bmi", "bp"]])

    assert trained.test_rows == len(x_test) == 133
    assert trained.metrics["r2_score"] == pytest.approx(
        metrics.r2_score(y_test, predicted), rel=1e-9
    )
    assert (trained.test_size, trained.random_seed) == (0.3, 7)


# ---------------------------------------------------------------- classification


def test_multiclass_metrics_are_weighted_and_match_sklearn(iris: Table):
    x_train, x_test, y_train, y_test = split(iris, stratify=True)
    pipeline = direct(RandomForestClassifier(random_state=42)).fit(x_train, y_train)
    predicted = pipeline.predict(x_test)
    classes = sorted(set(y_train))

    trained = train(iris, TrainingRequest(target="target", features=[], model_type="random_forest"))

    assert trained.task == "classification"
    assert trained.classes == classes == ["setosa", "versicolor", "virginica"]
    assert trained.metrics == pytest.approx(
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
    expected = metrics.confusion_matrix(y_test, predicted, labels=classes).tolist()
    assert trained.confusion_matrix == expected
    assert sum(map(sum, trained.confusion_matrix)) == trained.test_rows == 30
    # the split is stratified: 10 test rows per class
    assert [sum(row) for row in trained.confusion_matrix] == [10, 10, 10]


def test_tree_importances_are_sklearns(iris: Table):
    x_train, _, y_train, _ = split(iris, stratify=True)
    forest = direct(RandomForestClassifier(random_state=42)).fit(x_train, y_train)[-1]

    trained = train(iris, TrainingRequest(target="target", features=[], model_type="random_forest"))

    assert list(trained.feature_importance.values()) == pytest.approx(
        forest.feature_importances_, rel=1e-9
    )


def test_binary_metrics_are_of_the_positive_class_with_roc_auc(cancer: Table):
    x_train, x_test, y_train, y_test = split(cancer, stratify=True)
    pipeline = direct(LogisticRegression()).fit(x_train, y_train)
    predicted = pipeline.predict(x_test)
    positive = "malignant"  # the second class in sorted order

    trained = train(
        cancer, TrainingRequest(target="target", features=[], model_type="logistic_regression")
    )

    assert trained.classes == ["benign", positive]
    assert trained.metrics == pytest.approx(
        {
            "accuracy": metrics.accuracy_score(y_test, predicted),
            "precision": metrics.precision_score(y_test, predicted, pos_label=positive),
            "recall": metrics.recall_score(y_test, predicted, pos_label=positive),
            "f1": metrics.f1_score(y_test, predicted, pos_label=positive),
            "roc_auc": metrics.roc_auc_score(
                y_test == positive, pipeline.predict_proba(x_test)[:, 1]
            ),
        },
        rel=1e-9,
    )


def test_a_classifier_without_probabilities_scores_roc_auc_by_its_decision_function(
    cancer: Table,
):
    trained = train(cancer, TrainingRequest(target="target", features=[], model_type="svm"))

    assert 0.9 < trained.metrics["roc_auc"] <= 1.0
    assert not hasattr(trained.pipeline, "predict_proba")


def test_cross_validation_runs_on_the_training_split_with_stratified_folds(iris: Table):
    x_train, _, y_train, _ = split(iris, stratify=True)
    folds = StratifiedKFold(5, shuffle=True, random_state=42)
    scores = cross_val_score(
        direct(LogisticRegression()), x_train, y_train, cv=folds, scoring="accuracy"
    )

    trained = train(
        iris,
        TrainingRequest(target="target", features=[], model_type="logistic_regression", cv_folds=5),
    )

    cv = trained.cross_validation
    assert (cv.folds, cv.metric) == (5, "accuracy")
    assert cv.scores == pytest.approx(scores, rel=1e-9)
    assert cv.mean == pytest.approx(np.mean(scores), rel=1e-9)
    assert cv.std == pytest.approx(np.std(scores, ddof=1), rel=1e-9)


def test_other_models_report_permutation_importance_on_the_test_rows(iris: Table):
    x_train, x_test, y_train, y_test = split(iris, stratify=True)
    pipeline = direct(KNeighborsClassifier()).fit(x_train, y_train)
    expected = permutation_importance(pipeline, x_test, y_test, n_repeats=5, random_state=42)

    trained = train(iris, TrainingRequest(target="target", features=[], model_type="knn"))

    assert list(trained.feature_importance.values()) == pytest.approx(
        expected.importances_mean, rel=1e-9, abs=1e-12
    )


# ---------------------------------------------------------------- mixed features


@pytest.fixture(scope="module")
def shops() -> Table:
    rng = np.random.default_rng(0)
    n = 120
    region = rng.choice(["north", "south", "east"], n)
    online = rng.random(n) < 0.5
    visits = rng.normal(50, 10, n)
    spend = visits * 2 + np.where(region == "north", 30, 0) + online * 10 + rng.normal(0, 1, n)
    frame = pd.DataFrame(
        {
            "region": region,
            "online": online,
            "visits": visits,
            "opened": pd.date_range("2024-01-01", periods=n, freq="D").strftime("%Y-%m-%d"),
            "spend": spend,
            "big": np.where(spend > 120, "yes_big", "not_big"),
        }
    )
    frame.loc[[3, 17], "visits"] = np.nan
    frame.loc[[5], "region"] = None
    return table_of(frame)


def test_one_hot_tree_importances_are_summed_back_to_their_feature(shops: Table):
    trained = train(
        shops,
        TrainingRequest(
            target="spend", features=["region", "online", "visits"], model_type="random_forest"
        ),
    )

    forest = trained.pipeline.named_steps["model"]
    assert forest.n_features_in_ == 1 + 1 + 4  # online, visits, region (3 + missing)
    assert set(trained.feature_importance) == {"region", "online", "visits"}
    assert sum(trained.feature_importance.values()) == pytest.approx(1.0)
    assert trained.feature_types == {
        "region": "categorical",
        "online": "boolean",
        "visits": "numeric",
    }


def test_default_features_leave_out_the_target_dates_and_text(shops: Table):
    trained = train(shops, TrainingRequest(target="big", features=[], model_type="decision_tree"))

    assert trained.features == ["region", "online", "visits", "spend"]
    assert trained.task == "classification"


def test_a_datetime_feature_is_refused_with_a_suggestion(shops: Table):
    with pytest.raises(InvalidParameter) as raised:
        train(shops, TrainingRequest(target="spend", features=["opened"], model_type="ridge"))

    assert raised.value.details["value"] == "opened"
    assert raised.value.details["column_type"] == "datetime"
    assert "suggestion" in raised.value.details


# ---------------------------------------------------------------- task


@pytest.mark.parametrize(
    ("values", "task"),
    [
        (np.linspace(0, 1, 40), "regression"),
        (np.arange(40) % 3, "classification"),
        (np.arange(40) % 12 + 0.5, "regression"),
        (np.arange(40) % 12, "regression"),  # more than 10 whole numbers
    ],
)
def test_the_task_is_inferred_from_a_numeric_target(values: np.ndarray, task: str):
    table = table_of(pd.DataFrame({"x": np.arange(40.0), "y": values}))

    trained = train(table, TrainingRequest(target="y", features=["x"], model_type="decision_tree"))

    assert trained.task == task


def test_whole_number_classes_stay_numbers():
    table = table_of(pd.DataFrame({"x": np.arange(40.0), "y": np.arange(40) % 2}))

    trained = train(table, TrainingRequest(target="y", features=["x"], model_type="knn"))

    assert trained.classes == ["0", "1"]
    assert trained.pipeline.predict(table.frame[["x"]].head(1)).tolist() == [0]


def test_a_regression_of_a_categorical_target_is_refused(iris: Table):
    with pytest.raises(InvalidParameter) as raised:
        train(
            iris,
            TrainingRequest(target="target", features=[], model_type="ridge", task="regression"),
        )

    assert raised.value.details["parameter"] == "task"


def test_an_unknown_task_lists_the_tasks(iris: Table):
    with pytest.raises(InvalidParameter) as raised:
        train(iris, TrainingRequest(target="target", features=[], model_type="knn", task="ranking"))

    assert raised.value.details["valid_choices"] == ["classification", "regression"]


# ---------------------------------------------------------------- refusals


def test_an_unknown_target_lists_the_columns(iris: Table):
    with pytest.raises(InvalidParameter) as raised:
        train(iris, TrainingRequest(target="species", features=[], model_type="knn"))

    assert raised.value.details["parameter"] == "target"
    assert "target" in raised.value.details["valid_choices"]


def test_an_unknown_feature_lists_the_columns(iris: Table):
    with pytest.raises(InvalidParameter) as raised:
        train(iris, TrainingRequest(target="target", features=["petal"], model_type="knn"))

    assert (raised.value.details["parameter"], raised.value.details["value"]) == (
        "features",
        "petal",
    )
    assert "petal length (cm)" in raised.value.details["valid_choices"]


def test_the_target_cannot_be_a_feature(iris: Table):
    with pytest.raises(InvalidParameter, match="is the target"):
        train(iris, TrainingRequest(target="target", features=["target"], model_type="knn"))


def test_a_target_with_one_class_is_insufficient():
    table = table_of(pd.DataFrame({"x": np.arange(20.0), "y": ["same"] * 20}))

    with pytest.raises(InsufficientData, match="one class only"):
        train(table, TrainingRequest(target="y", features=["x"], model_type="logistic_regression"))


def test_an_all_missing_target_is_insufficient():
    table = table_of(pd.DataFrame({"x": np.arange(20.0), "y": [np.nan] * 20}))

    with pytest.raises(InsufficientData, match="no values") as raised:
        train(table, TrainingRequest(target="y", features=["x"], model_type="ridge"))

    assert raised.value.details["value"] == "y"


def test_too_few_rows_are_insufficient():
    table = table_of(pd.DataFrame({"x": np.arange(8.0), "y": np.arange(8.0) * 1.5}))

    with pytest.raises(InsufficientData) as raised:
        train(table, TrainingRequest(target="y", features=["x"], model_type="ridge"))

    assert (raised.value.details["rows"], raised.value.details["minimum"]) == (8, 10)


def test_rows_without_a_target_do_not_count():
    frame = pd.DataFrame({"x": np.arange(27.0), "y": [1.5, np.nan, np.nan] * 9})

    with pytest.raises(InsufficientData) as raised:
        train(table_of(frame), TrainingRequest(target="y", features=["x"], model_type="ridge"))

    assert raised.value.details["rows"] == 9


def test_a_feature_missing_everywhere_is_insufficient():
    frame = pd.DataFrame({"x": np.arange(30.0), "empty": [np.nan] * 30, "y": np.arange(30.0)})
    frame["empty"] = frame["empty"].astype("float64")
    table = table_of(frame)
    table.column_types["empty"] = "numeric"  # uploads type an empty column as text

    with pytest.raises(InsufficientData, match="missing in every") as raised:
        train(table, TrainingRequest(target="y", features=["x", "empty"], model_type="ridge"))

    assert raised.value.details["value"] == "empty"


@pytest.mark.parametrize("model_type", ["linear_regression", "svm", "random_forest"])
def test_a_feature_value_beyond_what_a_model_takes_is_refused_naming_column_and_row(
    model_type: str,
):
    frame = pd.DataFrame({"x": np.arange(30.0), "y": np.arange(30.0) * 2})
    frame.loc[7, "x"] = 1e200

    with pytest.raises(InvalidParameter) as raised:
        train(table_of(frame), TrainingRequest(target="y", features=["x"], model_type=model_type))

    assert raised.value.details == {
        "parameter": "features",
        "value": "x",
        "row": 7,
        "found": 1e200,
        "valid_range": [-MAX_MAGNITUDE, MAX_MAGNITUDE],
    }
    assert "column 'x'" in raised.value.message and "out of the range" in raised.value.message


@pytest.mark.parametrize("task", ["", "regression"])
def test_a_target_value_beyond_what_a_model_takes_is_refused_naming_the_target(task: str):
    frame = pd.DataFrame({"x": np.arange(30.0), "y": np.arange(30.0) * 2.5})
    frame.loc[3, "y"] = -1e200

    with pytest.raises(InvalidParameter) as raised:
        train(
            table_of(frame),
            TrainingRequest(target="y", features=["x"], model_type="ridge", task=task),
        )

    details = raised.value.details
    assert (details["parameter"], details["value"], details["row"]) == ("target", "y", 3)


def test_a_class_with_a_single_row_cannot_be_stratified():
    frame = pd.DataFrame({"x": np.arange(21.0), "y": ["a", "b"] * 10 + ["c"]})

    with pytest.raises(InsufficientData, match="single row") as raised:
        train(table_of(frame), TrainingRequest(target="y", features=["x"], model_type="knn"))

    assert raised.value.details["class_counts"]["c"] == 1


def test_a_test_split_smaller_than_the_classes_is_insufficient(iris: Table):
    with pytest.raises(InsufficientData) as raised:
        train(iris, TrainingRequest(target="target", features=[], model_type="knn", test_size=0.01))

    assert raised.value.details["parameter"] == "test_size"


@pytest.mark.parametrize("test_size", [1.0, -0.2, 1.5])
def test_test_size_must_be_a_share(iris: Table, test_size: float):
    with pytest.raises(InvalidParameter) as raised:
        train(
            iris,
            TrainingRequest(target="target", features=[], model_type="knn", test_size=test_size),
        )

    assert raised.value.details["parameter"] == "test_size"


@pytest.mark.parametrize("folds", [1, 41, 21])
def test_cv_folds_must_fit_the_rarest_class(iris: Table, folds: int):
    with pytest.raises(InvalidParameter) as raised:
        train(iris, TrainingRequest(target="target", features=[], model_type="knn", cv_folds=folds))

    assert raised.value.details["valid_range"] == [2, 20]


def test_a_solver_that_does_not_converge_still_trains_and_says_so(iris: Table):
    trained = train(
        iris,
        TrainingRequest(
            target="target",
            features=[],
            model_type="neural_network",
            hyperparameters={"max_iter": 3},
        ),
    )

    assert any("converge" in warning for warning in trained.warnings)
    assert "accuracy" in trained.metrics


def test_the_hyperparameters_actually_used_are_reported(iris: Table):
    trained = train(
        iris,
        TrainingRequest(
            target="target",
            features=[],
            model_type="random_forest",
            hyperparameters={"n_estimators": 20.0},
            random_seed=5,
        ),
    )

    assert trained.hyperparameters["n_estimators"] == 20
    assert trained.hyperparameters["random_state"] == 5
    assert trained.hyperparameters["criterion"] == "gini"
    assert clone(trained.pipeline) is not None


@pytest.mark.parametrize("cv_folds", [0, 3])
def test_an_estimator_that_cannot_fit_is_a_training_failure_with_sklearns_reason(
    iris: Table, cv_folds: int
):
    request = TrainingRequest(
        target="target",
        features=[],
        model_type="logistic_regression",
        hyperparameters={"l1_ratio": 1.0},  # lbfgs, the default solver, takes no L1 penalty
        cv_folds=cv_folds,
    )

    with pytest.raises(ModelTrainingFailed, match="LogisticRegression failed") as raised:
        train(iris, request)

    assert "lbfgs" in raised.value.details["reason"]


def test_a_negative_seed_is_refused(iris: Table):
    with pytest.raises(InvalidParameter) as raised:
        train(iris, TrainingRequest(target="target", features=[], model_type="knn", random_seed=-1))

    assert raised.value.details["parameter"] == "random_seed"
