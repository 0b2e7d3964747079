"""EEG classifiers on marker-labelled epochs: epoching, band-power and CSP
features checked against SciPy run here, accuracy well above chance on
classes that differ and at chance on shuffled labels, and the refusals."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import numpy as np
import pytest
from scipy import linalg
from scipy import signal as sps
from sklearn.model_selection import StratifiedKFold, cross_val_score

from neurogate.server.errors import InsufficientData, InvalidParameter
from neurogate.server.ml.eeg import (
    LOG_FLOOR,
    BandPowerFeatures,
    CommonSpatialPatterns,
    EpochSpec,
    build_pipeline,
    check_model_rate,
    epoch_recordings,
    input_sample_rate,
    predict_signal,
    train_eeg,
)
from neurogate.server.recordings.recording import Marker, Recording

RATE = 128.0
NAMES = ("C3", "C4", "P3", "P4")
#: Class -> (frequency in Hz, channels carrying it).
RHYTHMS = {"left": (10.0, (0, 1)), "right": (20.0, (2, 3)), "rest": (6.0, (1, 2))}


def epoch_signal(label: str, rng: np.random.Generator, samples: int = int(RATE)) -> np.ndarray:
    """(channels, samples): the class's rhythm on its channels, plus noise."""
    frequency, channels = RHYTHMS[label]
    t = np.arange(samples) / RATE
    signal = rng.normal(0, 5, (len(NAMES), samples))
    for channel in channels:
        signal[channel] += 12 * np.sin(2 * np.pi * frequency * t + rng.uniform(0, 2 * np.pi))
    return signal


def labelled(labels: list[str], seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return np.stack([epoch_signal(label, rng) for label in labels]), np.array(labels)


def recording(
    labels: list[str],
    *,
    seed: int = 0,
    rate: float = RATE,
    names: tuple[str, ...] = NAMES,
    marker_type: str = "cue",
    gap: int = 32,
) -> Recording:
    """A recording of one epoch per label, each after ``gap`` samples of
    noise, with a marker (label in metadata) at each epoch's first sample."""
    rng = np.random.default_rng(seed)
    pieces, markers, at = [], [], 0
    for label in labels:
        pieces.append(rng.normal(0, 5, (gap, len(names))))
        at += gap
        markers.append(Marker(at, at / rate, marker_type, {"label": label}))
        piece = epoch_signal(label, rng).T if len(names) == len(NAMES) else None
        pieces.append(piece if piece is not None else rng.normal(0, 5, (int(RATE), len(names))))
        at += int(RATE)
    samples = np.concatenate(pieces)
    return Recording(
        session_id=f"ses_{seed}",
        device_name="amp",
        board_id=None,
        sample_rate=rate,
        channel_numbers=tuple(range(1, len(names) + 1)),
        channel_names=names,
        samples=samples,
        timestamps=np.arange(len(samples)) / rate,
        markers=tuple(markers),
        start_time=datetime(2026, 1, 1, tzinfo=UTC),
    )


BALANCED = ["left", "right"] * 20


# ---------------------------------------------------------------- epochs


def test_each_marker_opens_an_epoch_of_the_recorded_samples():
    rec = recording(["left", "right", "left"])

    epochs = epoch_recordings([rec], EpochSpec(label_key="label", epoch_start_seconds=-0.125))

    assert epochs.data.shape == (3, 4, 128)
    assert list(epochs.labels) == ["left", "right", "left"]
    start = rec.markers[1].sample_index - 16
    np.testing.assert_array_equal(epochs.data[1], rec.samples[start : start + 128].T)
    assert (epochs.offset_samples, epochs.epoch_samples) == (-16, 128)
    assert epochs.channel_names == NAMES


def test_without_label_key_the_marker_type_is_the_class_and_types_filter():
    first = recording(["left"] * 3, marker_type="imagine_left", seed=1)
    second = recording(["right"] * 3, marker_type="imagine_right", seed=2)
    other = recording(["left"], marker_type="blink", seed=3)

    epochs = epoch_recordings(
        [first, second, other], EpochSpec(marker_types=("imagine_left", "imagine_right"))
    )

    assert list(epochs.labels) == ["imagine_left"] * 3 + ["imagine_right"] * 3


def test_channels_select_columns_and_epochs_outside_the_recording_are_skipped():
    rec = recording(["left", "right"])

    epochs = epoch_recordings(
        [rec], EpochSpec(channels=(3, 1), label_key="label", epoch_seconds=1.5)
    )

    assert epochs.channel_names == ("P3", "C3")
    assert len(epochs.labels) == 1  # the last epoch would run past the end
    assert epochs.skipped == {"outside_recording": 1}
    start = rec.markers[0].sample_index
    np.testing.assert_array_equal(epochs.data[0], rec.samples[start : start + 192, [2, 0]].T)


def test_sessions_of_different_rates_or_channels_are_refused():
    base = recording(["left", "right"], seed=1)

    with pytest.raises(InvalidParameter, match="Hz") as rate:
        epoch_recordings([base, recording(["left"], seed=2, rate=256.0)], EpochSpec())
    with pytest.raises(InvalidParameter, match="other channels") as names:
        epoch_recordings(
            [base, recording(["left"], seed=2, names=("Fz", "Cz", "Pz", "Oz"))], EpochSpec()
        )

    assert rate.value.details["parameter"] == "session_ids"
    assert names.value.details["parameter"] == "session_ids"
    # common channels chosen explicitly are fine
    three = recording(["left"], seed=2, names=("C3", "C4", "P3"))
    assert len(epoch_recordings([base, three], EpochSpec(channels=(1, 2))).labels) == 3


def test_no_matching_markers_unknown_channels_and_bad_windows_are_refused():
    rec = recording(["left", "right"])

    with pytest.raises(InsufficientData, match="marker_types") as none:
        epoch_recordings([rec], EpochSpec(marker_types=("blink",)))
    with pytest.raises(InvalidParameter, match="no channel 9"):
        epoch_recordings([rec], EpochSpec(channels=(9,)))
    with pytest.raises(InvalidParameter, match="epoch_seconds"):
        epoch_recordings([rec], EpochSpec(epoch_seconds=-1))
    with pytest.raises(InsufficientData, match="labelled"):
        epoch_recordings([rec], EpochSpec(label_key="missing"))

    assert none.value.details["marker_types_found"] == ["cue"]


# ---------------------------------------------------------------- features


def test_band_power_features_are_log_welch_band_powers():
    X, _ = labelled(["left", "right"])

    features = BandPowerFeatures(RATE).fit(X).transform(X)

    frequencies, psd = sps.welch(X, fs=RATE, window="hann", nperseg=128, noverlap=64, axis=-1)
    step = frequencies[1] - frequencies[0]
    expected = []
    for low, high in [(1, 4), (4, 8), (8, 13), (13, 30), (30, 45)]:
        in_band = (frequencies >= low) & (frequencies < high)
        expected.append(psd[..., in_band].sum(axis=-1) * step)
    expected = np.log(np.stack(expected, axis=-1) + LOG_FLOOR).reshape(2, -1)
    np.testing.assert_allclose(features, expected, rtol=1e-12)


def bandpassed_covariances(X: np.ndarray) -> np.ndarray:
    sos = sps.butter(4, [8, 30], btype="bandpass", fs=RATE, output="sos")
    filtered = sps.sosfiltfilt(sos, X, axis=-1)
    covariances = []
    for epoch in filtered:
        c = np.cov(epoch, bias=True)
        covariances.append(c / np.trace(c))
    return np.array(covariances)


def test_csp_filters_solve_the_generalised_eigenproblem_of_the_class_covariances():
    X, y = labelled(BALANCED)

    csp = CommonSpatialPatterns(RATE).fit(X, y)

    covariances = bandpassed_covariances(X)
    left, right = covariances[y == "left"].mean(0), covariances[y == "right"].mean(0)
    values, vectors = linalg.eigh(left, left + right)
    expected = vectors[:, [0, 1, 2, 3]]
    assert csp.filters_.shape == (4, 4)
    for k in range(4):  # eigenvectors are defined up to sign
        sign = np.sign(csp.filters_[:, k] @ expected[:, k])
        np.testing.assert_allclose(csp.filters_[:, k], sign * expected[:, k], rtol=1e-7)
    W = csp.filters_
    np.testing.assert_allclose(W.T @ (left + right) @ W, np.eye(4), atol=1e-10)
    np.testing.assert_allclose(W.T @ left @ W, np.diag(values), atol=1e-10)
    # the extreme filters separate the classes: left's variance up in the last
    sources = np.einsum(
        "ck,ecs->eks",
        W,
        sps.sosfiltfilt(
            sps.butter(4, [8, 30], btype="bandpass", fs=RATE, output="sos"), X, axis=-1
        ),
    )
    variances = sources.var(axis=-1)
    assert variances[y == "left", 3].mean() > variances[y == "right", 3].mean()
    assert variances[y == "left", 0].mean() < variances[y == "right", 0].mean()


def test_csp_for_three_classes_is_one_vs_rest():
    labels = ["left", "right", "rest"] * 15
    X, y = labelled(labels)

    csp = CommonSpatialPatterns(RATE).fit(X, y)

    covariances = bandpassed_covariances(X)
    rest_class = covariances[y == "rest"].mean(0)
    others = covariances[y != "rest"].mean(0)
    _, vectors = linalg.eigh(rest_class, rest_class + others)
    assert csp.filters_.shape == (4, 12)  # classes in sorted order: left, rest, right
    block = csp.filters_[:, 4:8]
    for k, column in enumerate([0, 1, 2, 3]):
        sign = np.sign(block[:, k] @ vectors[:, column])
        np.testing.assert_allclose(block[:, k], sign * vectors[:, column], rtol=1e-7)


# ---------------------------------------------------------------- training


@pytest.mark.parametrize(
    ("features", "classifier"),
    [
        ("band_power", "lda"),
        ("csp", "lda"),
        ("band_power", "logistic_regression"),
        ("csp", "logistic_regression"),
    ],
)
def test_classes_that_differ_are_classified_well_above_chance(features, classifier):
    recordings = [recording(BALANCED, seed=s) for s in (1, 2)]
    epochs = epoch_recordings(recordings, EpochSpec(label_key="label"))

    trained = train_eeg(epochs, features, classifier)

    assert trained.classes == ["left", "right"]
    assert trained.epochs_per_class == {"left": 40, "right": 40}
    assert trained.cv_folds == 5
    assert trained.cv_accuracy >= 0.9
    # the same cross-validation run directly with scikit-learn
    direct = cross_val_score(
        build_pipeline(features, classifier, RATE),
        epochs.data,
        epochs.labels.astype(str),
        cv=StratifiedKFold(5),
    )
    assert trained.cv_scores == pytest.approx(list(direct), rel=1e-12)
    # and a fresh epoch of each class is recognised
    rng = np.random.default_rng(99)
    for label in ("left", "right"):
        classes, probabilities = predict_signal(trained.pipeline, epoch_signal(label, rng), 128)
        assert classes[int(np.argmax(probabilities))] == label


def test_three_classes_are_classified_above_chance():
    epochs = epoch_recordings(
        [recording(["left", "right", "rest"] * 15, seed=4)], EpochSpec(label_key="label")
    )

    for features in ("band_power", "csp"):
        trained = train_eeg(epochs, features)
        assert trained.classes == ["left", "rest", "right"]
        assert trained.cv_accuracy >= 0.8


@pytest.mark.parametrize("features", ["band_power", "csp"])
def test_shuffled_labels_give_chance_accuracy(features):
    epochs = epoch_recordings(
        [recording(["left", "right"] * 60, seed=5)], EpochSpec(label_key="label")
    )
    shuffled = replace(epochs, labels=np.random.default_rng(6).permutation(epochs.labels))

    trained = train_eeg(shuffled, features)

    assert train_eeg(epochs, features).cv_accuracy >= 0.9  # the true labels separate
    assert abs(trained.cv_accuracy - 0.5) < 0.15


def test_predictions_average_the_whole_epochs_counted_back_from_the_end():
    epochs = epoch_recordings([recording(BALANCED, seed=1)], EpochSpec(label_key="label"))
    trained = train_eeg(epochs)
    rng = np.random.default_rng(3)
    left, right = epoch_signal("left", rng), epoch_signal("right", rng)
    # half an epoch of "right" in front is dropped; two whole epochs averaged
    signal = np.concatenate([right[:, :64], left, right], axis=1)

    _, probabilities = predict_signal(trained.pipeline, signal, 128)

    expected = trained.pipeline.predict_proba(np.stack([left, right])).mean(axis=0)
    np.testing.assert_allclose(probabilities, expected, rtol=1e-12)


# ---------------------------------------------------------------- refusals


def test_one_class_only_is_refused():
    epochs = epoch_recordings([recording(BALANCED)], EpochSpec())  # every marker is "cue"

    with pytest.raises(InsufficientData, match="two classes") as refused:
        train_eeg(epochs)

    assert refused.value.details["epochs_per_class"] == {"cue": 40}


def test_folds_are_capped_by_the_smallest_class_unless_requested():
    epochs = epoch_recordings(
        [recording(["left", "right"] * 3 + ["right"] * 4, seed=2)], EpochSpec(label_key="label")
    )

    assert train_eeg(epochs).cv_folds == 3
    with pytest.raises(InsufficientData, match="fewer than the 5") as refused:
        train_eeg(epochs, cv_folds=5)
    with pytest.raises(InvalidParameter, match="cv_folds"):
        train_eeg(epochs, cv_folds=1)

    assert refused.value.details["epochs_per_class"] == {"left": 3, "right": 7}


def test_a_class_with_a_single_epoch_is_refused():
    epochs = epoch_recordings(
        [recording(["left"] + ["right"] * 5, seed=2)], EpochSpec(label_key="label")
    )

    with pytest.raises(InsufficientData, match="'left' has 1 epoch"):
        train_eeg(epochs)


def test_unknown_features_and_classifiers_are_refused_with_the_choices():
    epochs = epoch_recordings([recording(BALANCED)], EpochSpec(label_key="label"))

    with pytest.raises(InvalidParameter) as features:
        train_eeg(epochs, features="wavelets")
    with pytest.raises(InvalidParameter) as classifier:
        train_eeg(epochs, classifier="svm")

    assert features.value.details["valid_choices"] == ["band_power", "csp"]
    assert classifier.value.details["valid_choices"] == ["lda", "logistic_regression"]


def test_csp_needs_two_channels_and_a_rate_above_its_band():
    one = epoch_recordings([recording(BALANCED)], EpochSpec(channels=(1,), label_key="label"))
    slow = epoch_recordings([recording(BALANCED, rate=50.0)], EpochSpec(label_key="label"))

    with pytest.raises(InvalidParameter, match="2 channels"):
        train_eeg(one, "csp")
    with pytest.raises(InvalidParameter, match="above 60 Hz"):
        train_eeg(slow, "csp")


def test_csp_refuses_a_flat_channel_as_singular():
    X, y = labelled(BALANCED)
    X[:, 2] = 0.0

    with pytest.raises(InvalidParameter, match="singular") as refused:
        CommonSpatialPatterns(RATE).fit(X, y)

    assert refused.value.details["parameter"] == "channels"


# ---------------------------------------------------------------- inference input


def test_the_input_rate_is_the_sample_rate_or_derived_from_the_duration():
    assert input_sample_rate(128.0, 0.0, 256) == (128.0, False)
    assert input_sample_rate(0.0, 2000.0, 256) == (128.0, True)
    assert input_sample_rate(128.0, 2001.0, 256) == (128.0, False)  # agree within 1%


@pytest.mark.parametrize(
    ("sample_rate", "duration_ms", "parameter"),
    [
        (0.0, 0.0, "input_data.sample_rate"),
        (-1.0, 0.0, "input_data.sample_rate"),
        (float("nan"), 0.0, "input_data.sample_rate"),
        (0.0, -5.0, "input_data.duration_ms"),
        (128.0, 1000.0, "input_data.duration_ms"),  # 256 samples in 1 s are 256 Hz
    ],
)
def test_a_missing_or_inconsistent_input_rate_is_refused(sample_rate, duration_ms, parameter):
    with pytest.raises(InvalidParameter) as refused:
        input_sample_rate(sample_rate, duration_ms, 256)

    assert refused.value.details["parameter"] == parameter


def test_the_input_rate_must_be_the_models():
    check_model_rate(128.0, False, 128.0)
    check_model_rate(128.9, True, 128.0)  # derived from a rounded duration

    with pytest.raises(InvalidParameter, match="trained at 128 Hz") as explicit:
        check_model_rate(128.9, False, 128.0)
    with pytest.raises(InvalidParameter) as derived:
        check_model_rate(256.0, True, 128.0)

    assert explicit.value.details["parameter"] == "input_data.sample_rate"
    assert derived.value.details["parameter"] == "input_data.duration_ms"
