"""Power in frequency bands, from Welch's power spectral density.

Method, fixed here:

- PSD: :func:`scipy.signal.welch` per channel with a Hann window, segments of
  ``segment_seconds * sample_rate`` samples (by default 2 s, or the whole
  signal when it is shorter), 50% overlap (``nperseg // 2``), each segment's
  mean removed (welch's default ``detrend="constant"``), segment spectra
  averaged by their mean, one-sided "density" scaling: signal units squared
  per Hz (uV^2/Hz for EEG in microvolts). The frequency resolution is
  ``sample_rate / nperseg`` (0.5 Hz for 2 s segments).
- Band power: the sum of the PSD over the frequency bins ``f`` with
  ``low <= f < high``, times the bin width (a rectangle-rule integral), in
  signal units squared. Unlike the trapezoid rule over the bins in a band, the
  rectangle rule gives each bin wholly to exactly one of two adjacent bands,
  so the powers of contiguous bands add up to the power over their union.
- Relative power: a band's share of the sum of the requested bands' powers
  (not of the whole spectrum); all zeros for a channel with no power in any
  band (a flat channel).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from numbers import Real

import numpy as np
from scipy import signal as sps

from neurogate.server.errors import InsufficientData, InvalidParameter
from neurogate.server.signal.checks import check_sample_rate

DEFAULT_BANDS: tuple[tuple[str, float, float], ...] = (
    ("delta", 1.0, 4.0),
    ("theta", 4.0, 8.0),
    ("alpha", 8.0, 13.0),
    ("beta", 13.0, 30.0),
    ("gamma", 30.0, 45.0),
)
DEFAULT_SEGMENT_SECONDS = 2.0


@dataclass(frozen=True)
class BandPowers:
    """Band powers of each channel, rows in the input's channel order."""

    bands: tuple[tuple[str, float, float], ...]
    #: (channels, bands): signal units squared.
    absolute: np.ndarray
    #: (channels, bands): share of the sum over the requested bands, 0..1.
    relative: np.ndarray
    #: Spacing of the PSD's frequencies, Hz.
    frequency_resolution: float
    #: How the powers were computed, for people.
    method: str


def _check_bands(
    bands: Sequence[tuple[str, float, float]], nyquist: float
) -> tuple[tuple[str, float, float], ...]:
    if not bands:
        raise InvalidParameter("at least one band is needed", parameter="bands", value=[])
    seen: set[str] = set()
    checked = []
    for i, (name, low, high) in enumerate(bands):
        if not isinstance(name, str) or not name.strip():
            raise InvalidParameter(
                f"bands[{i}] needs a name", parameter=f"bands[{i}].name", value=name
            )
        if name in seen:
            raise InvalidParameter(
                f"band name {name!r} appears more than once",
                parameter=f"bands[{i}].name",
                value=name,
            )
        seen.add(name)
        if not (math.isfinite(low) and 0 <= low < nyquist):
            field, value = "low", low
        elif not (math.isfinite(high) and low < high <= nyquist):
            field, value = "high", high
        else:
            field = ""
        if field:
            raise InvalidParameter(
                f"band {name!r} must satisfy 0 <= low < high <= {nyquist:g} Hz "
                "(the Nyquist frequency at this sample rate)",
                parameter=f"bands[{i}].{field}",
                value=value,
                valid_range=[0, nyquist],
            )
        checked.append((name, float(low), float(high)))
    return tuple(checked)


def _segment_samples(samples: int, sample_rate: float, segment_seconds: float) -> int:
    if not (isinstance(segment_seconds, Real) and math.isfinite(segment_seconds)) or (
        segment_seconds < 0
    ):
        raise InvalidParameter(
            "segment_seconds must be 0 (the default, min(2 s, the signal)) or a positive "
            "number of seconds",
            parameter="segment_seconds",
            value=segment_seconds,
        )
    if segment_seconds == 0:
        return min(round(DEFAULT_SEGMENT_SECONDS * sample_rate), samples)
    nperseg = round(segment_seconds * sample_rate)
    if nperseg < 2:
        raise InvalidParameter(
            "segment_seconds must span at least 2 samples",
            parameter="segment_seconds",
            value=segment_seconds,
            valid_range=[2 / sample_rate, None],
        )
    if nperseg > samples:
        raise InsufficientData(
            f"a {segment_seconds:g} s segment needs {nperseg} samples per channel; the "
            f"signal has {samples}",
            parameter="data",
            value=samples,
            required=nperseg,
            suggestion="send a longer signal or choose a shorter segment_seconds",
        )
    return nperseg


def band_powers(
    matrix: np.ndarray,
    sample_rate: float,
    bands: Sequence[tuple[str, float, float]] = DEFAULT_BANDS,
    segment_seconds: float = 0,
) -> BandPowers:
    """Absolute and relative power of each channel of ``matrix`` (channels,
    samples) in each band ``(name, low, high)``, ``low`` inclusive and ``high``
    exclusive, in Hz. The module docstring gives the method.

    Refuses (:class:`~neurogate.server.errors.InvalidParameter`) bad bands
    (empty or repeated names, not ``0 <= low < high <= Nyquist``) and bands
    holding no frequency bin at this resolution;
    (:class:`~neurogate.server.errors.InsufficientData`) a signal shorter than
    one segment, or of fewer than 2 samples.
    """
    matrix = np.asarray(matrix, dtype=np.float64)
    check_sample_rate(sample_rate)
    if matrix.ndim != 2 or not matrix.size:
        raise InvalidParameter(
            "the signal must be a non-empty (channels, samples) matrix",
            parameter="data",
            value=list(matrix.shape),
        )
    checked = _check_bands(bands, sample_rate / 2)
    samples = matrix.shape[1]
    nperseg = _segment_samples(samples, sample_rate, segment_seconds)
    if nperseg < 2:
        raise InsufficientData(
            f"a power spectrum needs at least 2 samples per channel; the signal has {samples}",
            parameter="data",
            value=samples,
            required=2,
        )
    frequencies, psd = sps.welch(
        matrix,
        fs=sample_rate,
        window="hann",
        nperseg=nperseg,
        noverlap=nperseg // 2,
        detrend="constant",
        scaling="density",
        average="mean",
        axis=-1,
    )
    resolution = float(frequencies[1] - frequencies[0])
    absolute = np.empty((matrix.shape[0], len(checked)))
    for j, (name, low, high) in enumerate(checked):
        in_band = (frequencies >= low) & (frequencies < high)
        if not in_band.any():
            raise InvalidParameter(
                f"band {name!r} ({low:g}-{high:g} Hz) holds no frequency bin at a resolution "
                f"of {resolution:g} Hz",
                parameter=f"bands[{j}]",
                value=[low, high],
                suggestion="widen the band or use longer segments (segment_seconds)",
            )
        absolute[:, j] = psd[:, in_band].sum(axis=-1) * resolution
    total = absolute.sum(axis=1, keepdims=True)
    relative = np.divide(absolute, total, out=np.zeros_like(absolute), where=total > 0)
    method = (
        f"welch, hann window, {nperseg} samples per segment ({nperseg / sample_rate:g} s), "
        f"50% overlap ({nperseg // 2} samples), segment mean removed, mean of segments, "
        "density scaling; band power = sum of PSD bins with low <= f < high times the "
        f"{resolution:g} Hz resolution; relative = share of the requested bands' total"
    )
    return BandPowers(
        bands=checked,
        absolute=absolute,
        relative=relative,
        frequency_resolution=resolution,
        method=method,
    )
