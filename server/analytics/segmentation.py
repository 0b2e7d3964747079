"""Segmentation: clustering a table's rows on chosen features.

Choices, made once here:

- **Features** are numeric or boolean columns (a boolean is 0/1, so its
  centroid is the share of true values). Categorical, text and datetime
  columns are refused: distances between one-hot encoded categories, scaled
  like numbers, say little about how alike two rows are, and a centroid of
  indicator columns is not a value of the column. With no features listed,
  every numeric column is used.
- **Rows** missing a value of any feature are skipped and counted
  (``rows_skipped``); at least :data:`MIN_ROWS` must remain.
- **Scaling**: every feature is standardised (sklearn's ``StandardScaler``:
  mean 0, population standard deviation 1; a constant feature is only
  centred), so no feature dominates by its units. Clustering, silhouette
  scores and inertia all live in this scaled space.
- **Algorithms** (sklearn, fixed ``random_state`` :data:`RANDOM_STATE` so a
  request always gives the same answer): ``kmeans`` (``KMeans``) and
  ``minibatch_kmeans`` (``MiniBatchKMeans``), each with one k-means++
  initialisation as sklearn's default ``n_init="auto"`` makes it
  (:data:`KMEANS_N_INIT`, :data:`MINIBATCH_N_INIT`),
  ``gaussian_mixture`` (``GaussianMixture``, full covariances, each row in its
  most probable component), ``agglomerative`` (``AgglomerativeClustering``,
  Ward linkage; at most :data:`MAX_AGGLOMERATIVE_ROWS` rows, since it holds
  all pairwise distances) and ``dbscan`` (``DBSCAN``).
- **Number of clusters**, when not given (0): every k from 2 to
  ``min(MAX_AUTO_CLUSTERS, rows - 1, distinct rows)`` is fitted and the k with
  the highest silhouette score wins (the smaller k on a tie); each k's score
  is reported. On more than :data:`AUTO_K_SAMPLE` rows the k are compared
  on a random sample of that many rows (fixed seed), and the chosen k is then
  fitted on all rows, so ``silhouette_by_k`` holds the sample's scores and
  the reported silhouette is the final fit's. DBSCAN finds its own number of
  clusters, so ``n_clusters`` is refused with it (and ``eps`` and
  ``min_samples`` with the others). A given ``n_clusters`` must lie in
  ``[2, rows - 1]`` (the silhouette score needs at least one cluster with two
  rows) and not exceed the number of distinct rows.
- **DBSCAN** ``min_samples`` counts the point itself, as sklearn does, and is
  :data:`DEFAULT_MIN_SAMPLES` when 0. ``eps`` (scaled units), when 0, is
  estimated from the k-distances (each row's distance to its
  ``min_samples``-th nearest row, itself first): their
  :data:`EPS_QUANTILE` quantile, so about 95% of the rows are core points and
  the few in sparse places can be noise. (The "knee" of the sorted k-distance
  curve, the other common rule, split tight, well-separated groups into
  fragments in our trials; the quantile did not.) If that quantile is 0
  (duplicated rows), the smallest positive k-distance is used. Noise rows
  (sklearn label -1) belong to no cluster and are counted in
  ``noise_points``.
- **Silhouette score** (Euclidean, scaled space) of the rows in clusters
  (DBSCAN noise left out); on more than :data:`SILHOUETTE_SAMPLE` rows it is
  the score of a random sample of that many (``random_state`` fixed). It is
  undefined (None; 0 on the wire) with fewer than two clusters or when every
  clustered row is a cluster of its own.
- **Inertia** (k-means family only) is sklearn's ``inertia_``: the sum of
  squared distances of rows to their cluster centre, in scaled units.
- **Clusters** keep sklearn's label as ``cluster_id``. A cluster's centroid
  is the mean of its rows in the features' original units. Its name says
  which features set it apart: a feature's z-score is the centroid's distance
  from the mean of all rows used (DBSCAN noise too) in population standard
  deviations (the centroid in scaled units); features at
  :data:`NAME_THRESHOLD` or more are "High x" or "Low x", the
  :data:`NAME_FEATURES` strongest first, and a cluster with none is
  "Average". Clusters that would share a name get one
  more feature, and if they still do, their id: "Average (cluster 2)".
"""

from __future__ import annotations

import warnings
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final

import numpy as np
import pandas as pd
from sklearn.cluster import DBSCAN, AgglomerativeClustering, KMeans, MiniBatchKMeans
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import silhouette_score
from sklearn.mixture import GaussianMixture
from sklearn.neighbors import NearestNeighbors
from sklearn.preprocessing import StandardScaler

from neurogate.server.analytics.tables import Table
from neurogate.server.errors import InsufficientData, InvalidParameter

ALGORITHMS: Final = ("kmeans", "minibatch_kmeans", "gaussian_mixture", "agglomerative", "dbscan")
#: Algorithms with a number of clusters to choose (all but DBSCAN).
K_ALGORITHMS: Final = ALGORITHMS[:4]
FEATURE_TYPES: Final = ("numeric", "boolean")
RANDOM_STATE: Final = 0
KMEANS_N_INIT: Final = 1
MINIBATCH_N_INIT: Final = 1
MAX_AUTO_CLUSTERS: Final = 10
#: Rows the silhouette score is computed on; it costs the square of the rows.
SILHOUETTE_SAMPLE: Final = 5_000
AUTO_K_SAMPLE: Final = 10_000
DEFAULT_MIN_SAMPLES: Final = 5
MIN_ROWS: Final = 3
MAX_AGGLOMERATIVE_ROWS: Final = 10_000
EPS_QUANTILE: Final = 0.95
NAME_THRESHOLD: Final = 0.5
NAME_FEATURES: Final = 2
NOISE: Final = -1


@dataclass(frozen=True)
class FeatureMatrix:
    """The rows to cluster: ``values`` (original units, float64) are the
    rows of the table where ``used`` is True."""

    features: list[str]
    values: np.ndarray
    used: np.ndarray

    @property
    def rows_used(self) -> int:
        return len(self.values)

    @property
    def rows_skipped(self) -> int:
        return int((~self.used).sum())


@dataclass(frozen=True)
class Cluster:
    cluster_id: int
    name: str
    size: int
    #: Feature to the mean of the cluster's rows, in original units.
    centroid: dict[str, float]


@dataclass(frozen=True)
class Clustering:
    algorithm: str
    matrix: FeatureMatrix
    #: sklearn's label of each used row (-1 is DBSCAN noise).
    labels: np.ndarray
    clusters: list[Cluster]
    silhouette: float | None
    inertia: float | None
    noise_points: int
    #: Silhouette score of each k tried, when the number of clusters was chosen.
    silhouette_by_k: dict[int, float] = field(default_factory=dict)
    #: The DBSCAN radius used (scaled units), given or estimated.
    eps: float | None = None

    @property
    def n_clusters(self) -> int:
        return len(self.clusters)


def feature_matrix(table: Table, features: Sequence[str]) -> FeatureMatrix:
    """The chosen features (every numeric column when none) of the rows that
    have a value for each."""
    names = list(features) or table.names(("numeric",))
    if not names:
        raise InvalidParameter(
            "the dataset has no numeric column to cluster on; name numeric or boolean features",
            parameter="features",
            valid_choices=table.names(FEATURE_TYPES),
        )
    repeated = sorted(name for name, count in Counter(names).items() if count > 1)
    if repeated:
        raise InvalidParameter(
            "features are listed more than once: " + ", ".join(repeated),
            parameter="features",
            value=repeated,
        )
    for name in names:
        table.check(name, parameter="features", types=FEATURE_TYPES)
    columns = table.frame[names]
    used = columns.notna().all(axis=1).to_numpy()
    values = columns[used].astype("float64").to_numpy()
    return FeatureMatrix(features=names, values=values, used=used)


def cluster(
    table: Table,
    features: Sequence[str],
    algorithm: str,
    *,
    n_clusters: int = 0,
    eps: float = 0.0,
    min_samples: int = 0,
) -> Clustering:
    """Clusters the table's rows as the module docstring describes."""
    _check_parameters(algorithm, n_clusters, eps, min_samples)
    matrix = feature_matrix(table, features)
    _check_rows(matrix)
    scaled = StandardScaler().fit_transform(matrix.values)
    distinct = _distinct_rows(scaled)
    if algorithm == "dbscan":
        return _dbscan(matrix, scaled, eps, min_samples or DEFAULT_MIN_SAMPLES)
    if algorithm == "agglomerative" and matrix.rows_used > MAX_AGGLOMERATIVE_ROWS:
        raise InvalidParameter(
            f"agglomerative clustering holds every pairwise distance, so it takes at most "
            f"{MAX_AGGLOMERATIVE_ROWS} rows; this table has {matrix.rows_used}",
            parameter="algorithm",
            value=algorithm,
            rows=matrix.rows_used,
            max_rows=MAX_AGGLOMERATIVE_ROWS,
            suggestion="use kmeans or minibatch_kmeans",
        )
    if n_clusters:
        _check_n_clusters(n_clusters, matrix.rows_used, distinct)
        labels, inertia = _fit(algorithm, scaled, n_clusters)
        return _result(algorithm, matrix, scaled, labels, inertia, _silhouette(scaled, labels))
    return _choose_k(algorithm, matrix, scaled, distinct)


def _distinct_rows(values: np.ndarray) -> int:
    """How many different rows ``values`` holds (hashing them: a quarter of
    the time ``np.unique(axis=0)`` takes to sort them)."""
    return int((~pd.DataFrame(values).duplicated()).sum())


def label_column(clustering: Clustering, index: pd.Index) -> pd.Series:
    """Each table row's cluster as text: the cluster id, ``"noise"`` for
    DBSCAN noise, missing for skipped rows. Text, not numbers, so the column
    is categorical: it can be grouped by and it holds "noise". ``index`` is
    the table's."""
    texts = np.where(clustering.labels == NOISE, "noise", clustering.labels.astype(str))
    column = pd.Series(np.nan, index=index, dtype="str")
    column[clustering.matrix.used] = texts
    return column


# --- checks -------------------------------------------------------------------------------------


def _check_parameters(algorithm: str, n_clusters: int, eps: float, min_samples: int) -> None:
    if algorithm not in ALGORITHMS:
        raise InvalidParameter(
            f"unknown algorithm {algorithm!r}" if algorithm else "algorithm is required",
            parameter="algorithm",
            value=algorithm,
            valid_choices=list(ALGORITHMS),
        )
    if n_clusters < 0 or n_clusters == 1:
        raise InvalidParameter(
            f"n_clusters must be at least 2 (0 chooses it by silhouette score), not {n_clusters}",
            parameter="n_clusters",
            value=n_clusters,
        )
    if not np.isfinite(eps) or eps < 0:
        raise InvalidParameter(
            "eps must be a positive radius in scaled units (0 estimates it)",
            parameter="eps",
            value=eps,
        )
    if min_samples < 0:
        raise InvalidParameter(
            f"min_samples must be positive (0 means {DEFAULT_MIN_SAMPLES})",
            parameter="min_samples",
            value=min_samples,
        )
    if algorithm == "dbscan" and n_clusters:
        raise InvalidParameter(
            "dbscan finds the number of clusters itself; leave n_clusters at 0",
            parameter="n_clusters",
            value=n_clusters,
        )
    if algorithm != "dbscan":
        for name, value in (("eps", eps), ("min_samples", min_samples)):
            if value:
                raise InvalidParameter(
                    f"{name} applies to dbscan only, not {algorithm}",
                    parameter=name,
                    value=value,
                )


def _check_rows(matrix: FeatureMatrix) -> None:
    if matrix.rows_used == 0:
        raise InsufficientData(
            "every row misses a value of at least one feature, so no row can be clustered",
            parameter="features",
            value=matrix.features,
            rows_skipped=matrix.rows_skipped,
        )
    if matrix.rows_used < MIN_ROWS:
        raise InsufficientData(
            f"clustering needs at least {MIN_ROWS} rows with every feature; "
            f"{matrix.rows_used} have them",
            parameter="dataset_id",
            rows_used=matrix.rows_used,
            rows_skipped=matrix.rows_skipped,
            min_rows=MIN_ROWS,
        )


def _check_n_clusters(n_clusters: int, rows: int, distinct: int) -> None:
    if n_clusters > rows - 1:
        raise InvalidParameter(
            f"n_clusters must be below the number of rows clustered ({rows})",
            parameter="n_clusters",
            value=n_clusters,
            valid_range=[2, rows - 1],
        )
    if n_clusters > distinct:
        raise InsufficientData(
            f"the rows hold only {distinct} distinct feature combinations, "
            f"too few for {n_clusters} clusters",
            parameter="n_clusters",
            value=n_clusters,
            distinct_rows=distinct,
        )


# --- fitting ------------------------------------------------------------------------------------


def _fit(algorithm: str, scaled: np.ndarray, k: int) -> tuple[np.ndarray, float | None]:
    """Labels of a k-cluster fit, and the inertia for the k-means family."""
    if algorithm == "kmeans":
        model = KMeans(n_clusters=k, n_init=KMEANS_N_INIT, random_state=RANDOM_STATE).fit(scaled)
        return model.labels_, float(model.inertia_)
    if algorithm == "minibatch_kmeans":
        model = MiniBatchKMeans(
            n_clusters=k, n_init=MINIBATCH_N_INIT, random_state=RANDOM_STATE
        ).fit(scaled)
        return model.labels_, float(model.inertia_)
    if algorithm == "gaussian_mixture":
        mixture = GaussianMixture(n_components=k, random_state=RANDOM_STATE)
        with warnings.catch_warnings():
            # EM stopping at max_iter still gives a usable partition; the
            # warning would only reach the server log.
            warnings.simplefilter("ignore", ConvergenceWarning)
            return mixture.fit_predict(scaled), None
    return AgglomerativeClustering(n_clusters=k, linkage="ward").fit_predict(scaled), None


def _choose_k(
    algorithm: str, matrix: FeatureMatrix, scaled: np.ndarray, distinct: int
) -> Clustering:
    """The fit whose silhouette score is highest over k = 2 .. the documented bound."""
    search = scaled
    if len(scaled) > AUTO_K_SAMPLE:
        rows = np.random.default_rng(RANDOM_STATE).choice(len(scaled), AUTO_K_SAMPLE, replace=False)
        search = scaled[np.sort(rows)]
        distinct = min(distinct, _distinct_rows(search))
    highest = min(MAX_AUTO_CLUSTERS, len(search) - 1, distinct)
    if highest < 2:
        raise InsufficientData(
            "the rows hold fewer than 2 distinct feature combinations; nothing to cluster",
            parameter="features",
            value=matrix.features,
            distinct_rows=distinct,
        )
    scores: dict[int, float] = {}
    best: tuple[int, np.ndarray, float | None] | None = None
    for k in range(2, highest + 1):
        labels, inertia = _fit(algorithm, search, k)
        score = _silhouette(search, labels)
        if score is None:  # a mixture left with one component in use
            continue
        scores[k] = score
        if best is None or score > scores[best[0]]:
            best = (k, labels, inertia)
    if best is None:
        raise InsufficientData(
            "no number of clusters gave two or more clusters",
            parameter="n_clusters",
            tried=[2, highest],
        )
    k, labels, inertia = best
    if search is scaled:
        return _result(algorithm, matrix, scaled, labels, inertia, scores[k], scores)
    labels, inertia = _fit(algorithm, scaled, k)
    return _result(algorithm, matrix, scaled, labels, inertia, _silhouette(scaled, labels), scores)


def _dbscan(matrix: FeatureMatrix, scaled: np.ndarray, eps: float, min_samples: int) -> Clustering:
    if min_samples > matrix.rows_used:
        raise InvalidParameter(
            f"min_samples cannot exceed the number of rows clustered ({matrix.rows_used})",
            parameter="min_samples",
            value=min_samples,
            valid_range=[1, matrix.rows_used],
        )
    radius = eps or estimate_eps(scaled, min_samples)
    labels = DBSCAN(eps=radius, min_samples=min_samples).fit_predict(scaled)
    return _result("dbscan", matrix, scaled, labels, None, _silhouette(scaled, labels), eps=radius)


def estimate_eps(scaled: np.ndarray, min_samples: int) -> float:
    """The DBSCAN radius for ``eps=0`` (module docstring)."""
    distances, _ = NearestNeighbors(n_neighbors=min_samples).fit(scaled).kneighbors(scaled)
    k_distances = distances[:, -1]
    eps = float(np.quantile(k_distances, EPS_QUANTILE))
    if eps > 0:
        return eps
    positive = k_distances[k_distances > 0]
    if positive.size == 0:
        raise InsufficientData(
            "every row has at least min_samples identical rows; no radius separates them",
            parameter="eps",
            min_samples=min_samples,
        )
    return float(positive.min())


def _silhouette(scaled: np.ndarray, labels: np.ndarray) -> float | None:
    """Silhouette of the clustered rows (noise left out), sampled on large
    data; None where undefined."""
    clustered = labels != NOISE
    points, kept = scaled[clustered], labels[clustered]
    n_labels = len(np.unique(kept))
    if n_labels < 2 or n_labels > len(kept) - 1:
        return None
    if len(kept) > SILHOUETTE_SAMPLE:
        return float(
            silhouette_score(points, kept, sample_size=SILHOUETTE_SAMPLE, random_state=RANDOM_STATE)
        )
    return float(silhouette_score(points, kept))


# --- describing ---------------------------------------------------------------------------------


def _result(
    algorithm: str,
    matrix: FeatureMatrix,
    scaled: np.ndarray,
    labels: np.ndarray,
    inertia: float | None,
    silhouette: float | None,
    silhouette_by_k: dict[int, float] | None = None,
    *,
    eps: float | None = None,
) -> Clustering:
    ids = [int(i) for i in np.unique(labels) if i != NOISE]
    z_scores = {i: scaled[labels == i].mean(axis=0) for i in ids}
    names = _names(z_scores, matrix.features)
    clusters = [
        Cluster(
            cluster_id=i,
            name=names[i],
            size=int((labels == i).sum()),
            centroid=dict(
                zip(
                    matrix.features,
                    (float(v) for v in matrix.values[labels == i].mean(axis=0)),
                    strict=True,
                )
            ),
        )
        for i in ids
    ]
    return Clustering(
        algorithm=algorithm,
        matrix=matrix,
        labels=np.asarray(labels),
        clusters=clusters,
        silhouette=silhouette,
        inertia=inertia,
        noise_points=int((labels == NOISE).sum()),
        silhouette_by_k=silhouette_by_k or {},
        eps=eps,
    )


def _describe(z: np.ndarray, features: list[str], top: int) -> str:
    order = np.argsort(-np.abs(z), kind="stable")[:top]
    parts = [
        f"{'High' if z[i] > 0 else 'Low'} {features[i]}"
        for i in order
        if abs(z[i]) >= NAME_THRESHOLD
    ]
    return ", ".join(parts) or "Average"


def _names(z_scores: dict[int, np.ndarray], features: list[str]) -> dict[int, str]:
    """A unique name per cluster (module docstring)."""
    names = {i: _describe(z, features, NAME_FEATURES) for i, z in z_scores.items()}
    counts = Counter(names.values())
    for i, z in z_scores.items():
        if counts[names[i]] > 1:
            names[i] = _describe(z, features, NAME_FEATURES + 1)
    counts = Counter(names.values())
    return {i: f"{name} (cluster {i})" if counts[name] > 1 else name for i, name in names.items()}
