"""EEG models end to end: sessions of an external device fed through the
ingest API, with markers labelling each trial, train a classifier over REST
(``POST /v1/ml/eeg/train``) and gRPC whose cross-validated accuracy is the
one scikit-learn computes here on the same epochs, and which recognises a
fresh epoch of each class (``POST /v1/models/{model_id}/predict``);
BrainFlow's built-in classifiers answer as ready models; and the refusals."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import grpc
import httpx
import numpy as np
import pytest
import pytest_asyncio
from google.protobuf import struct_pb2
from sklearn.model_selection import StratifiedKFold, cross_val_score

from conftest import Caller, NewCaller, Stack, assert_envelope, external_device, issue_token
from neurogate.server.auth.tiers import Tier
from neurogate.server.ml.builtin import predict_builtin
from neurogate.server.ml.eeg import build_pipeline
from neurogate.server.ml.store import NewModel, store_model
from neurogate.v1 import model_pb2, model_pb2_grpc

RATE = 128.0
EPOCH = 128
CHANNELS = ["C3", "C4", "P3", "P4"]
#: Class -> (frequency in Hz, channels carrying it).
RHYTHMS = {"left": (10.0, (0, 1)), "right": (20.0, (2, 3))}
TRIALS = ["left", "right"] * 8
START = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def class_epoch(label: str, rng: np.random.Generator, samples: int = EPOCH) -> np.ndarray:
    """(samples, channels) float32-exact: the class's rhythm plus noise."""
    frequency, channels = RHYTHMS[label]
    t = np.arange(samples) / RATE
    values = rng.normal(0, 5, (samples, len(CHANNELS)))
    for channel in channels:
        values[:, channel] += 12 * np.sin(2 * np.pi * frequency * t + rng.uniform(0, 2 * np.pi))
    return values.astype(np.float32).astype(np.float64)


@dataclass(frozen=True)
class Recorded:
    caller: Caller
    session_ids: list[str]
    #: The epochs the sessions hold, in session and marker order: (epochs, channels, samples).
    epochs: np.ndarray
    labels: np.ndarray


async def record_session(
    rest: httpx.AsyncClient, caller: Caller, device_id: str, seed: int
) -> tuple[str, list[np.ndarray]]:
    """A session of trials: a "cue" marker labelled with the class, then a
    second of the class's EEG and half a second of noise."""
    created = await rest.post(
        "/v1/sessions",
        headers=caller.headers,
        json={"device_id": device_id, "subject_id": "eeg-subject", "experiment_type": "imagery"},
    )
    assert created.status_code == 200, created.text
    session_id = created.json()["session_id"]
    rng = np.random.default_rng(seed)
    epochs = []
    for i, label in enumerate(TRIALS):
        marker = await rest.post(
            f"/v1/devices/{device_id}/markers",
            headers=caller.headers,
            json={"type": "cue", "metadata": {"label": label}},
        )
        assert marker.status_code == 200, marker.text
        epoch = class_epoch(label, rng)
        noise = rng.normal(0, 5, (EPOCH // 2, len(CHANNELS))).astype(np.float32)
        at = START + timedelta(seconds=1.5 * i)
        ingested = await rest.post(
            "/v1/ingest/neural-data",
            headers=caller.headers,
            json={
                "device_id": device_id,
                "session_id": session_id,
                "timestamp": at.isoformat().replace("+00:00", "Z"),
                "data": {
                    "eeg": np.concatenate([epoch, noise]).tolist(),
                    "sample_rate": RATE,
                    "channels": CHANNELS,
                },
            },
        )
        assert ingested.json()["status"] == "accepted", ingested.text
        epochs.append(epoch.T)
    stopped = await rest.post(f"/v1/sessions/{session_id}/stop", headers=caller.headers, json={})
    assert stopped.status_code == 200, stopped.text
    return session_id, epochs


@pytest_asyncio.fixture(scope="module")
async def recorded(stack: Stack) -> AsyncIterator[Recorded]:
    """Two recorded sessions of 16 labelled trials each, of one account
    (enterprise: recording them takes about 70 calls)."""
    account = await stack.accounts.create_account("eeg", Tier.ENTERPRISE)
    caller = Caller(account, await issue_token(stack.rest_url, account))
    async with httpx.AsyncClient(base_url=stack.rest_url, timeout=30) as rest:
        device_id = await external_device(rest, caller, RATE, CHANNELS)
        sessions = [await record_session(rest, caller, device_id, seed) for seed in (1, 2)]
    yield Recorded(
        caller,
        [session_id for session_id, _ in sessions],
        np.stack([epoch for _, epochs in sessions for epoch in epochs]),
        np.array(TRIALS * 2),
    )


def rows(epoch: np.ndarray) -> list[list[float]]:
    """A (channels, samples) epoch as rows of samples."""
    return epoch.T.tolist()


def fresh_epoch(label: str, seed: int) -> np.ndarray:
    return class_epoch(label, np.random.default_rng(seed)).T


def assert_prediction(prediction: dict, label: str, direct: np.ndarray, classes: list[str]):
    assert prediction["class"] == label
    assert prediction["probabilities"] == pytest.approx(
        dict(zip(classes, direct, strict=True)), rel=1e-9, abs=1e-12
    )
    assert prediction["confidence"] == pytest.approx(max(direct), rel=1e-9)
    assert sum(prediction["probabilities"].values()) == pytest.approx(1.0)


async def refused_grpc(call, request, caller: Caller) -> tuple[grpc.StatusCode, dict]:
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await call(request, metadata=caller.metadata)
    error = json.loads(dict(raised.value.trailing_metadata())["x-neurogate-error"])["error"]
    return raised.value.code(), error


# ---------------------------------------------------------------- trained models


async def test_a_model_trained_over_rest_recognises_a_fresh_epoch_of_each_class(
    recorded: Recorded, rest: httpx.AsyncClient
):
    caller = recorded.caller

    trained = await rest.post(
        "/v1/ml/eeg/train",
        headers=caller.headers,
        json={"session_ids": recorded.session_ids, "label_key": "label", "marker_types": ["cue"]},
    )

    assert trained.status_code == 200, trained.text
    body = trained.json()
    assert body["status"] == "success"
    assert body["classes"] == ["left", "right"]
    assert body["epochs"] == 32
    assert body["epochs_per_class"] == {"left": 16, "right": 16}
    assert (body["features"], body["classifier"]) == ("band_power", "lda")
    assert body["sample_rate"] == RATE
    assert body["channels"] == [1, 2, 3, 4]
    # the same cross-validation, run here with scikit-learn on the same epochs
    direct = build_pipeline("band_power", "lda", RATE)
    scores = cross_val_score(direct, recorded.epochs, recorded.labels, cv=StratifiedKFold(5))
    cv = body["cross_validation"]
    assert (cv["folds"], cv["metric"]) == (5, "accuracy")
    assert cv["scores"] == pytest.approx(list(scores), rel=1e-9)
    assert cv["mean"] == pytest.approx(scores.mean(), rel=1e-9)
    assert cv["mean"] >= 0.9
    direct.fit(recorded.epochs, recorded.labels)

    model_id = body["model_id"]
    for label, seed in (("left", 11), ("right", 12)):
        epoch = fresh_epoch(label, seed)
        reply = await rest.post(
            f"/v1/models/{model_id}/predict",
            headers=caller.headers,
            json={"input_data": {"eeg": rows(epoch), "sample_rate": RATE}},
        )
        assert reply.status_code == 200, reply.text
        assert reply.json()["model_id"] == model_id
        assert reply.json()["inference_time_ms"] > 0
        expected = direct.predict_proba(epoch[None])[0]
        assert_prediction(reply.json()["predictions"], label, expected, ["left", "right"])

    stored = await rest.get(f"/v1/models/{model_id}", headers=caller.headers)
    assert stored.status_code == 200, stored.text
    assert stored.json()["kind"] == "eeg"
    assert stored.json()["model_type"] == "band_power_lda"
    assert stored.json()["features"] == CHANNELS
    assert stored.json()["details"]["epoch_samples"] == EPOCH


async def test_a_csp_model_trained_over_grpc_infers_from_a_duration(
    stack: Stack, recorded: Recorded
):
    stub = model_pb2_grpc.ModelServiceStub(stack.channel())
    metadata = recorded.caller.metadata

    trained = await stub.TrainEegModel(
        model_pb2.TrainEegModelRequest(
            session_ids=recorded.session_ids,
            label_key="label",
            features="csp",
            classifier="logistic_regression",
            cv_folds=4,
            name="imagery csp",
        ),
        metadata=metadata,
    )

    direct = build_pipeline("csp", "logistic_regression", RATE)
    scores = cross_val_score(direct, recorded.epochs, recorded.labels, cv=StratifiedKFold(4))
    assert trained.cross_validation.folds == 4
    assert list(trained.cross_validation.scores) == pytest.approx(list(scores), rel=1e-9)
    assert trained.cross_validation.mean >= 0.9
    assert list(trained.classes) == ["left", "right"]
    direct.fit(recorded.epochs, recorded.labels)
    # two epochs sent at once: their probabilities are averaged
    for label, seeds in (("left", (21, 22)), ("right", (23, 24))):
        signal = np.concatenate([fresh_epoch(label, seed) for seed in seeds], axis=1)
        request = model_pb2.InferRequest(
            model_id=trained.model_id, input_data=model_pb2.EegInput(duration_ms=2000)
        )
        for sample in signal.T:
            request.input_data.eeg.add().extend(sample.tolist())
        reply = await stub.Infer(request, metadata=metadata)
        expected = direct.predict_proba(np.stack(np.split(signal, 2, axis=1))).mean(axis=0)
        prediction = {
            "class": getattr(reply.predictions, "class"),
            "confidence": reply.predictions.confidence,
            "probabilities": dict(reply.predictions.probabilities),
        }
        assert_prediction(prediction, label, expected, ["left", "right"])


# ---------------------------------------------------------------- built-in models


async def test_builtin_models_answer_with_one_of_their_classes(
    stack: Stack, new_caller: NewCaller, rest: httpx.AsyncClient
):
    caller = await new_caller()
    rng = np.random.default_rng(5)
    t = np.arange(1000) / 250
    signal = rng.normal(0, 5, (4, 1000)) + 20 * np.sin(2 * np.pi * 10 * t)

    over_rest = await rest.post(
        "/v1/models/builtin_mindfulness/predict",
        headers=caller.headers,
        json={"input_data": {"eeg": signal.T.tolist(), "duration_ms": 4000}},
    )
    stub = model_pb2_grpc.ModelServiceStub(stack.channel())
    request = model_pb2.InferRequest(
        model_id="builtin_restfulness", input_data=model_pb2.EegInput(sample_rate=250)
    )
    for sample in signal.T:
        request.input_data.eeg.add().extend(sample.tolist())
    over_grpc = await stub.Infer(request, metadata=caller.metadata)

    assert over_rest.status_code == 200, over_rest.text
    mindfulness = over_rest.json()["predictions"]
    expected = predict_builtin("builtin_mindfulness", signal, 250.0)
    assert mindfulness["class"] in ("mindful", "not_mindful")
    assert mindfulness["probabilities"] == pytest.approx(expected, rel=1e-9, abs=1e-12)
    assert sum(mindfulness["probabilities"].values()) == pytest.approx(1.0)
    assert over_rest.json()["model_id"] == "builtin_mindfulness"
    restfulness = dict(over_grpc.predictions.probabilities)
    assert getattr(over_grpc.predictions, "class") in ("restful", "not_restful")
    assert restfulness == pytest.approx(predict_builtin("builtin_restfulness", signal, 250.0))
    assert sum(restfulness.values()) == pytest.approx(1.0)


# ---------------------------------------------------------------- refusals


async def test_training_on_an_unknown_or_another_accounts_session_is_not_found(
    stack: Stack, recorded: Recorded, new_caller: NewCaller, rest: httpx.AsyncClient
):
    stranger = await new_caller()

    unknown = await rest.post(
        "/v1/ml/eeg/train",
        headers=stranger.headers,
        json={"session_ids": ["ses_0000"], "label_key": "label"},
    )
    stub = model_pb2_grpc.ModelServiceStub(stack.channel())
    code, error = await refused_grpc(
        stub.TrainEegModel,
        model_pb2.TrainEegModelRequest(session_ids=recorded.session_ids, label_key="label"),
        stranger,
    )

    assert assert_envelope(unknown, 404, "SESSION_NOT_FOUND")["details"]["value"] == "ses_0000"
    assert code == grpc.StatusCode.NOT_FOUND
    assert error["code"] == "SESSION_NOT_FOUND"
    assert error["details"]["value"] == recorded.session_ids[0]


async def test_one_class_only_is_refused_and_nothing_is_stored(
    recorded: Recorded, rest: httpx.AsyncClient
):
    caller = recorded.caller
    before = (await rest.get("/v1/models", headers=caller.headers)).json()["total"]

    reply = await rest.post(
        "/v1/ml/eeg/train",
        headers=caller.headers,
        json={"session_ids": recorded.session_ids},  # no label_key: every epoch is a "cue"
    )

    error = assert_envelope(reply, 400, "INSUFFICIENT_DATA")
    assert error["details"]["epochs_per_class"] == {"cue": 32}
    assert (await rest.get("/v1/models", headers=caller.headers)).json()["total"] == before


async def test_training_refuses_unknown_features_and_unmatched_markers(
    recorded: Recorded, rest: httpx.AsyncClient
):
    caller = recorded.caller

    features = await rest.post(
        "/v1/ml/eeg/train",
        headers=caller.headers,
        json={"session_ids": recorded.session_ids, "label_key": "label", "features": "fft"},
    )
    markers = await rest.post(
        "/v1/ml/eeg/train",
        headers=caller.headers,
        json={"session_ids": recorded.session_ids, "marker_types": ["blink"]},
    )

    assert assert_envelope(features, 400, "INVALID_PARAMETER")["details"]["valid_choices"] == [
        "band_power",
        "csp",
    ]
    assert assert_envelope(markers, 400, "INSUFFICIENT_DATA")["details"]["marker_types_found"] == [
        "cue"
    ]


@pytest_asyncio.fixture(scope="module")
async def model_id(stack: Stack, recorded: Recorded) -> str:
    stub = model_pb2_grpc.ModelServiceStub(stack.channel())
    trained = await stub.TrainEegModel(
        model_pb2.TrainEegModelRequest(session_ids=recorded.session_ids, label_key="label"),
        metadata=recorded.caller.metadata,
    )
    return trained.model_id


@pytest.mark.parametrize(
    ("input_data", "status", "code", "parameter"),
    [
        ({"eeg": [[1.0, 2.0, 3.0]] * EPOCH, "sample_rate": RATE}, 400, "INVALID_PARAMETER", "eeg"),
        ({"eeg": [[1.0, 2.0, 3.0, 4.0]] * EPOCH}, 400, "INVALID_PARAMETER", "sample_rate"),
        (
            {"eeg": [[1.0, 2.0, 3.0, 4.0]] * EPOCH, "sample_rate": 256},
            400,
            "INVALID_PARAMETER",
            "sample_rate",
        ),
        (
            {"eeg": [[1.0, 2.0, 3.0, 4.0]] * 100, "sample_rate": RATE},
            400,
            "INSUFFICIENT_DATA",
            "eeg",
        ),
        (
            {"eeg": [[1.0, "x", 3.0, 4.0]] * EPOCH, "sample_rate": RATE},
            400,
            "INVALID_PARAMETER",
            "eeg",
        ),
    ],
    ids=["wrong_channel_count", "no_sample_rate", "other_rate", "too_few_samples", "not_a_number"],
)
async def test_inference_refuses_input_the_model_cannot_take(
    recorded: Recorded, model_id: str, rest: httpx.AsyncClient, input_data, status, code, parameter
):
    reply = await rest.post(
        f"/v1/models/{model_id}/predict",
        headers=recorded.caller.headers,
        json={"input_data": input_data},
    )

    assert assert_envelope(reply, status, code)["details"]["parameter"] == f"input_data.{parameter}"


async def test_inference_with_an_unknown_or_a_tabular_model_is_refused(
    stack: Stack, new_caller: NewCaller, rest: httpx.AsyncClient
):
    caller = await new_caller()
    tabular = store_model(
        NewModel(stack.settings.resolved_database_url, "not used", caller.account_id),
        object(),
        default_name="tabular",
        kind="tabular",
        model_type="random_forest",
        task="classification",
    )
    body = {"input_data": {"eeg": [[1.0, 2.0]] * 256, "sample_rate": 256}}

    unknown = await rest.post("/v1/models/mdl_nothing/predict", headers=caller.headers, json=body)
    stub = model_pb2_grpc.ModelServiceStub(stack.channel())
    request = model_pb2.InferRequest(model_id=tabular.id, input_data=model_pb2.EegInput())
    request.input_data.eeg.append(struct_pb2.ListValue())
    code, error = await refused_grpc(stub.Infer, request, caller)

    assert assert_envelope(unknown, 404, "MODEL_NOT_FOUND")["details"]["value"] == "mdl_nothing"
    assert code == grpc.StatusCode.INVALID_ARGUMENT
    assert error["code"] == "INVALID_PARAMETER"
    assert "/v1/ml/predict" in error["message"]
