"""ModelService: training, storing and using models.

Tabular models are trained on a dataset's table (:mod:`neurogate.server.ml`)
in a compute worker; EEG models on recorded sessions. The worker that fits a
model stores it, signed (:func:`store_model`); workers load the models they
predict with (:func:`load_model`). A finished training publishes
``analysis.complete`` to the account's webhooks.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import grpc
import numpy as np
from google.protobuf import struct_pb2

from neurogate.server.analytics.tables import TableRef, open_table, table_ref
from neurogate.server.compute import ComputePool
from neurogate.server.context import current_account
from neurogate.server.datasets.store import DatasetStore
from neurogate.server.errors import InsufficientData, InvalidParameter
from neurogate.server.ml.builtin import BUILTIN_MODELS, BuiltinModel, is_builtin, predict_builtin
from neurogate.server.ml.eeg import (
    CLASSIFIERS,
    CSP_BAND,
    DEFAULT_CLASSIFIER,
    DEFAULT_EPOCH_SECONDS,
    DEFAULT_FEATURES,
    FEATURES,
    EpochSpec,
    check_model_rate,
    epoch_recordings,
    input_sample_rate,
    predict_signal,
    train_eeg,
    usable_bands,
)
from neurogate.server.ml.prediction import check_count, check_kind, predict
from neurogate.server.ml.store import (
    ModelRef,
    ModelStore,
    NewModel,
    load_model,
    new_model,
    store_model,
)
from neurogate.server.ml.training import TrainingRequest, train
from neurogate.server.pagination import page_size
from neurogate.server.recordings.recording import Recording
from neurogate.server.services._convert import (
    check_signal_size,
    fill,
    list_value_rows,
    struct,
    struct_to_dict,
    timestamp,
)
from neurogate.server.sessions.manager import SessionManager
from neurogate.server.signal.offline import as_matrix
from neurogate.server.storage.models import MlModel
from neurogate.server.webhooks.dispatcher import Dispatcher
from neurogate.server.webhooks.events import ANALYSIS_COMPLETE, analysis_data
from neurogate.v1 import model_pb2, model_pb2_grpc


def _train_job(ref: TableRef, request: model_pb2.TrainRequest, new: NewModel) -> MlModel:
    """Runs in a compute worker: trains on the table of ``ref`` and stores
    the fitted pipeline; the stored row."""
    trained = train(
        open_table(ref),
        TrainingRequest(
            target=request.target,
            features=list(request.features),
            model_type=request.model_type,
            task=request.task,
            test_size=request.test_size,
            hyperparameters=struct_to_dict(request.hyperparameters),
            cv_folds=request.cv_folds,
            random_seed=request.random_seed,
        ),
    )
    cv = trained.cross_validation
    details = {
        "hyperparameters": trained.hyperparameters,
        "feature_types": trained.feature_types,
        "classes": trained.classes,
        "feature_importance": trained.feature_importance,
        "confusion_matrix": trained.confusion_matrix,
        "cross_validation": None if cv is None else vars(cv),
        "train_rows": trained.train_rows,
        "test_rows": trained.test_rows,
        "test_size": trained.test_size,
        "random_seed": trained.random_seed,
        "training_time_ms": trained.training_time_ms,
        "warnings": trained.warnings,
    }
    return store_model(
        new,
        trained.pipeline,
        default_name=f"{trained.model_type} on {ref.dataset_name}",
        kind="tabular",
        dataset_id=ref.dataset_id,
        model_type=trained.model_type,
        task=trained.task,
        target=trained.target,
        features=trained.features,
        metrics=trained.metrics,
        details={key: value for key, value in details.items() if value is not None},
    )


def _predict_job(
    ref: ModelRef,
    features: Sequence[str],
    feature_types: dict[str, str],
    request: model_pb2.PredictRequest,
) -> model_pb2.PredictResponse:
    """Runs in a compute worker."""
    records = [struct_to_dict(record) for record in request.data]
    result = predict(load_model(ref), records, features, feature_types)
    values = struct_pb2.ListValue()
    values.extend(result.values)
    return model_pb2.PredictResponse(
        model_id=ref.model_id,
        predictions=values.values,
        probabilities=[struct(row) for row in result.probabilities or []],
    )


def model_fields(row: MlModel) -> dict[str, Any]:
    """A stored model as the fields of ``Model`` and ``GetModelResponse``
    (for :func:`fill`), whatever its kind."""
    details = row.details or {}
    return {
        "model_id": row.id,
        "model_type": row.model_type,
        "task": row.task,
        "dataset_id": row.dataset_id,
        "target": row.target,
        "features": row.features,
        "metrics": row.metrics,
        "created_at": timestamp(row.created_at),
        "kind": row.kind,
        "name": row.name,
        "hyperparameters": struct(details.get("hyperparameters") or {}),
        "feature_importance": {
            name: float(value) for name, value in (details.get("feature_importance") or {}).items()
        },
        "classes": [str(label) for label in details.get("classes") or []],
        "details": struct(details),
    }


def builtin_fields(model: BuiltinModel) -> dict[str, Any]:
    """A BrainFlow ready model as the fields of ``Model`` and ``GetModelResponse``."""
    return {
        "model_id": model.id,
        "model_type": model.model_type,
        "task": model.task,
        "features": list(model.features),
        "kind": model.kind,
        "name": model.name,
        "classes": list(model.classes),
        "details": struct(model.details()),
    }


def _train_response(row: MlModel) -> model_pb2.TrainResponse:
    details = row.details
    response = fill(
        model_pb2.TrainResponse,
        {
            **model_fields(row),
            "status": "success",
            "training_time_ms": details["training_time_ms"],
            "train_rows": details["train_rows"],
            "test_rows": details["test_rows"],
        },
    )
    for counts in details["confusion_matrix"]:
        response.confusion_matrix.add().extend(counts)
    if "cross_validation" in details:
        response.cross_validation.CopyFrom(model_pb2.CrossValidation(**details["cross_validation"]))
    return response


# ---------------------------------------------------------------- EEG models

#: Sessions one EEG model is trained on, at most.
MAX_EEG_SESSIONS = 50


def _train_eeg_job(
    recordings: list[Recording],
    spec: EpochSpec,
    features: str,
    classifier: str,
    cv_folds: int,
    new: NewModel,
) -> MlModel:
    """Runs in a compute worker: epochs, cross-validation and the final fit
    (:mod:`neurogate.server.ml.eeg`), then stores the pipeline, which takes
    raw ``(epochs, channels, samples)``; the stored row."""
    began = time.perf_counter()
    epochs = epoch_recordings(recordings, spec)
    trained = train_eeg(epochs, features, classifier, cv_folds)
    details: dict[str, Any] = {
        "session_ids": [recording.session_id for recording in recordings],
        "channels": list(epochs.channel_numbers),
        "channel_names": list(epochs.channel_names),
        "sample_rate": epochs.sample_rate,
        "epoch_start_seconds": spec.epoch_start_seconds,
        "epoch_seconds": spec.epoch_seconds,
        "epoch_samples": epochs.epoch_samples,
        "marker_types": list(spec.marker_types),
        "label_key": spec.label_key,
        "features": features,
        "classifier": classifier,
        "classes": trained.classes,
        "epochs": len(epochs.labels),
        "epochs_per_class": trained.epochs_per_class,
        "skipped_markers": epochs.skipped,
        "cross_validation": {
            "folds": trained.cv_folds,
            "metric": "accuracy",
            "mean": trained.cv_accuracy,
            "std": trained.cv_std,
            "scores": trained.cv_scores,
        },
    }
    if features == "band_power":
        details["bands"] = [
            {"name": name, "low": low, "high": high}
            for name, low, high in usable_bands(epochs.sample_rate)
        ]
    else:
        details["csp_band"] = list(CSP_BAND)
    details["training_time_ms"] = (time.perf_counter() - began) * 1000
    model_type = f"{features}_{classifier}"
    return store_model(
        new,
        trained.pipeline,
        default_name=f"{model_type} on {len(recordings)} session(s)",
        kind="eeg",
        model_type=model_type,
        task="classification",
        features=list(epochs.channel_names),
        metrics={"cv_accuracy": trained.cv_accuracy},
        details=details,
    )


def _train_eeg_response(row: MlModel) -> model_pb2.TrainEegModelResponse:
    details = row.details
    return model_pb2.TrainEegModelResponse(
        status="success",
        model_id=row.id,
        classes=details["classes"],
        epochs=details["epochs"],
        epochs_per_class=details["epochs_per_class"],
        cross_validation=model_pb2.CrossValidation(**details["cross_validation"]),
        features=details["features"],
        classifier=details["classifier"],
        sample_rate=details["sample_rate"],
        channels=details["channels"],
        training_time_ms=details["training_time_ms"],
        created_at=timestamp(row.created_at),
    )


def _eeg_matrix(request: model_pb2.InferRequest) -> np.ndarray:
    """``input_data.eeg`` (rows of samples) as (channels, samples)."""
    return as_matrix(list_value_rows(request.input_data.eeg), "samples", "input_data.eeg")


def _inference(
    model_id: str, classes: Sequence[str], probabilities: Sequence[float]
) -> model_pb2.InferResponse:
    """The most probable class, its probability as the confidence, and
    every class's probability."""
    best = int(np.argmax(probabilities))
    prediction = model_pb2.InferencePrediction(
        confidence=float(probabilities[best]),
        probabilities={c: float(p) for c, p in zip(classes, probabilities, strict=True)},
    )
    setattr(prediction, "class", classes[best])  # a Python keyword
    return model_pb2.InferResponse(model_id=model_id, predictions=prediction)


def _infer_eeg_job(
    request: model_pb2.InferRequest, ref: ModelRef, details: dict[str, Any]
) -> model_pb2.InferResponse:
    """Runs in a compute worker: a trained EEG model on the input's whole
    epochs (:func:`neurogate.server.ml.eeg.predict_signal`)."""
    matrix = _eeg_matrix(request)
    channels, samples = matrix.shape
    names = details["channel_names"]
    if channels != len(names):
        raise InvalidParameter(
            f"the model takes {len(names)} channels ({', '.join(names)}) per sample; the "
            f"samples have {channels}",
            parameter="input_data.eeg",
            value=channels,
            expected=names,
        )
    rate, derived = input_sample_rate(
        request.input_data.sample_rate, request.input_data.duration_ms, samples
    )
    check_model_rate(rate, derived, details["sample_rate"])
    needed = details["epoch_samples"]
    if samples < needed:
        raise InsufficientData(
            f"the model classifies epochs of {needed} samples ({details['epoch_seconds']:g} s); "
            f"{samples} were sent",
            parameter="input_data.eeg",
            value=samples,
            required=needed,
        )
    classes, probabilities = predict_signal(load_model(ref), matrix, needed)
    return _inference(ref.model_id, classes, probabilities.tolist())


def _infer_builtin_job(request: model_pb2.InferRequest) -> model_pb2.InferResponse:
    """Runs in a compute worker: a BrainFlow classifier on the whole window
    (:mod:`neurogate.server.ml.builtin`)."""
    matrix = _eeg_matrix(request)
    rate, _ = input_sample_rate(
        request.input_data.sample_rate, request.input_data.duration_ms, matrix.shape[1]
    )
    probabilities = predict_builtin(request.model_id, matrix, rate)
    return _inference(request.model_id, list(probabilities), list(probabilities.values()))


class ModelServicer(model_pb2_grpc.ModelServiceServicer):
    def __init__(
        self,
        datasets: DatasetStore,
        models: ModelStore,
        sessions: SessionManager,
        compute: ComputePool,
        database_url: str,
        model_key: str,
        dispatcher: Dispatcher,
    ) -> None:
        self._datasets = datasets
        self._models = models
        self._sessions = sessions
        self._compute = compute
        self._database_url = database_url
        self._model_key = model_key
        self._dispatcher = dispatcher

    async def _trained(self, row: MlModel) -> MlModel:
        """Tells the account's webhooks that ``row`` finished training."""
        await self._dispatcher.publish(
            row.account_id,
            ANALYSIS_COMPLETE,
            analysis_data(row.id, "model_training", model_type=row.model_type, kind=row.kind),
        )
        return row

    async def TrainEegModel(
        self, request: model_pb2.TrainEegModelRequest, context: grpc.aio.ServicerContext
    ) -> model_pb2.TrainEegModelResponse:
        account = current_account()
        session_ids = list(request.session_ids)
        if not session_ids:
            raise InvalidParameter(
                "session_ids needs at least one recorded session", parameter="session_ids"
            )
        if len(session_ids) > MAX_EEG_SESSIONS:
            raise InvalidParameter(
                f"at most {MAX_EEG_SESSIONS} sessions per model",
                parameter="session_ids",
                value=len(session_ids),
            )
        repeated = next((s for i, s in enumerate(session_ids) if s in session_ids[:i]), None)
        if repeated is not None:
            raise InvalidParameter(
                "session_ids lists a session more than once",
                parameter="session_ids",
                value=repeated,
            )
        new = new_model(self._database_url, self._model_key, account, request.name)
        features = request.features or DEFAULT_FEATURES
        classifier = request.classifier or DEFAULT_CLASSIFIER
        for parameter, value, choices in (
            ("features", features, FEATURES),
            ("classifier", classifier, CLASSIFIERS),
        ):
            if value not in choices:
                raise InvalidParameter(
                    f"unknown {parameter} {value!r}",
                    parameter=parameter,
                    value=value,
                    valid_choices=list(choices),
                )
        recordings = [await self._sessions.recording(account, s) for s in session_ids]
        spec = EpochSpec(
            channels=tuple(request.channels),
            epoch_start_seconds=request.epoch_start_seconds,
            epoch_seconds=request.epoch_seconds or DEFAULT_EPOCH_SECONDS,
            marker_types=tuple(request.marker_types),
            label_key=request.label_key,
        )
        row = await self._compute.run(
            _train_eeg_job,
            recordings,
            spec,
            features,
            classifier,
            request.cv_folds,
            new,
        )
        return _train_eeg_response(await self._trained(row))

    async def Infer(
        self, request: model_pb2.InferRequest, context: grpc.aio.ServicerContext
    ) -> model_pb2.InferResponse:
        """A trained EEG model (kind ``eeg``) classifies the input's whole
        epochs, counted back from its last sample, and averages their
        probabilities; a built-in one scores the whole window. The sample
        rate is ``sample_rate``, or derived from ``duration_ms``.
        ``model_version`` is ignored: a stored model never changes.
        ``inference_time_ms``: from the request's arrival to its answer, in
        the server (loading the model included, the network not)."""
        began = time.perf_counter()
        if is_builtin(request.model_id):
            check_signal_size(request.input_data.eeg, "samples", "input_data.eeg")
            response = await self._compute.run(_infer_builtin_job, request)
        else:
            row = await self._models.get(current_account(), request.model_id)
            if row.kind != "eeg":
                raise InvalidParameter(
                    f"model {row.id} is a {row.kind} model, not an EEG model: predict with it "
                    "through POST /v1/ml/predict (ModelService.Predict)",
                    parameter="model_id",
                    value=row.id,
                    kind=row.kind,
                )
            check_signal_size(request.input_data.eeg, "samples", "input_data.eeg")
            ref = ModelRef(self._database_url, row.id, self._model_key)
            response = await self._compute.run(_infer_eeg_job, request, ref, row.details)
        response.inference_time_ms = (time.perf_counter() - began) * 1000
        return response

    async def Train(
        self, request: model_pb2.TrainRequest, context: grpc.aio.ServicerContext
    ) -> model_pb2.TrainResponse:
        account = current_account()
        new = new_model(self._database_url, self._model_key, account, request.name)
        ref = await table_ref(self._datasets, self._database_url, account, request.dataset_id)
        row = await self._compute.run(_train_job, ref, request, new)
        return _train_response(await self._trained(row))

    async def Predict(
        self, request: model_pb2.PredictRequest, context: grpc.aio.ServicerContext
    ) -> model_pb2.PredictResponse:
        if is_builtin(request.model_id):
            check_kind(BUILTIN_MODELS[request.model_id].kind, request.model_id)
        row = await self._models.get(current_account(), request.model_id)
        check_kind(row.kind, row.id)
        check_count(len(request.data))
        ref = ModelRef(self._database_url, row.id, self._model_key)
        feature_types = dict(row.details.get("feature_types") or {})
        return await self._compute.run(_predict_job, ref, row.features, feature_types, request)

    async def ListModels(
        self, request: model_pb2.ListModelsRequest, context: grpc.aio.ServicerContext
    ) -> model_pb2.ListModelsResponse:
        """The account's models, newest first; the first page also leads with
        BrainFlow's ready models (kind ``builtin``), which ``total`` counts."""
        page = await self._models.page(
            current_account(), size=page_size(request.page_size), token=request.page_token
        )
        ready = [] if request.page_token else list(BUILTIN_MODELS.values())
        return model_pb2.ListModelsResponse(
            models=[
                *(fill(model_pb2.Model, builtin_fields(model)) for model in ready),
                *(fill(model_pb2.Model, model_fields(row)) for row in page.items),
            ],
            total=page.total + len(BUILTIN_MODELS),
            next_page_token=page.next_page_token,
        )

    async def GetModel(
        self, request: model_pb2.GetModelRequest, context: grpc.aio.ServicerContext
    ) -> model_pb2.GetModelResponse:
        if is_builtin(request.model_id):
            ready = BUILTIN_MODELS[request.model_id]
            return fill(model_pb2.GetModelResponse, builtin_fields(ready))
        row = await self._models.get(current_account(), request.model_id)
        return fill(model_pb2.GetModelResponse, model_fields(row))

    async def DeleteModel(
        self, request: model_pb2.DeleteModelRequest, context: grpc.aio.ServicerContext
    ) -> model_pb2.DeleteModelResponse:
        if is_builtin(request.model_id):
            raise InvalidParameter(
                f"{request.model_id!r} is one of BrainFlow's ready models, which cannot be deleted",
                parameter="model_id",
                value=request.model_id,
            )
        await self._models.delete(current_account(), request.model_id)
        return model_pb2.DeleteModelResponse(model_id=request.model_id)
