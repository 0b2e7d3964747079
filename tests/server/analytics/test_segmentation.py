"""Clustering a table's rows: the same partitions, inertia and silhouette
scores as scikit-learn run directly on the same standardised data; the
number of clusters chosen by silhouette; clusters named by how their
centroid stands out; rows with a missing feature skipped; and the
refusals."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.cluster import DBSCAN, AgglomerativeClustering, KMeans, MiniBatchKMeans
from sklearn.metrics import silhouette_score
from sklearn.mixture import GaussianMixture
from sklearn.neighbors import NearestNeighbors
from sklearn.preprocessing import StandardScaler

from conftest import sklearn_frame
from neurogate.server.analytics import segmentation
from neurogate.server.analytics.segmentation import (
    EPS_QUANTILE,
    KMEANS_N_INIT,
    MAX_AUTO_CLUSTERS,
    MINIBATCH_N_INIT,
    RANDOM_STATE,
    cluster,
    estimate_eps,
    feature_matrix,
    label_column,
)
from neurogate.server.analytics.tables import Table, TableRef
from neurogate.server.datasets.column_types import infer_column_type
from neurogate.server.errors import InsufficientData, InvalidParameter

WINE_FEATURES = ["alcohol", "malic_acid", "color_intensity", "proline"]


def as_table(frame: pd.DataFrame) -> Table:
    types = {name: infer_column_type(frame[name]) for name in frame.columns}
    return Table(TableRef("sqlite://", "ds_test", "test", types), frame)


def scaled(frame: pd.DataFrame, features: list[str]) -> np.ndarray:
    return StandardScaler().fit_transform(frame[features].to_numpy(dtype="float64"))


def sklearn_labels(algorithm: str, x: np.ndarray, k: int) -> tuple[np.ndarray, float | None]:
    if algorithm == "kmeans":
        model = KMeans(n_clusters=k, n_init=KMEANS_N_INIT, random_state=RANDOM_STATE).fit(x)
        return model.labels_, model.inertia_
    if algorithm == "minibatch_kmeans":
        model = MiniBatchKMeans(
            n_clusters=k, n_init=MINIBATCH_N_INIT, random_state=RANDOM_STATE
        ).fit(x)
        return model.labels_, model.inertia_
    if algorithm == "gaussian_mixture":
        return GaussianMixture(n_components=k, random_state=RANDOM_STATE).fit_predict(x), None
    return AgglomerativeClustering(n_clusters=k, linkage="ward").fit_predict(x), None


def spenders(n_per_group: int = 40) -> pd.DataFrame:
    """Three obvious customer groups: big spenders, lapsed customers, and the rest."""
    rng = np.random.default_rng(7)

    def group(spend: float, recency: float) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "average_spend": rng.normal(spend, 5.0, n_per_group),
                "recency": rng.normal(recency, 2.0, n_per_group),
            }
        )

    return pd.concat([group(500.0, 30.0), group(50.0, 90.0), group(50.0, 30.0)], ignore_index=True)


# --- the same numbers as scikit-learn -----------------------------------------------------------


@pytest.mark.parametrize(
    "algorithm", ["kmeans", "minibatch_kmeans", "gaussian_mixture", "agglomerative"]
)
def test_a_given_number_of_clusters_matches_sklearn_on_standardised_wine(algorithm: str):
    frame = sklearn_frame("wine")
    x = scaled(frame, WINE_FEATURES)
    expected, inertia = sklearn_labels(algorithm, x, 3)

    result = cluster(as_table(frame), WINE_FEATURES, algorithm, n_clusters=3)

    np.testing.assert_array_equal(result.labels, expected)
    assert result.silhouette == pytest.approx(silhouette_score(x, expected), rel=1e-9)
    if inertia is None:
        assert result.inertia is None
    else:
        assert result.inertia == pytest.approx(inertia, rel=1e-9)
    assert result.n_clusters == 3
    assert result.noise_points == 0
    assert result.silhouette_by_k == {}
    assert [c.cluster_id for c in result.clusters] == [0, 1, 2]
    for c in result.clusters:
        members = frame[WINE_FEATURES][expected == c.cluster_id]
        assert c.size == len(members)
        assert c.centroid == pytest.approx(members.mean().to_dict(), rel=1e-12)


def test_dbscan_with_a_given_radius_matches_sklearn_and_leaves_noise_out():
    frame = sklearn_frame("iris")
    features = [c for c in frame.columns if c != "target"]
    x = scaled(frame, features)
    expected = DBSCAN(eps=0.6, min_samples=4).fit_predict(x)
    clustered = expected != -1

    result = cluster(as_table(frame), [], "dbscan", eps=0.6, min_samples=4)

    np.testing.assert_array_equal(result.labels, expected)
    assert result.noise_points == int((~clustered).sum()) > 0
    assert result.n_clusters == len(set(expected) - {-1})
    assert [c.cluster_id for c in result.clusters] == sorted(set(expected) - {-1})
    assert result.silhouette == pytest.approx(
        silhouette_score(x[clustered], expected[clustered]), rel=1e-9
    )
    assert result.inertia is None
    assert result.eps == 0.6


def test_dbscan_defaults_to_five_core_neighbours_and_the_k_distance_quantile():
    frame = spenders()
    x = scaled(frame, ["average_spend", "recency"])
    fifth = NearestNeighbors(n_neighbors=5).fit(x).kneighbors(x)[0][:, -1]
    eps = np.quantile(fifth, EPS_QUANTILE)

    result = cluster(as_table(frame), [], "dbscan")

    assert result.eps == pytest.approx(eps, rel=1e-12)
    np.testing.assert_array_equal(result.labels, DBSCAN(eps=eps, min_samples=5).fit_predict(x))
    assert result.n_clusters == 3


def test_duplicated_rows_fall_back_to_the_smallest_positive_k_distance():
    x = np.array([[0.0]] * 100 + [[1.0], [3.0]])

    assert estimate_eps(x, 2) == 1.0
    with pytest.raises(InsufficientData):
        estimate_eps(np.zeros((6, 1)), 2)


# --- the number of clusters chosen by silhouette ------------------------------------------------


def test_without_n_clusters_the_k_with_the_best_silhouette_of_2_to_10_wins():
    frame = sklearn_frame("wine")
    x = scaled(frame, WINE_FEATURES)
    scores = {
        k: silhouette_score(x, sklearn_labels("kmeans", x, k)[0])
        for k in range(2, MAX_AUTO_CLUSTERS + 1)
    }
    best = max(scores, key=scores.__getitem__)

    result = cluster(as_table(frame), WINE_FEATURES, "kmeans")

    assert result.silhouette_by_k == pytest.approx(scores, rel=1e-9)
    assert result.n_clusters == best
    assert result.silhouette == pytest.approx(scores[best], rel=1e-9)
    np.testing.assert_array_equal(result.labels, sklearn_labels("kmeans", x, best)[0])


def test_on_few_rows_k_is_tried_up_to_one_less_than_the_rows():
    frame = pd.DataFrame({"x": [0.0, 0.1, 5.0, 5.1, 9.0]})

    result = cluster(as_table(frame), ["x"], "agglomerative")

    assert sorted(result.silhouette_by_k) == [2, 3, 4]


def test_silhouette_is_sampled_with_a_fixed_seed_on_large_data(monkeypatch):
    monkeypatch.setattr(segmentation, "SILHOUETTE_SAMPLE", 100)
    frame = spenders(n_per_group=100)
    x = scaled(frame, ["average_spend", "recency"])
    labels, _ = sklearn_labels("kmeans", x, 3)

    result = cluster(as_table(frame), [], "kmeans", n_clusters=3)

    assert result.silhouette == pytest.approx(
        silhouette_score(x, labels, sample_size=100, random_state=RANDOM_STATE), rel=1e-9
    )


def test_on_large_data_k_is_chosen_on_a_sample_and_fitted_on_all_rows(monkeypatch):
    monkeypatch.setattr(segmentation, "AUTO_K_SAMPLE", 60)
    frame = spenders()
    x = scaled(frame, ["average_spend", "recency"])
    rows = np.sort(np.random.default_rng(RANDOM_STATE).choice(len(x), 60, replace=False))
    sample = x[rows]
    scores = {
        k: silhouette_score(sample, sklearn_labels("kmeans", sample, k)[0])
        for k in range(2, MAX_AUTO_CLUSTERS + 1)
    }
    best = max(scores, key=scores.__getitem__)
    labels, inertia = sklearn_labels("kmeans", x, best)

    result = cluster(as_table(frame), [], "kmeans")

    assert result.silhouette_by_k == pytest.approx(scores, rel=1e-9)
    np.testing.assert_array_equal(result.labels, labels)
    assert result.inertia == pytest.approx(inertia, rel=1e-9)
    assert result.silhouette == pytest.approx(silhouette_score(x, labels), rel=1e-9)


# --- names --------------------------------------------------------------------------------------


def test_clusters_are_named_by_the_features_that_set_their_centroid_apart():
    result = cluster(as_table(spenders()), [], "kmeans", n_clusters=3)

    by_spend = sorted(result.clusters, key=lambda c: c.centroid["average_spend"])
    assert by_spend[-1].name == "High average_spend, Low recency"
    assert by_spend[-1].centroid["average_spend"] == pytest.approx(500.0, abs=3.0)
    # the strongest difference first
    assert {c.name for c in result.clusters} == {
        "High average_spend, Low recency",
        "High recency, Low average_spend",
        "Low recency, Low average_spend",
    }


def test_a_cluster_close_to_the_population_mean_is_average():
    frame = pd.DataFrame({"x": [-10.0, -10.1, 0.0, 0.1, -0.1, 10.0, 10.1]})

    result = cluster(as_table(frame), [], "agglomerative", n_clusters=3)

    assert sorted(c.name for c in result.clusters) == ["Average", "High x", "Low x"]


def test_clusters_that_would_share_a_name_stay_distinct():
    # Two tight groups both well above the mean of x and one far below.
    frame = pd.DataFrame({"x": [-30.0, -30.1, -29.9, 10.0, 10.1, 12.0, 12.1]})

    result = cluster(as_table(frame), [], "agglomerative", n_clusters=3)

    names = [c.name for c in result.clusters]
    assert len(set(names)) == 3
    assert sum(name.startswith("High x (cluster ") for name in names) == 2


# --- rows and features --------------------------------------------------------------------------


def test_rows_missing_a_feature_are_skipped_and_counted():
    frame = spenders()
    frame.loc[[3, 50], "recency"] = np.nan
    frame.loc[90, "average_spend"] = np.nan
    used = frame.dropna()

    result = cluster(as_table(frame), [], "kmeans", n_clusters=3)

    assert (result.matrix.rows_used, result.matrix.rows_skipped) == (len(frame) - 3, 3)
    expected, _ = sklearn_labels("kmeans", scaled(used, ["average_spend", "recency"]), 3)
    np.testing.assert_array_equal(result.labels, expected)
    labels = label_column(result, frame.index)
    assert labels.isna().tolist() == frame.isna().any(axis=1).tolist()
    assert labels[used.index].tolist() == [str(i) for i in expected]


def test_dbscan_noise_is_labelled_noise():
    frame = pd.DataFrame({"x": [0.0, 0.1, 0.2, 0.3, 50.0]})

    result = cluster(as_table(frame), [], "dbscan", eps=0.1, min_samples=2)

    assert label_column(result, frame.index).tolist() == ["0", "0", "0", "0", "noise"]
    assert result.silhouette is None  # a single cluster: undefined


def test_boolean_features_count_as_zero_and_one():
    frame = pd.DataFrame(
        {"spend": [1.0, 1.2, 9.0, 9.3, 1.1, 9.1], "member": [False, False, True, True, False, True]}
    )

    result = cluster(as_table(frame), ["spend", "member"], "kmeans", n_clusters=2)

    members = next(c for c in result.clusters if c.centroid["member"] == 1.0)
    assert members.size == 3
    assert set(members.name.split(", ")) == {"High spend", "High member"}


def test_without_features_every_numeric_column_is_used():
    frame = sklearn_frame("iris")

    matrix = feature_matrix(as_table(frame), [])

    assert matrix.features == [c for c in frame.columns if c != "target"]


# --- refusals -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "parameter"),
    [
        ({"algorithm": "spectral"}, "algorithm"),
        ({"algorithm": ""}, "algorithm"),
        ({"algorithm": "kmeans", "n_clusters": 1}, "n_clusters"),
        ({"algorithm": "kmeans", "n_clusters": -2}, "n_clusters"),
        ({"algorithm": "kmeans", "n_clusters": 150}, "n_clusters"),
        ({"algorithm": "dbscan", "eps": -0.5}, "eps"),
        ({"algorithm": "dbscan", "eps": float("nan")}, "eps"),
        ({"algorithm": "dbscan", "min_samples": -1}, "min_samples"),
        ({"algorithm": "dbscan", "min_samples": 151}, "min_samples"),
        ({"algorithm": "dbscan", "n_clusters": 3}, "n_clusters"),
        ({"algorithm": "kmeans", "eps": 0.5}, "eps"),
        ({"algorithm": "agglomerative", "min_samples": 3}, "min_samples"),
        ({"algorithm": "kmeans", "features": ["petal_colour"]}, "features"),
        ({"algorithm": "kmeans", "features": ["target"]}, "features"),
        ({"algorithm": "kmeans", "features": ["sepal length (cm)"] * 2}, "features"),
    ],
)
def test_bad_requests_are_refused_naming_the_parameter(options: dict, parameter: str):
    features = options.pop("features", [])

    with pytest.raises(InvalidParameter) as raised:
        cluster(as_table(sklearn_frame("iris")), features, **options)

    assert raised.value.details["parameter"] == parameter


def test_an_unknown_algorithm_lists_the_valid_choices():
    with pytest.raises(InvalidParameter) as raised:
        cluster(as_table(sklearn_frame("iris")), [], "kmedoids")

    assert raised.value.details["valid_choices"] == list(segmentation.ALGORITHMS)


def test_a_categorical_feature_is_refused_listing_numeric_and_boolean_columns():
    frame = pd.DataFrame({"x": [1.0, 2.0, 3.0], "flag": [True, False, True], "g": ["a", "b", "a"]})

    with pytest.raises(InvalidParameter) as raised:
        cluster(as_table(frame), ["x", "g"], "kmeans")

    assert raised.value.details["value"] == "g"
    assert raised.value.details["valid_choices"] == ["x", "flag"]


def test_too_few_rows_are_insufficient_data():
    frame = pd.DataFrame({"x": [1.0, 2.0, None, 4.0], "y": [1.0, None, 3.0, 4.0]})

    with pytest.raises(InsufficientData) as raised:
        cluster(as_table(frame), [], "kmeans")

    assert raised.value.details["rows_used"] == 2
    assert raised.value.details["rows_skipped"] == 2


def test_no_row_with_every_feature_is_insufficient_data():
    frame = pd.DataFrame({"x": [1.0, None, 3.0], "y": [None, 2.0, None]})

    with pytest.raises(InsufficientData) as raised:
        cluster(as_table(frame), ["x", "y"], "kmeans")

    assert raised.value.details["rows_skipped"] == 3


def test_more_clusters_than_distinct_rows_is_insufficient_data():
    frame = pd.DataFrame({"x": [1.0, 1.0, 1.0, 2.0, 2.0]})

    with pytest.raises(InsufficientData):
        cluster(as_table(frame), [], "kmeans", n_clusters=3)
    with pytest.raises(InsufficientData):
        cluster(as_table(pd.DataFrame({"x": [1.0] * 5})), [], "kmeans")


def test_agglomerative_refuses_more_rows_than_it_can_hold(monkeypatch):
    monkeypatch.setattr(segmentation, "MAX_AGGLOMERATIVE_ROWS", 100)

    with pytest.raises(InvalidParameter) as raised:
        cluster(as_table(sklearn_frame("iris")), [], "agglomerative", n_clusters=3)

    assert raised.value.details["parameter"] == "algorithm"
    assert raised.value.details["max_rows"] == 100
