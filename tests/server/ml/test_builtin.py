"""BrainFlow's built-in classifiers as ready models: the same scores as
BrainFlow's own example computes directly, probabilities that sum to 1, and
refusals of windows BrainFlow cannot score."""

from __future__ import annotations

import numpy as np
import pytest

from neurogate.server.devices.brainflow_runtime import ensure_brainflow
from neurogate.server.errors import InsufficientData, InvalidParameter
from neurogate.server.ml.builtin import (
    BUILTIN_MODELS,
    band_power_features,
    is_builtin,
    predict_builtin,
)

ensure_brainflow()
from brainflow.data_filter import DataFilter  # noqa: E402
from brainflow.ml_model import (  # noqa: E402
    BrainFlowClassifiers,
    BrainFlowMetrics,
    BrainFlowModelParams,
    MLModel,
)

RATE = 250.0


def eeg(seconds: float = 4.0, channels: int = 4, alpha: float = 10.0, seed: int = 0) -> np.ndarray:
    """(channels, samples): noise plus a 10 Hz rhythm of amplitude ``alpha``."""
    rng = np.random.default_rng(seed)
    t = np.arange(round(seconds * RATE)) / RATE
    return rng.normal(0, 5, (channels, len(t))) + alpha * np.sin(2 * np.pi * 10 * t)


def brainflow_score(metric: BrainFlowMetrics, signal: np.ndarray) -> float:
    """BrainFlow's eeg_metrics example, run directly."""
    averages, _ = DataFilter.get_avg_band_powers(
        np.ascontiguousarray(signal), list(range(len(signal))), int(RATE), True
    )
    model = MLModel(
        BrainFlowModelParams(metric.value, BrainFlowClassifiers.DEFAULT_CLASSIFIER.value)
    )
    model.prepare()
    try:
        return float(model.predict(averages)[0])
    finally:
        model.release()


def test_the_ready_models_are_listed_with_their_classes():
    assert set(BUILTIN_MODELS) == {"builtin_mindfulness", "builtin_restfulness"}
    assert BUILTIN_MODELS["builtin_mindfulness"].classes == ("not_mindful", "mindful")
    assert BUILTIN_MODELS["builtin_restfulness"].classes == ("not_restful", "restful")
    assert all(m.kind == "builtin" and m.task == "classification" for m in BUILTIN_MODELS.values())
    assert is_builtin("builtin_mindfulness")
    assert not is_builtin("mdl_0123")


def test_features_are_brainflows_average_band_powers_then_their_deviations():
    signal = eeg()

    features = band_power_features(signal, RATE)

    averages, deviations = DataFilter.get_avg_band_powers(
        np.ascontiguousarray(signal), [0, 1, 2, 3], 250, True
    )
    np.testing.assert_array_equal(features, np.concatenate([averages, deviations]))


@pytest.mark.parametrize(
    ("model_id", "metric", "positive"),
    [
        ("builtin_mindfulness", BrainFlowMetrics.MINDFULNESS, "mindful"),
        ("builtin_restfulness", BrainFlowMetrics.RESTFULNESS, "restful"),
    ],
)
@pytest.mark.parametrize("alpha", [0.0, 10.0, 40.0])
def test_scores_are_brainflows_and_probabilities_sum_to_one(model_id, metric, positive, alpha):
    signal = eeg(alpha=alpha)

    probabilities = predict_builtin(model_id, signal, RATE)

    assert set(probabilities) == set(BUILTIN_MODELS[model_id].classes)
    assert sum(probabilities.values()) == pytest.approx(1.0, abs=1e-12)
    assert probabilities[positive] == pytest.approx(brainflow_score(metric, signal), rel=1e-12)
    assert all(0 <= p <= 1 for p in probabilities.values())


def test_a_rate_too_low_for_brainflows_notch_is_refused():
    with pytest.raises(InvalidParameter, match="125 Hz") as refused:
        predict_builtin("builtin_mindfulness", eeg(), 100.0)

    assert refused.value.details["parameter"] == "input_data.sample_rate"


def test_a_window_shorter_than_two_seconds_is_refused():
    with pytest.raises(InsufficientData, match="at least 2 s") as refused:
        predict_builtin("builtin_restfulness", eeg(seconds=1.5), RATE)

    assert refused.value.details["required"] == 500


def test_details_describe_the_model_in_json_values():
    details = BUILTIN_MODELS["builtin_mindfulness"].details()

    assert details["classes"] == ["not_mindful", "mindful"]
    assert (details["min_sample_rate"], details["min_seconds"]) == (125.0, 2.0)
