"""``client.ml``: models trained on datasets or on recorded EEG sessions.

Trainings create a model and carry no idempotency key, so they are never
retried; they show an indeterminate progress bar while the server trains
when progress bars are on. The :class:`Model` results hold this namespace,
so ``model.predict(records)`` works on what ``train``/``get`` returned.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from neurogate.client._calls import Paged, Unary
from neurogate.client._convert import plain, rows_of, struct, timestamp
from neurogate.client._namespace import Namespace
from neurogate.client.models import Inference, Model, Predictions
from neurogate.v1 import model_pb2


class ModelsNamespace(Namespace):
    def _model(self, message: Any, **known: Any) -> Model:
        has = {f.name for f in message.DESCRIPTOR.fields}
        fields = {
            name: getattr(message, name)
            for name in ("dataset_id", "target", "kind", "name")
            if name in has
        }
        details = plain(message.details) if "details" in has else {}
        if "cross_validation" in has and message.HasField("cross_validation"):
            details["cross_validation"] = plain(message.cross_validation)
        values: dict[str, Any] = {
            "id": message.model_id,
            "model_type": getattr(message, "model_type", ""),
            "task": getattr(message, "task", ""),
            "kind": "",
            "metrics": dict(message.metrics) if "metrics" in has else {},
            "features": list(message.features) if "features" in has else [],
            "classes": list(message.classes) if "classes" in has else [],
            "feature_importance": (
                dict(message.feature_importance) if "feature_importance" in has else {}
            ),
            "created_at": timestamp(message.created_at),
            "details": details,
            **fields,
            **known,
        }
        return Model(**values, raw=message).bind(self)

    def train(
        self,
        dataset_id: str,
        target: str,
        features: list[str],
        model_type: str = "random_forest",
        *,
        task: str = "",
        test_size: float = 0.0,
        hyperparameters: Mapping[str, Any] | None = None,
        cv_folds: int = 0,
        random_seed: int = 0,
        name: str = "",
    ) -> Model:
        """Trains a scikit-learn model of ``model_type`` to predict ``target``."""
        request = model_pb2.TrainRequest(
            dataset_id=dataset_id,
            target=target,
            features=features,
            model_type=model_type,
            task=task,
            test_size=test_size,
            hyperparameters=struct(hyperparameters),
            cv_folds=cv_folds,
            random_seed=random_seed,
            name=name,
        )
        known = {"dataset_id": dataset_id, "target": target, "name": name, "kind": "tabular"}
        return self._run(
            Unary(
                "ModelService/Train",
                request,
                lambda reply: self._model(reply, features=list(features), **known),
                idempotent=False,
                progress=f"training {model_type}",
            )
        )

    def train_eeg(
        self,
        session_ids: list[str],
        *,
        channels: list[int] | None = None,
        epoch_start_seconds: float = 0.0,
        epoch_seconds: float = 0.0,
        marker_types: list[str] | None = None,
        label_key: str = "",
        features: str = "",
        classifier: str = "",
        cv_folds: int = 0,
        name: str = "",
    ) -> Model:
        """Trains an EEG classifier on epochs around the markers of recorded
        sessions; ``details`` holds its epochs and cross-validation."""
        request = model_pb2.TrainEegModelRequest(
            session_ids=session_ids,
            channels=channels or [],
            epoch_start_seconds=epoch_start_seconds,
            epoch_seconds=epoch_seconds,
            marker_types=marker_types or [],
            label_key=label_key,
            features=features,
            classifier=classifier,
            cv_folds=cv_folds,
            name=name,
        )

        def convert(reply: model_pb2.TrainEegModelResponse) -> Model:
            details = {
                "cross_validation": plain(reply.cross_validation),
                "epochs": reply.epochs,
                "epochs_per_class": dict(reply.epochs_per_class),
                "features": reply.features,
                "sample_rate": reply.sample_rate,
                "channels": list(reply.channels),
            }
            return self._model(
                reply, kind="eeg", name=name, model_type=reply.classifier, details=details
            )

        return self._run(
            Unary(
                "ModelService/TrainEegModel",
                request,
                convert,
                idempotent=False,
                progress="training EEG model",
            )
        )

    def list(self) -> list[Model]:
        """Every model of the account (all pages)."""
        return self._run(
            Paged(
                "ModelService/ListModels",
                model_pb2.ListModelsRequest(page_size=500),
                lambda page: [self._model(m) for m in page.models],
            )
        )

    def get(self, model_id: str) -> Model:
        return self._run(
            Unary(
                "ModelService/GetModel",
                model_pb2.GetModelRequest(model_id=model_id),
                self._model,
                idempotent=True,
            )
        )

    def delete(self, model_id: str) -> None:
        return self._run(
            Unary(
                "ModelService/DeleteModel",
                model_pb2.DeleteModelRequest(model_id=model_id),
                lambda reply: None,
                idempotent=True,
            )
        )

    def predict(self, model_id: str, records: list[dict[str, Any]] | pd.DataFrame) -> Predictions:
        """Predictions for rows of feature values (dicts, or a DataFrame's rows)."""
        if isinstance(records, pd.DataFrame):
            records = records.to_dict(orient="records")
        request = model_pb2.PredictRequest(model_id=model_id, data=[struct(r) for r in records])
        return self._run(
            Unary("ModelService/Predict", request, Predictions.from_proto, idempotent=True)
        )

    def infer(
        self,
        model_id: str,
        eeg: np.ndarray | list[list[float]],
        sample_rate: float = 0.0,
        duration_ms: float = 0.0,
        model_version: str = "",
    ) -> Inference:
        """Classifies a window of EEG (samples x channels) with an EEG model
        or a built-in BrainFlow model."""
        request = model_pb2.InferRequest(
            model_id=model_id,
            input_data=model_pb2.EegInput(
                eeg=rows_of(eeg), sample_rate=sample_rate, duration_ms=duration_ms
            ),
            model_version=model_version,
        )
        return self._run(
            Unary("ModelService/Infer", request, Inference.from_proto, idempotent=True)
        )
