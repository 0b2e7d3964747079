"""Signal quality, rated from the measured signal (microvolts).

Device status and sessions rate each EEG channel from its recent samples and
the montage from the channels. A rating is one of :data:`QUALITY_LEVELS`,
best first, and the level is the worst that any rule below allows, with the
rules that lowered it listed as ``reasons``:

====================  =========================================  ==================
reason                rule                                       level at best
====================  =========================================  ==================
``non_finite``        any NaN or infinite sample                 poor
``flat``              standard deviation < 0.5 uV (ddof 0)       poor
``railed``            >= 10% of samples railed (see below)       poor
``line_noise``        line-noise ratio > 0.5 / > 0.3 / > 0.15    poor / fair / good
``high_amplitude``    RMS > 100 uV / > 50 uV / > 30 uV           poor / fair / good
``short_window``      less than 1 s of samples                   good
====================  =========================================  ==================

So "excellent" needs at least 1 s of finite samples with an RMS of 0.5 to
30 uV, no railing and at most 15% of the power in the line-noise bands.
Why these numbers:

- Scalp EEG is tens of microvolts: resting rhythms are about 10-50 uV peak,
  an RMS of 5-30 uV. An RMS above 50 uV means movement, muscle or electrode
  artefact or a loose electrode; above 100 uV the channel is mostly artefact.
  Below 0.5 uV the electronics' own noise floor (about 1 uV peak-to-peak on
  OpenBCI boards) is missing too: the input is shorted, disconnected after the
  amplifier, or stuck.
- A railed (saturated) channel sits at the ADC's limit: OpenBCI's Cyton and
  Ganglion boards read +/-4.5 V at gain 24, +/-187,500 uV, so any sample with
  ``|x| >= 187,000 uV`` counts; so do samples equal to the channel's own
  minimum or maximum when that value occurs more than once (a clipped or
  stuck signal repeats its extreme; a live one practically never does). The
  share of such samples is ``railed_fraction``. A constant channel is entirely
  at its extremes: it is reported ``flat`` (and ``railed`` too only if it is
  stuck at the rail).
- Line noise: the share of the Welch power (Hann window, 1 s segments, 50%
  overlap, mean removed) in 48-52 Hz and 58-62 Hz, both inclusive, out of the
  power at all frequencies: mains interference from a poor electrode contact
  or an unshielded cable. Above half the power the channel shows mostly
  mains. The lowest limit, 0.15, is about twice what broadband (white) noise
  alone gives at 250 Hz (10 of the 126 one-hertz bins, 0.08), so noise that
  is not mains does not count as mains; scalp EEG, whose power falls with
  frequency, gives far less (under 0.01 on the synthetic board's rhythms).
  At low sample rates the line bands are a larger share of the spectrum
  (0.16 for white noise at 125 Hz), so judge the ratio there with care. With
  under 1 s of samples the bins are wider than 1 Hz and the ratio is coarser.
- Less than 1 s is too little to see slow drift or to resolve the mains
  frequency well: such a window is rated from what is there but never better
  than "good".

RMS is of the signal as given, mean removed. Raw EEG from a DC-coupled board
drifts (electrode polarisation), which inflates the RMS; rate a high-passed
signal (e.g. :class:`~neurogate.server.signal.filters.StreamFilter` with a
1 Hz high-pass) when the raw one drifts, but not a notch-filtered one if line
noise should show.

:func:`overall_quality` is the median channel's level (the worse of the two
middle levels for an even count): one bad electrode does not condemn a
montage, half of them do.
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

QUALITY_LEVELS = ("excellent", "good", "fair", "poor")

FLAT_STD_UV = 0.5
RAIL_UV = 187_000.0
RAILED_FRACTION = 0.10
#: (ratio above which, level at best), worst first.
LINE_NOISE_LIMITS = ((0.5, "poor"), (0.3, "fair"), (0.15, "good"))
#: (RMS in uV above which, level at best), worst first.
RMS_LIMITS_UV = ((100.0, "poor"), (50.0, "fair"), (30.0, "good"))
MIN_SECONDS_FOR_EXCELLENT = 1.0
LINE_BANDS_HZ = ((48.0, 52.0), (58.0, 62.0))


@dataclass(frozen=True)
class ChannelQuality:
    quality: str
    #: Root mean square after removing the mean, uV.
    rms: float
    #: Power in 48-52 and 58-62 Hz over total power, 0..1.
    line_noise_ratio: float
    #: Share of samples railed or stuck at the channel's extreme, 0..1.
    railed_fraction: float
    flat: bool
    #: Why the level is below "excellent", e.g. ("flat",); empty when it is not.
    reasons: tuple[str, ...]


def _railed_fraction(x: np.ndarray) -> float:
    railed = np.abs(x) >= RAIL_UV
    for extreme in (x.max(), x.min()):
        at_extreme = x == extreme
        if np.count_nonzero(at_extreme) > 1:
            railed |= at_extreme
    return float(np.count_nonzero(railed) / len(x))


def _line_noise_ratio(centred: np.ndarray, sample_rate: float) -> float:
    if len(centred) < 2:
        return 0.0
    nperseg = min(len(centred), max(2, round(sample_rate)))
    frequencies, psd = sps.welch(
        centred, fs=sample_rate, window="hann", nperseg=nperseg, noverlap=nperseg // 2
    )
    total = float(psd.sum())
    if total <= 0:
        return 0.0
    line = np.zeros(len(frequencies), dtype=bool)
    for low, high in LINE_BANDS_HZ:
        line |= (frequencies >= low) & (frequencies <= high)
    return float(psd[line].sum() / total)


def _level(value: float, limits: tuple[tuple[float, str], ...]) -> str:
    return next((level for limit, level in limits if value > limit), "excellent")


def channel_quality(samples: np.ndarray, sample_rate: float) -> ChannelQuality:
    """Rates one channel's samples (1-D, microvolts) taken at ``sample_rate``
    Hz; the module docstring gives the rules. Refuses no samples
    (:class:`~neurogate.server.errors.InsufficientData`)."""
    check_sample_rate(sample_rate)
    x = np.asarray(samples, dtype=np.float64)
    if x.ndim != 1:
        raise InvalidParameter(
            "samples must be one channel: a 1-D array", parameter="samples", value=list(x.shape)
        )
    if not len(x):
        raise InsufficientData("no samples to rate", parameter="samples", value=0, required=1)
    seconds = len(x) / sample_rate
    levels: list[tuple[str, str]] = []  # (reason, level at best)
    finite = np.isfinite(x)
    if not finite.all():
        levels.append(("non_finite", "poor"))
        x = x[finite]
    if not len(x):
        return ChannelQuality("poor", 0.0, 0.0, 0.0, False, ("non_finite",))
    centred = x - x.mean()
    rms = float(np.sqrt(np.mean(centred**2)))
    flat = rms < FLAT_STD_UV  # with the mean removed, RMS is the std (ddof 0)
    railed_fraction = _railed_fraction(x)
    line_noise_ratio = _line_noise_ratio(centred, sample_rate)
    if flat:
        levels.append(("flat", "poor"))
    stuck_at_rail = bool(np.any(np.abs(x) >= RAIL_UV))
    if railed_fraction >= RAILED_FRACTION and (not flat or stuck_at_rail):
        levels.append(("railed", "poor"))
    levels.append(("line_noise", _level(line_noise_ratio, LINE_NOISE_LIMITS)))
    levels.append(("high_amplitude", _level(rms, RMS_LIMITS_UV)))
    if seconds < MIN_SECONDS_FOR_EXCELLENT:
        levels.append(("short_window", "good"))
    lowered = [(reason, level) for reason, level in levels if level != "excellent"]
    quality = max((level for _, level in lowered), key=QUALITY_LEVELS.index, default="excellent")
    return ChannelQuality(
        quality=quality,
        rms=rms,
        line_noise_ratio=line_noise_ratio,
        railed_fraction=railed_fraction,
        flat=flat,
        reasons=tuple(reason for reason, _ in lowered),
    )


def overall_quality(levels: Sequence[str]) -> str:
    """The montage's level: the median of the channels' levels, the worse of
    the two middle ones for an even count."""
    if not levels:
        raise InvalidParameter("no channel levels to combine", parameter="levels", value=[])
    for level in levels:
        if level not in QUALITY_LEVELS:
            raise InvalidParameter(
                f"unknown quality level {level!r}",
                parameter="levels",
                value=level,
                valid_choices=list(QUALITY_LEVELS),
            )
    ranked = sorted(levels, key=QUALITY_LEVELS.index)
    return ranked[len(ranked) // 2]


def artifact_percentage(
    data: np.ndarray,
    sample_rate: float,
    threshold_uv: float = 100.0,
    epoch_seconds: float = 1.0,
) -> float:
    """Share (0..100) of epochs in which any channel's peak-to-peak amplitude
    exceeds ``threshold_uv``, or which contain a non-finite value.

    ``data`` is (samples, channels) in microvolts. Epochs are consecutive,
    non-overlapping ``round(epoch_seconds * sample_rate)`` samples; samples
    left over at the end join the last epoch, and a signal shorter than one
    epoch is one epoch. Peak-to-peak ignores a constant offset but not drift.
    """
    check_sample_rate(sample_rate)
    data = np.asarray(data, dtype=np.float64)
    if data.ndim != 2:
        raise InvalidParameter(
            "data must be a (samples, channels) matrix", parameter="data", value=list(data.shape)
        )
    if not data.size:
        raise InsufficientData("no samples to check", parameter="data", value=0, required=1)
    for parameter, value in (("threshold_uv", threshold_uv), ("epoch_seconds", epoch_seconds)):
        if not (isinstance(value, Real) and math.isfinite(value)) or value <= 0:
            raise InvalidParameter(
                f"{parameter} must be a positive number", parameter=parameter, value=value
            )
    epoch = max(1, round(epoch_seconds * sample_rate))
    starts = np.arange(max(1, len(data) // epoch)) * epoch
    with np.errstate(invalid="ignore"):
        peak_to_peak = np.maximum.reduceat(data, starts, axis=0) - np.minimum.reduceat(
            data, starts, axis=0
        )
        too_large = (peak_to_peak > threshold_uv).any(axis=1)
    non_finite = np.logical_or.reduceat(~np.isfinite(data), starts, axis=0).any(axis=1)
    return float(100.0 * np.count_nonzero(too_large | non_finite) / len(starts))
