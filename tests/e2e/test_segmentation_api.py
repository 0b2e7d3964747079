"""Segmentation.Cluster over REST through Envoy and over gRPC: the clusters,
inertia and silhouette scores scikit-learn gives on the same standardised
data, the number of clusters chosen by silhouette, the rows written back as
a new dataset with their cluster, and every refusal in the documented
error."""

from __future__ import annotations

import json

import grpc
import httpx
import numpy as np
import pandas as pd
import pytest
from google.protobuf.json_format import MessageToDict
from sklearn.cluster import DBSCAN, AgglomerativeClustering, KMeans
from sklearn.metrics import silhouette_score
from sklearn.mixture import GaussianMixture
from sklearn.preprocessing import StandardScaler

from conftest import Caller, NewCaller, Stack, assert_envelope, sklearn_frame, upload_frame
from neurogate.server.analytics.segmentation import KMEANS_N_INIT, RANDOM_STATE
from neurogate.v1 import segmentation_pb2, segmentation_pb2_grpc

FEATURES = ["alcohol", "malic_acid", "color_intensity", "proline"]


def standardised(frame: pd.DataFrame, features: list[str]) -> np.ndarray:
    return StandardScaler().fit_transform(frame[features].to_numpy(dtype="float64"))


def kmeans(x: np.ndarray, k: int) -> KMeans:
    return KMeans(n_clusters=k, n_init=KMEANS_N_INIT, random_state=RANDOM_STATE).fit(x)


def assert_clusters_match(clusters: list[dict], frame: pd.DataFrame, labels: np.ndarray) -> None:
    """Each reported cluster has sklearn's members: size and centroid (mean
    of the members in original units)."""
    assert [c["cluster_id"] for c in clusters] == sorted(set(labels) - {-1})
    for c in clusters:
        members = frame[FEATURES][labels == c["cluster_id"]]
        assert c["size"] == len(members)
        assert c["centroid"] == pytest.approx(members.mean().to_dict(), rel=1e-12)
        assert c["name"]


async def grpc_cluster(stack: Stack, caller: Caller, **fields) -> dict:
    stub = segmentation_pb2_grpc.SegmentationStub(stack.channel())
    reply = await stub.Cluster(segmentation_pb2.ClusterRequest(**fields), metadata=caller.metadata)
    return MessageToDict(
        reply, preserving_proto_field_name=True, always_print_fields_with_no_presence=True
    )


async def grpc_refusal(stack: Stack, caller: Caller, **fields) -> tuple[grpc.StatusCode, dict]:
    stub = segmentation_pb2_grpc.SegmentationStub(stack.channel())
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await stub.Cluster(segmentation_pb2.ClusterRequest(**fields), metadata=caller.metadata)
    error = json.loads(dict(raised.value.trailing_metadata())["x-neurogate-error"])["error"]
    return raised.value.code(), error


@pytest.fixture(scope="module")
def wine() -> pd.DataFrame:
    return sklearn_frame("wine")


async def test_kmeans_over_rest_matches_sklearn(
    new_caller: NewCaller, rest: httpx.AsyncClient, wine: pd.DataFrame
):
    caller = await new_caller()
    dataset_id = await upload_frame(rest, caller, wine, "wine")
    x = standardised(wine, FEATURES)
    expected = kmeans(x, 3)

    reply = await rest.post(
        "/v1/segmentation/cluster",
        headers=caller.headers,
        json={
            "dataset_id": dataset_id,
            "algorithm": "kmeans",
            "n_clusters": 3,
            "features": FEATURES,
        },
    )

    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["status"] == "success"
    assert (body["rows_used"], body["rows_skipped"], body["labels_dataset_id"]) == (178, 0, "")
    metrics = body["metrics"]
    assert metrics["inertia"] == pytest.approx(expected.inertia_, rel=1e-9)
    assert metrics["silhouette_score"] == pytest.approx(
        silhouette_score(x, expected.labels_), rel=1e-9
    )
    assert (metrics["n_clusters"], metrics["noise_points"], metrics["silhouette_by_k"]) == (
        3,
        0,
        {},
    )
    assert_clusters_match(body["clusters"], wine, expected.labels_)
    assert len({c["name"] for c in body["clusters"]}) == 3


async def test_gaussian_mixture_over_grpc_chooses_k_by_silhouette_as_sklearn_scores_it(
    stack: Stack, new_caller: NewCaller, rest: httpx.AsyncClient, wine: pd.DataFrame
):
    caller = await new_caller()
    dataset_id = await upload_frame(rest, caller, wine, "wine")
    x = standardised(wine, FEATURES)
    fits = {
        k: GaussianMixture(n_components=k, random_state=RANDOM_STATE).fit_predict(x)
        for k in range(2, 11)
    }
    scores = {str(k): silhouette_score(x, labels) for k, labels in fits.items()}
    best = max(scores, key=scores.__getitem__)

    body = await grpc_cluster(
        stack, caller, dataset_id=dataset_id, algorithm="gaussian_mixture", features=FEATURES
    )

    metrics = body["metrics"]
    assert metrics["silhouette_by_k"] == pytest.approx(scores, rel=1e-9)
    assert metrics["n_clusters"] == int(best)
    assert metrics["silhouette_score"] == pytest.approx(scores[best], rel=1e-9)
    assert "inertia" not in metrics
    assert_clusters_match(body["clusters"], wine, fits[int(best)])


async def test_agglomerative_over_grpc_matches_sklearn_ward(
    stack: Stack, new_caller: NewCaller, rest: httpx.AsyncClient, wine: pd.DataFrame
):
    caller = await new_caller()
    dataset_id = await upload_frame(rest, caller, wine, "wine")
    x = standardised(wine, FEATURES)
    labels = AgglomerativeClustering(n_clusters=4, linkage="ward").fit_predict(x)

    body = await grpc_cluster(
        stack,
        caller,
        dataset_id=dataset_id,
        algorithm="agglomerative",
        n_clusters=4,
        features=FEATURES,
    )

    assert body["metrics"]["silhouette_score"] == pytest.approx(
        silhouette_score(x, labels), rel=1e-9
    )
    assert_clusters_match(body["clusters"], wine, labels)


async def test_dbscan_labels_are_written_back_as_a_new_dataset_over_rest(
    new_caller: NewCaller, rest: httpx.AsyncClient, wine: pd.DataFrame
):
    caller = await new_caller()
    frame = wine.copy()
    frame.loc[1, "proline"] = np.nan
    dataset_id = await upload_frame(rest, caller, frame, "wine")
    used = frame.dropna(subset=FEATURES)
    x = standardised(used, FEATURES)
    labels = DBSCAN(eps=0.8, min_samples=4).fit_predict(x)
    clustered = labels != -1

    reply = await rest.post(
        "/v1/segmentation/cluster",
        headers=caller.headers,
        json={
            "dataset_id": dataset_id,
            "algorithm": "dbscan",
            "features": FEATURES,
            "eps": 0.8,
            "min_samples": 4,
            "write_labels": True,
        },
    )

    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert (body["rows_used"], body["rows_skipped"]) == (177, 1)
    assert body["metrics"]["noise_points"] == int((~clustered).sum())
    assert body["metrics"]["eps"] == 0.8
    assert body["metrics"]["silhouette_score"] == pytest.approx(
        silhouette_score(x[clustered], labels[clustered]), rel=1e-9
    )
    assert_clusters_match(body["clusters"], used, labels)
    written = await rest.get(
        f"/v1/datasets/{body['labels_dataset_id']}?preview_rows=100", headers=caller.headers
    )
    assert written.status_code == 200, written.text
    dataset = written.json()
    assert (dataset["name"], dataset["rows"], dataset["columns"]) == ("wine clusters", 178, 15)
    assert dataset["column_types"]["cluster"] == "categorical"
    assert dataset["schema"][-1] == {"name": "cluster", "type": "categorical", "missing": 1}
    texts = ["noise" if label == -1 else str(label) for label in labels]
    expected = [*texts[:1], None, *texts[1:]]
    assert [row["cluster"] for row in dataset["preview"]] == expected[:100]
    assert dataset["preview"][0]["alcohol"] == wine["alcohol"][0]


async def test_labels_dataset_is_named_as_asked_over_grpc(
    stack: Stack, new_caller: NewCaller, rest: httpx.AsyncClient
):
    caller = await new_caller()
    frame = pd.DataFrame({"cluster": ["a", "b", "a", "b"], "spend": [1.0, 1.1, 9.0, 9.2]})
    dataset_id = await upload_frame(rest, caller, frame, "shop")

    body = await grpc_cluster(
        stack,
        caller,
        dataset_id=dataset_id,
        algorithm="kmeans",
        n_clusters=2,
        write_labels=True,
        labels_dataset_name="shop segments",
    )

    written = await rest.get(f"/v1/datasets/{body['labels_dataset_id']}", headers=caller.headers)
    dataset = written.json()
    assert dataset["name"] == "shop segments"
    assert [c["name"] for c in dataset["schema"]] == ["cluster", "spend", "cluster_2"]
    first, second, third, fourth = (row["cluster_2"] for row in dataset["preview"][:4])
    assert first == second != third == fourth
    assert {first, third} == {"0", "1"}
    assert {c["name"] for c in body["clusters"]} == {"High spend", "Low spend"}


@pytest.mark.parametrize(
    ("fields", "code", "parameter"),
    [
        ({"algorithm": "spectral"}, "INVALID_PARAMETER", "algorithm"),
        ({"algorithm": "kmeans", "features": ["acidity"]}, "INVALID_PARAMETER", "features"),
        ({"algorithm": "kmeans", "features": ["target"]}, "INVALID_PARAMETER", "features"),
        ({"algorithm": "kmeans", "n_clusters": 1}, "INVALID_PARAMETER", "n_clusters"),
        ({"algorithm": "kmeans", "n_clusters": 500}, "INVALID_PARAMETER", "n_clusters"),
        ({"algorithm": "dbscan", "eps": -1.0}, "INVALID_PARAMETER", "eps"),
        (
            {"algorithm": "kmeans", "write_labels": True, "labels_dataset_name": "x" * 201},
            "INVALID_PARAMETER",
            "labels_dataset_name",
        ),
    ],
)
async def test_bad_requests_are_refused_over_rest_naming_the_parameter(
    fields: dict,
    code: str,
    parameter: str,
    new_caller: NewCaller,
    rest: httpx.AsyncClient,
    wine: pd.DataFrame,
):
    caller = await new_caller()
    dataset_id = await upload_frame(rest, caller, wine.head(20), "wine")

    reply = await rest.post(
        "/v1/segmentation/cluster",
        headers=caller.headers,
        json={"dataset_id": dataset_id, **fields},
    )

    error = assert_envelope(reply, 400, code)
    assert error["details"]["parameter"] == parameter


async def test_an_unknown_algorithm_lists_the_choices_over_grpc(
    stack: Stack, new_caller: NewCaller, rest: httpx.AsyncClient, wine: pd.DataFrame
):
    caller = await new_caller()
    dataset_id = await upload_frame(rest, caller, wine.head(20), "wine")

    status, error = await grpc_refusal(stack, caller, dataset_id=dataset_id, algorithm="kmedoids")

    assert status is grpc.StatusCode.INVALID_ARGUMENT
    assert error["code"] == "INVALID_PARAMETER"
    assert error["details"]["valid_choices"] == [
        "kmeans",
        "minibatch_kmeans",
        "gaussian_mixture",
        "agglomerative",
        "dbscan",
    ]


async def test_too_few_complete_rows_are_insufficient_data_over_both_transports(
    stack: Stack, new_caller: NewCaller, rest: httpx.AsyncClient
):
    caller = await new_caller()
    frame = pd.DataFrame({"x": [1.0, 2.0, None, 4.0], "y": [1.0, None, 3.0, 4.0]})
    dataset_id = await upload_frame(rest, caller, frame, "sparse")

    reply = await rest.post(
        "/v1/segmentation/cluster",
        headers=caller.headers,
        json={"dataset_id": dataset_id, "algorithm": "kmeans"},
    )
    status, error = await grpc_refusal(stack, caller, dataset_id=dataset_id, algorithm="dbscan")

    details = assert_envelope(reply, 400, "INSUFFICIENT_DATA")["details"]
    assert (details["rows_used"], details["rows_skipped"]) == (2, 2)
    assert status is grpc.StatusCode.FAILED_PRECONDITION
    assert error["code"] == "INSUFFICIENT_DATA"


async def test_another_accounts_dataset_is_not_found_and_nothing_is_written(
    new_caller: NewCaller, rest: httpx.AsyncClient, wine: pd.DataFrame
):
    owner, other = await new_caller(), await new_caller()
    dataset_id = await upload_frame(rest, owner, wine.head(20), "wine")

    reply = await rest.post(
        "/v1/segmentation/cluster",
        headers=other.headers,
        json={"dataset_id": dataset_id, "algorithm": "kmeans", "write_labels": True},
    )

    assert_envelope(reply, 404, "INVALID_DATASET")
    assert (await rest.get("/v1/datasets", headers=other.headers)).json()["total"] == 0
