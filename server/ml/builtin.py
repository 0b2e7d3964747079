"""BrainFlow's built-in EEG classifiers, offered as ready models.

``builtin_mindfulness`` and ``builtin_restfulness`` are BrainFlow's
``MINDFULNESS`` and ``RESTFULNESS`` metrics with its default classifier
(a logistic regression on band powers shipped in BrainFlow's native ML
library). They belong to no account, cannot be deleted, and are used only
through ``ModelService.Infer``.

Features, as BrainFlow's own examples compute them:
``DataFilter.get_avg_band_powers(data, channels, sample_rate, True)`` over
every channel of the window sent (BrainFlow band-passes and notches each
channel, then averages the relative powers of the 2-4, 4-8, 8-13, 13-30 and
30-45 Hz bands across channels); the feature vector is the five averages
followed by the five standard deviations across channels. The default
classifier reads the first five values, the averages, so this equals
passing the averages alone. BrainFlow answers one score in [0, 1]: the
probability of the positive class (``mindful``, ``restful``), and the other
class has its complement.

The whole window sent is one observation: BrainFlow recommends 4 s or more,
and a window shorter than :data:`MIN_SECONDS` is refused. BrainFlow takes an
integer sample rate, so a fractional one is rounded; its mains notches (up
to 62 Hz) need a rate of at least :data:`MIN_SAMPLE_RATE` Hz, below which its
band powers are not numbers.

Import BrainFlow only through :func:`ensure_brainflow` (see
:mod:`neurogate.server.devices.brainflow_runtime`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np

from neurogate.server.devices.brainflow_runtime import ensure_brainflow
from neurogate.server.errors import InsufficientData, InternalError, InvalidParameter

ensure_brainflow()
from brainflow.board_shim import BrainFlowError  # noqa: E402
from brainflow.data_filter import DataFilter  # noqa: E402
from brainflow.ml_model import (  # noqa: E402
    BrainFlowClassifiers,
    BrainFlowMetrics,
    BrainFlowModelParams,
    MLModel,
)

#: The lowest rate BrainFlow's 58-62 Hz notch leaves a Nyquist frequency above.
MIN_SAMPLE_RATE = 125.0
#: Shortest window accepted, seconds (BrainFlow recommends at least 4).
MIN_SECONDS = 2.0


@dataclass(frozen=True)
class BuiltinModel:
    """A ready model as ListModels and GetModel show it."""

    id: str
    name: str
    description: str
    #: Negative class first, positive (the one BrainFlow scores) second.
    classes: tuple[str, str]
    #: As ``Model.model_type``.
    model_type: str
    metric: int
    kind: str = "builtin"
    task: str = "classification"
    features: tuple[str, ...] = ("eeg",)

    def details(self) -> dict[str, object]:
        """What GetModel shows in ``details`` (JSON values)."""
        return {
            "description": self.description,
            "classes": list(self.classes),
            "source": "BrainFlow MLModel, DEFAULT_CLASSIFIER",
            "features": "DataFilter.get_avg_band_powers: averages and deviations across "
            "channels of the 2-4, 4-8, 8-13, 13-30 and 30-45 Hz relative band powers",
            "min_sample_rate": MIN_SAMPLE_RATE,
            "min_seconds": MIN_SECONDS,
        }


BUILTIN_MODELS: dict[str, BuiltinModel] = {
    model.id: model
    for model in (
        BuiltinModel(
            id="builtin_mindfulness",
            name="BrainFlow mindfulness",
            description="BrainFlow's MINDFULNESS metric, default classifier, on average band "
            "powers of a window of EEG (4 s or more recommended)",
            classes=("not_mindful", "mindful"),
            model_type="brainflow_mindfulness",
            metric=BrainFlowMetrics.MINDFULNESS.value,
        ),
        BuiltinModel(
            id="builtin_restfulness",
            name="BrainFlow restfulness",
            description="BrainFlow's RESTFULNESS metric, default classifier, on average band "
            "powers of a window of EEG (4 s or more recommended)",
            classes=("not_restful", "restful"),
            model_type="brainflow_restfulness",
            metric=BrainFlowMetrics.RESTFULNESS.value,
        ),
    )
}


def is_builtin(model_id: str) -> bool:
    return model_id in BUILTIN_MODELS


@cache
def _quiet() -> None:
    """NeuroGate reports BrainFlow's errors itself; BrainFlow's data and ML
    loggers would write to stderr. Called on first use, so only the compute
    workers load the ML library."""
    DataFilter.disable_data_logger()
    MLModel.disable_ml_logger()


def band_power_features(signal: np.ndarray, sample_rate: float) -> np.ndarray:
    """BrainFlow's feature vector of a ``(channels, samples)`` window: the
    average band powers across channels, then their standard deviations."""
    _quiet()
    data = np.ascontiguousarray(signal, dtype=np.float64)
    try:
        averages, deviations = DataFilter.get_avg_band_powers(
            data, list(range(data.shape[0])), round(sample_rate), True
        )
    except BrainFlowError as error:
        raise InvalidParameter(
            f"BrainFlow could not compute band powers of this window: {error}",
            parameter="input_data.eeg",
        ) from error
    features = np.concatenate([averages, deviations])
    if not np.isfinite(features).all():
        raise InvalidParameter(
            "BrainFlow's band powers of this window are not numbers (a flat signal?)",
            parameter="input_data.eeg",
        )
    return features


def check_window(model: BuiltinModel, samples: int, sample_rate: float) -> None:
    """Refuses a rate or a window the model cannot use."""
    if sample_rate < MIN_SAMPLE_RATE:
        raise InvalidParameter(
            f"{model.id} needs EEG sampled at {MIN_SAMPLE_RATE:g} Hz or more; this is "
            f"{sample_rate:g} Hz",
            parameter="input_data.sample_rate",
            value=sample_rate,
            valid_range=[MIN_SAMPLE_RATE, None],
        )
    needed = int(np.ceil(MIN_SECONDS * sample_rate))
    if samples < needed:
        raise InsufficientData(
            f"{model.id} needs at least {MIN_SECONDS:g} s of EEG ({needed} samples at "
            f"{sample_rate:g} Hz); {samples} were sent",
            parameter="input_data.eeg",
            value=samples,
            required=needed,
            suggestion="send 4 s or more, as BrainFlow recommends",
        )


def predict_builtin(model_id: str, signal: np.ndarray, sample_rate: float) -> dict[str, float]:
    """Class probabilities of a ``(channels, samples)`` window. Runs in a
    compute worker: BrainFlow's classifier is native code."""
    model = BUILTIN_MODELS[model_id]
    check_window(model, signal.shape[1], sample_rate)
    features = band_power_features(signal, sample_rate)
    classifier = MLModel(
        BrainFlowModelParams(model.metric, BrainFlowClassifiers.DEFAULT_CLASSIFIER.value)
    )
    classifier.prepare()
    try:
        score = classifier.predict(features)
    finally:
        classifier.release()
    if len(score) != 1 or not (np.isfinite(score[0]) and 0 <= score[0] <= 1):
        raise InternalError(
            f"BrainFlow's {model.id} classifier answered {list(map(float, score))}, not a "
            "probability",
            model_id=model.id,
        )
    positive = float(score[0])
    negative, positive_class = model.classes
    return {negative: 1.0 - positive, positive_class: positive}
