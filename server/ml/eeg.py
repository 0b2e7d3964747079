"""EEG classifiers trained on recorded sessions whose markers label epochs.

Epochs (:func:`epoch_recordings`): every marker of a session (of the listed
``marker_types``, or of any type) opens one epoch that starts
``epoch_start_seconds`` after it (negative: before it) and lasts
``epoch_seconds``, both rounded to whole samples. Its class is the marker's
metadata value under ``label_key``, or the marker's type when no key is
given. An epoch that would reach outside its recording, or whose marker lacks
the label key, is skipped and counted. Epochs are the RAW samples as
recorded; any filtering is part of the feature step, so the stored model
applies exactly the same to the epochs it is later given.

Features, as scikit-learn transformers taking ``(epochs, channels, samples)``
arrays so a stored pipeline takes raw epochs:

- ``band_power`` (:class:`BandPowerFeatures`): per channel, the natural log of
  the absolute power in the delta, theta, alpha, beta and gamma bands of
  :mod:`neurogate.server.signal.bands` (Welch PSD, rectangle rule; a band is
  cut at the Nyquist frequency, and left out when it starts above it), plus
  :data:`LOG_FLOOR` so a flat channel gives a finite value instead of -inf.
- ``csp`` (:class:`CommonSpatialPatterns`): each epoch band-passed
  (:data:`CSP_BAND`, 4th-order Butterworth from
  :mod:`neurogate.server.signal.filters`, zero phase), per-epoch spatial
  covariances normalised to unit trace (Ramoser et al. 2000) and averaged per
  class; the spatial filters solve the generalised eigenproblem
  ``C_a w = lambda (C_a + C_b) w`` (:func:`scipy.linalg.eigh`, so
  ``W^T (C_a + C_b) W = I``). Two classes: the :data:`CSP_PAIRS` filters with
  the smallest and the largest eigenvalues. More classes: one-vs-rest, each
  class against the average normalised covariance of all other epochs,
  contributing its own smallest and largest pairs (``min(CSP_PAIRS,
  channels // 2)`` pairs each). Features: the log of each filtered signal's
  variance over the epoch (ddof=0, plus :data:`LOG_FLOOR`).

Classifiers: ``lda`` (default), a shrinkage LDA (``solver="lsqr"``,
Ledoit-Wolf ``shrinkage="auto"``): recordings give few epochs for many
features, where plain LDA's within-class covariance is singular; or
``logistic_regression`` (L2, ``C=1``). Features are standardised first.

Accuracy is estimated by stratified k-fold cross-validation WITHOUT shuffling
(epochs stay in recording order, so each test fold is a contiguous stretch of
each class and neighbouring, possibly overlapping, epochs rarely straddle
train and test), then the pipeline is fitted on every epoch. Folds: 5 by
default, fewer when the smallest class has fewer epochs; folds asked for must
not outnumber the smallest class's epochs, and every class needs
:data:`MIN_EPOCHS_PER_CLASS` epochs.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import linalg
from scipy import signal as sps
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from neurogate.server.errors import InsufficientData, InvalidParameter, ModelTrainingFailed
from neurogate.server.recordings.recording import Recording
from neurogate.server.signal.bands import DEFAULT_BANDS, band_powers
from neurogate.server.signal.filters import FilterStage, design_sos

FEATURES = ("band_power", "csp")
CLASSIFIERS = ("lda", "logistic_regression")
DEFAULT_FEATURES = "band_power"
DEFAULT_CLASSIFIER = "lda"
DEFAULT_EPOCH_SECONDS = 1.0
DEFAULT_CV_FOLDS = 5
MAX_CV_FOLDS = 20
#: Fewer epochs of a class cannot be cross-validated (two folds at least).
MIN_EPOCHS_PER_CLASS = 2
#: Added to powers and variances before the log: far below any real EEG power
#: (uV^2), it only keeps a flat channel finite.
LOG_FLOOR = 1e-12
#: Band-pass before CSP, Hz: the mu and beta rhythms of motor imagery.
CSP_BAND = (8.0, 30.0)
CSP_ORDER = 4
#: Filters taken from each end of each eigenproblem's spectrum.
CSP_PAIRS = 2


# ---------------------------------------------------------------- epochs


@dataclass(frozen=True)
class EpochSpec:
    """How markers become epochs; zeros and empties are the defaults."""

    #: Channel numbers as recorded; every recorded channel when empty.
    channels: tuple[int, ...] = ()
    epoch_start_seconds: float = 0.0
    epoch_seconds: float = DEFAULT_EPOCH_SECONDS
    marker_types: tuple[str, ...] = ()
    label_key: str = ""


@dataclass(frozen=True)
class Epochs:
    #: (epochs, channels, samples), raw microvolts.
    data: np.ndarray
    #: (epochs,) class labels.
    labels: np.ndarray
    sample_rate: float
    channel_numbers: tuple[int, ...]
    channel_names: tuple[str, ...]
    epoch_samples: int
    #: Samples from a marker to its epoch's first sample.
    offset_samples: int
    #: Markers that gave no epoch, by reason.
    skipped: dict[str, int] = field(default_factory=dict)


def _check_spec(spec: EpochSpec) -> None:
    if not math.isfinite(spec.epoch_start_seconds):
        raise InvalidParameter(
            "epoch_start_seconds must be a finite number of seconds",
            parameter="epoch_start_seconds",
            value=str(spec.epoch_start_seconds),
        )
    if not (math.isfinite(spec.epoch_seconds) and spec.epoch_seconds > 0):
        raise InvalidParameter(
            "epoch_seconds must be a positive number of seconds (1 when 0)",
            parameter="epoch_seconds",
            value=str(spec.epoch_seconds),
        )
    if len(set(spec.channels)) != len(spec.channels):
        raise InvalidParameter(
            "channels lists a channel more than once",
            parameter="channels",
            value=list(spec.channels),
        )


def _channel_columns(recording: Recording, wanted: tuple[int, ...]) -> list[int]:
    index = {number: i for i, number in enumerate(recording.channel_numbers)}
    missing = [n for n in wanted if n not in index]
    if missing:
        raise InvalidParameter(
            f"session {recording.session_id} has no channel {missing[0]}",
            parameter="channels",
            value=missing[0],
            session_id=recording.session_id,
            valid_choices=list(recording.channel_numbers),
        )
    return [index[n] for n in wanted]


def _check_same_layout(
    first: Recording, other: Recording, channels: tuple[int, ...], every: bool
) -> None:
    if not math.isclose(first.sample_rate, other.sample_rate, rel_tol=1e-9):
        raise InvalidParameter(
            f"session {other.session_id} samples at {other.sample_rate:g} Hz but session "
            f"{first.session_id} at {first.sample_rate:g} Hz: a model is trained at one rate",
            parameter="session_ids",
            value=other.session_id,
            sample_rate=other.sample_rate,
            expected=first.sample_rate,
        )
    names = dict(zip(first.channel_numbers, first.channel_names, strict=True))
    other_names = dict(zip(other.channel_numbers, other.channel_names, strict=True))
    same = all(other_names.get(n) == names[n] for n in channels)
    if not same or (every and other_names != names):
        raise InvalidParameter(
            f"session {other.session_id} records other channels than session "
            f"{first.session_id}: train on sessions of the same channels, or choose common "
            "ones with channels",
            parameter="session_ids",
            value=other.session_id,
            channels=list(other.channel_names),
            expected=[names[n] for n in channels],
        )


def epoch_recordings(recordings: Sequence[Recording], spec: EpochSpec) -> Epochs:
    """The labelled epochs of ``recordings`` (see the module docstring).

    Refuses (:class:`InvalidParameter`) recordings of different sample rates
    or channels, unknown or repeated channels and bad epoch settings; and
    (:class:`InsufficientData`) when no marker gives an epoch.
    """
    if not recordings:
        raise InvalidParameter("session_ids needs at least one session", parameter="session_ids")
    _check_spec(spec)
    first = recordings[0]
    channels = spec.channels or tuple(first.channel_numbers)
    _channel_columns(first, channels)
    for other in recordings[1:]:
        _check_same_layout(first, other, channels, every=not spec.channels)
    rate = float(first.sample_rate)
    epoch_samples = round(spec.epoch_seconds * rate)
    if epoch_samples < 2:
        raise InvalidParameter(
            f"epoch_seconds must span at least 2 samples at {rate:g} Hz",
            parameter="epoch_seconds",
            value=spec.epoch_seconds,
            valid_range=[2 / rate, None],
        )
    offset = round(spec.epoch_start_seconds * rate)
    types = set(spec.marker_types)
    epochs: list[np.ndarray] = []
    labels: list[str] = []
    skipped: Counter[str] = Counter()
    seen_types: set[str] = set()
    for recording in recordings:
        columns = _channel_columns(recording, channels)
        samples = np.asarray(recording.samples, dtype=np.float64)
        for marker in recording.markers:
            seen_types.add(marker.type)
            if types and marker.type not in types:
                continue
            label = marker.metadata.get(spec.label_key) if spec.label_key else marker.type
            if not label:
                skipped["no_label"] += 1
                continue
            start = marker.sample_index + offset
            if start < 0 or start + epoch_samples > len(samples):
                skipped["outside_recording"] += 1
                continue
            epochs.append(samples[start : start + epoch_samples, columns].T)
            labels.append(label)
    if not epochs:
        reason = (
            "no marker of the sessions matches marker_types"
            if types and not types & seen_types
            else "the sessions hold no markers"
            if not seen_types
            else "no marker gives a whole, labelled epoch"
        )
        raise InsufficientData(
            f"no epochs to train on: {reason}",
            parameter="session_ids",
            marker_types_found=sorted(seen_types),
            skipped=dict(skipped),
            suggestion="check marker_types and label_key, or the epoch window against the "
            "recordings' length",
        )
    names = dict(zip(first.channel_numbers, first.channel_names, strict=True))
    return Epochs(
        data=np.stack(epochs),
        labels=np.array(labels, dtype=object),
        sample_rate=rate,
        channel_numbers=tuple(channels),
        channel_names=tuple(names[n] for n in channels),
        epoch_samples=epoch_samples,
        offset_samples=offset,
        skipped=dict(skipped),
    )


# ---------------------------------------------------------------- features


def _check_epochs(X: np.ndarray) -> np.ndarray:
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 3:
        raise ValueError(f"expected (epochs, channels, samples), got shape {X.shape}")
    return X


def usable_bands(sample_rate: float) -> tuple[tuple[str, float, float], ...]:
    """The default bands cut at the Nyquist frequency; those above it dropped."""
    nyquist = sample_rate / 2
    return tuple((n, lo, min(hi, nyquist)) for n, lo, hi in DEFAULT_BANDS if lo < nyquist)


class BandPowerFeatures(TransformerMixin, BaseEstimator):
    """Log band power of every channel and band, channel-major."""

    def __init__(self, sample_rate: float = 250.0) -> None:
        self.sample_rate = sample_rate

    def fit(self, X: np.ndarray, y: object = None) -> BandPowerFeatures:
        X = _check_epochs(X)
        self.bands_ = usable_bands(self.sample_rate)
        self.n_channels_ = X.shape[1]
        return self

    def transform(self, X: np.ndarray) -> np.ndarray:
        X = _check_epochs(X)
        rows = [band_powers(epoch, self.sample_rate, self.bands_).absolute.ravel() for epoch in X]
        return np.log(np.array(rows) + LOG_FLOOR)


def _bandpass(X: np.ndarray, sample_rate: float) -> np.ndarray:
    low, high = CSP_BAND
    sos = design_sos(FilterStage("bandpass", low=low, high=high, order=CSP_ORDER), sample_rate)
    return sps.sosfiltfilt(sos, X, axis=-1)


def _normalised_covariances(X: np.ndarray) -> np.ndarray:
    """(epochs, channels, channels): each epoch's covariance over unit trace."""
    centred = X - X.mean(axis=-1, keepdims=True)
    covariances = np.einsum("ecs,eds->ecd", centred, centred)
    traces = np.trace(covariances, axis1=1, axis2=2)
    if not (traces > 0).all():
        raise InsufficientData(
            "an epoch is flat in the CSP band on every channel", parameter="session_ids"
        )
    return covariances / traces[:, None, None]


def csp_filters(class_cov: np.ndarray, rest_cov: np.ndarray, pairs: int) -> np.ndarray:
    """(channels, 2 * pairs) filters of ``class_cov`` against ``rest_cov``:
    the generalised eigenvectors of ``class_cov w = lambda (class_cov +
    rest_cov) w`` with the ``pairs`` smallest and ``pairs`` largest
    eigenvalues, smallest first."""
    try:
        _, vectors = linalg.eigh(class_cov, class_cov + rest_cov)
    except linalg.LinAlgError as error:
        raise InvalidParameter(
            "the channels' covariance is singular (a flat channel, or channels that are "
            "copies or sums of others); CSP cannot separate them",
            parameter="channels",
            suggestion="leave such channels out with channels, or use band_power features",
        ) from error
    return np.concatenate([vectors[:, :pairs], vectors[:, -pairs:]], axis=1)


class CommonSpatialPatterns(TransformerMixin, BaseEstimator):
    """Band-pass, CSP spatial filters, log-variance (module docstring)."""

    def __init__(self, sample_rate: float = 250.0) -> None:
        self.sample_rate = sample_rate

    def fit(self, X: np.ndarray, y: np.ndarray) -> CommonSpatialPatterns:
        X = _check_epochs(X)
        y = np.asarray(y)
        if X.shape[1] < 2:
            raise InvalidParameter(
                "CSP needs at least 2 channels", parameter="channels", value=X.shape[1]
            )
        covariances = _normalised_covariances(_bandpass(X, self.sample_rate))
        self.classes_ = np.unique(y)
        pairs = min(CSP_PAIRS, X.shape[1] // 2)
        mean = {c: covariances[y == c].mean(axis=0) for c in self.classes_}
        if len(self.classes_) == 2:
            a, b = self.classes_
            self.filters_ = csp_filters(mean[a], mean[b], pairs)
        else:
            self.filters_ = np.concatenate(
                [
                    csp_filters(mean[c], covariances[y != c].mean(axis=0), pairs)
                    for c in self.classes_
                ],
                axis=1,
            )
        return self

    def transform(self, X: np.ndarray) -> np.ndarray:
        filtered = _bandpass(_check_epochs(X), self.sample_rate)
        sources = np.einsum("ck,ecs->eks", self.filters_, filtered)
        return np.log(sources.var(axis=-1) + LOG_FLOOR)


def _features(name: str, sample_rate: float) -> TransformerMixin:
    if name == "band_power":
        return BandPowerFeatures(sample_rate)
    if name == "csp":
        low, high = CSP_BAND
        if sample_rate / 2 <= high:
            raise InvalidParameter(
                f"csp band-passes {low:g}-{high:g} Hz, which needs a sample rate above "
                f"{2 * high:g} Hz; the sessions sample at {sample_rate:g} Hz",
                parameter="features",
                value=name,
                valid_choices=list(FEATURES),
            )
        return CommonSpatialPatterns(sample_rate)
    raise InvalidParameter(
        f"unknown features {name!r}", parameter="features", value=name, valid_choices=list(FEATURES)
    )


def _classifier(name: str) -> BaseEstimator:
    if name == "lda":
        return LinearDiscriminantAnalysis(solver="lsqr", shrinkage="auto")
    if name == "logistic_regression":
        return LogisticRegression(max_iter=1000)
    raise InvalidParameter(
        f"unknown classifier {name!r}",
        parameter="classifier",
        value=name,
        valid_choices=list(CLASSIFIERS),
    )


def build_pipeline(features: str, classifier: str, sample_rate: float) -> Pipeline:
    """Raw epochs in, classes out: features, standardisation, classifier."""
    return Pipeline(
        [
            ("features", _features(features, sample_rate)),
            ("scale", StandardScaler()),
            ("classifier", _classifier(classifier)),
        ]
    )


# ---------------------------------------------------------------- training


@dataclass(frozen=True)
class EegTraining:
    pipeline: Pipeline
    classes: list[str]
    epochs_per_class: dict[str, int]
    cv_folds: int
    cv_scores: list[float]

    @property
    def cv_accuracy(self) -> float:
        return float(np.mean(self.cv_scores))

    @property
    def cv_std(self) -> float:
        """Population standard deviation of the fold scores (ddof=0), as
        scikit-learn's own ``cv_results_`` report it."""
        return float(np.std(self.cv_scores))


def _folds(requested: int, counts: Counter[str]) -> int:
    smallest_class, smallest = min(counts.items(), key=lambda item: (item[1], item[0]))
    if smallest < MIN_EPOCHS_PER_CLASS:
        raise InsufficientData(
            f"class {smallest_class!r} has {smallest} epoch(s); cross-validation needs at least "
            f"{MIN_EPOCHS_PER_CLASS} of every class",
            parameter="session_ids",
            epochs_per_class=dict(counts),
            required=MIN_EPOCHS_PER_CLASS,
        )
    if requested == 0:  # the default, capped by the smallest class
        return min(DEFAULT_CV_FOLDS, smallest)
    if not 2 <= requested <= MAX_CV_FOLDS:
        raise InvalidParameter(
            f"cv_folds must be between 2 and {MAX_CV_FOLDS} (5 when 0)",
            parameter="cv_folds",
            value=requested,
            valid_range=[2, MAX_CV_FOLDS],
        )
    if smallest < requested:
        raise InsufficientData(
            f"class {smallest_class!r} has {smallest} epochs, fewer than the {requested} "
            "cross-validation folds",
            parameter="cv_folds",
            value=requested,
            epochs_per_class=dict(counts),
            suggestion=f"use at most {smallest} folds, or record more epochs",
        )
    return requested


def train_eeg(
    epochs: Epochs,
    features: str = DEFAULT_FEATURES,
    classifier: str = DEFAULT_CLASSIFIER,
    cv_folds: int = 0,
) -> EegTraining:
    """A pipeline fitted on every epoch, with its cross-validated accuracy.

    Refuses (:class:`InsufficientData`) one class only, a class with fewer
    epochs than :data:`MIN_EPOCHS_PER_CLASS` or than the requested folds;
    (:class:`InvalidParameter`) unknown features or classifier, bad folds.
    """
    pipeline = build_pipeline(features, classifier, epochs.sample_rate)
    counts = Counter(str(label) for label in epochs.labels)
    if len(counts) < 2:
        raise InsufficientData(
            f"every epoch has the class {next(iter(counts))!r}; a classifier needs at least "
            "two classes",
            parameter="label_key",
            epochs_per_class=dict(counts),
            suggestion="label the markers' classes with label_key, or include markers of "
            "other classes",
        )
    folds = _folds(cv_folds, counts)
    X, y = epochs.data, epochs.labels.astype(str)
    try:
        scores = cross_val_score(
            pipeline,
            X,
            y,
            cv=StratifiedKFold(n_splits=folds),
            scoring="accuracy",
            error_score="raise",
        )
        pipeline.fit(X, y)
    except (ValueError, np.linalg.LinAlgError) as error:  # the estimators' own refusals
        raise ModelTrainingFailed(
            f"{classifier} on {features} features could not be fitted: {error}",
            features=features,
            classifier=classifier,
        ) from error
    classes = [str(c) for c in pipeline.classes_]
    return EegTraining(
        pipeline=pipeline,
        classes=classes,
        epochs_per_class={c: counts[c] for c in classes},
        cv_folds=folds,
        cv_scores=[float(s) for s in scores],
    )


# ---------------------------------------------------------------- inference


def predict_signal(
    pipeline: Pipeline, signal: np.ndarray, epoch_samples: int
) -> tuple[list[str], np.ndarray]:
    """Class probabilities of a ``(channels, samples)`` signal: cut into as
    many whole consecutive epochs as fit, counted back from its LAST sample
    (leading samples that make no whole epoch are dropped), each classified,
    and the probabilities averaged over the epochs. The caller checks that at
    least one epoch fits."""
    count = signal.shape[1] // epoch_samples
    tail = signal[:, signal.shape[1] - count * epoch_samples :]
    epochs = tail.reshape(signal.shape[0], count, epoch_samples).transpose(1, 0, 2)
    probabilities = pipeline.predict_proba(epochs).mean(axis=0)
    return [str(c) for c in pipeline.classes_], probabilities


#: A sample rate derived from ``duration_ms`` may be off by the duration's
#: rounding (to whole milliseconds, or a client's clock): it matches within 1%.
DURATION_RATE_TOLERANCE = 0.01


def input_sample_rate(sample_rate: float, duration_ms: float, samples: int) -> tuple[float, bool]:
    """The sample rate of an inference request's ``samples`` samples and
    whether it was derived from ``duration_ms`` (the span they cover:
    ``samples / duration``). ``sample_rate`` wins; when both are given they
    must agree within :data:`DURATION_RATE_TOLERANCE`."""
    if not math.isfinite(sample_rate) or sample_rate < 0:
        raise InvalidParameter(
            "input_data.sample_rate must be a positive number of Hz",
            parameter="input_data.sample_rate",
            value=str(sample_rate),
        )
    if not math.isfinite(duration_ms) or duration_ms < 0:
        raise InvalidParameter(
            "input_data.duration_ms must be a positive number of milliseconds",
            parameter="input_data.duration_ms",
            value=str(duration_ms),
        )
    if not sample_rate and not duration_ms:
        raise InvalidParameter(
            "input_data needs sample_rate, or duration_ms (the span of the samples) to derive it",
            parameter="input_data.sample_rate",
        )
    derived = samples / (duration_ms / 1000) if duration_ms else 0.0
    if (
        sample_rate
        and derived
        and not math.isclose(sample_rate, derived, rel_tol=DURATION_RATE_TOLERANCE)
    ):
        raise InvalidParameter(
            f"{samples} samples over {duration_ms:g} ms are {derived:g} Hz, not the "
            f"sample_rate of {sample_rate:g} Hz",
            parameter="input_data.duration_ms",
            value=duration_ms,
            sample_rate=sample_rate,
        )
    return (float(sample_rate), False) if sample_rate else (derived, True)


def check_model_rate(rate: float, derived: bool, model_rate: float) -> None:
    """Refuses input at another rate than the model was trained at (a rate
    derived from the duration within :data:`DURATION_RATE_TOLERANCE`)."""
    tolerance = DURATION_RATE_TOLERANCE if derived else 1e-9
    if not math.isclose(rate, model_rate, rel_tol=tolerance):
        raise InvalidParameter(
            f"the model was trained at {model_rate:g} Hz; this input is at {rate:g} Hz"
            + (" (from duration_ms)" if derived else ""),
            parameter="input_data.duration_ms" if derived else "input_data.sample_rate",
            value=rate,
            expected=model_rate,
        )
