"""Filter design, and the causal filter chain that live streams run through.

Design choices, made here once:

- Band-pass, band-stop, high-pass and low-pass filters are Butterworth
  filters (maximally flat pass band) of the requested order, 1 to 10, designed
  by :func:`scipy.signal.butter` directly as second-order sections ("sos"):
  sections stay numerically stable at the high orders and low cut-offs EEG
  needs, where transfer-function coefficients do not. A band-pass or band-stop
  of order ``n`` has ``n`` sections (a ``2n``-th order filter).
- A notch is :func:`scipy.signal.iirnotch` (a second-order IIR notch whose
  -3 dB width is ``frequency / quality``) converted to one section.
- ``environmental_noise`` removes mains interference: one notch at 50 or 60 Hz
  and one at each harmonic strictly below the Nyquist frequency, all with the
  stage's quality factor.
- ``detrend`` is a whole-signal operation, not a recursive filter: it has no
  sections, only offline filtering (:mod:`neurogate.server.signal.offline`)
  applies it, and a live chain refuses it.

:class:`StreamFilter` is causal: each output sample depends only on the samples
before it, and it keeps every channel's filter state between blocks, so a
stream filtered block by block equals the whole recording filtered at once by
:func:`scipy.signal.sosfilt` from a zero initial state. Causal IIR filters
shift phase (delay) in a frequency-dependent way; that is the price of
filtering as the data arrives. A filter's start-up transient (the response to
the step from the zero initial state to the signal's offset) lasts roughly a
few periods of its lowest cut-off.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from numbers import Integral, Real

import numpy as np
from scipy import signal as sps

from neurogate.server.errors import InvalidConfiguration
from neurogate.server.signal.checks import check_sample_rate

FILTER_TYPES = (
    "bandpass",
    "bandstop",
    "highpass",
    "lowpass",
    "notch",
    "environmental_noise",
    "detrend",
)
#: Types a live (causal, stateful) chain accepts.
CAUSAL_FILTER_TYPES = tuple(t for t in FILTER_TYPES if t != "detrend")
DETREND_TYPES = ("linear", "constant")
MAINS_FREQUENCIES = (50.0, 60.0)
#: The FilterStage fields each type uses; it ignores the others.
FILTER_FIELDS: dict[str, tuple[str, ...]] = {
    "bandpass": ("low", "high", "order"),
    "bandstop": ("low", "high", "order"),
    "highpass": ("low", "order"),
    "lowpass": ("high", "order"),
    "notch": ("frequency", "quality"),
    "environmental_noise": ("frequency", "quality"),
    "detrend": ("detrend",),
}
MIN_ORDER = 1
MAX_ORDER = 10

_BUTTERWORTH_TYPES = ("bandpass", "bandstop", "highpass", "lowpass")


@dataclass(frozen=True)
class FilterStage:
    """One filter of a chain. ``low``/``high`` are the cut-offs in Hz
    (``low``: bandpass, bandstop, highpass; ``high``: bandpass, bandstop,
    lowpass); ``frequency`` the centre of a notch or the mains frequency of
    ``environmental_noise``; ``order`` the Butterworth order; ``quality`` the
    notch quality factor; ``detrend`` ``"linear"`` or ``"constant"``."""

    type: str
    low: float | None = None
    high: float | None = None
    frequency: float | None = None
    order: int = 4
    quality: float = 30.0
    detrend: str = "linear"


def _field_names(parameter: str) -> Callable[[str], str]:
    return lambda field: f"{parameter}.{field}" if parameter else field


def _cutoff(stage: FilterStage, field: str, nyquist: float, name: Callable[[str], str]) -> float:
    value = getattr(stage, field)
    if value is None:
        raise InvalidConfiguration(
            f"a {stage.type} filter needs {field} (Hz)",
            parameter=name(field),
            value=None,
            valid_range=[0, nyquist],
        )
    if not 0 < value < nyquist:
        raise InvalidConfiguration(
            f"{name(field)} must be above 0 Hz and below the Nyquist frequency "
            f"({nyquist:g} Hz at this sample rate)",
            parameter=name(field),
            value=value,
            valid_range=[0, nyquist],
        )
    return float(value)


def _check_order(stage: FilterStage, name: Callable[[str], str]) -> None:
    order = stage.order
    if (
        isinstance(order, bool)
        or not isinstance(order, Integral)
        or not MIN_ORDER <= order <= MAX_ORDER
    ):
        raise InvalidConfiguration(
            f"{name('order')} must be a whole number from {MIN_ORDER} to {MAX_ORDER}",
            parameter=name("order"),
            value=order,
            valid_range=[MIN_ORDER, MAX_ORDER],
        )


def _check_quality(stage: FilterStage, name: Callable[[str], str]) -> None:
    if not (math.isfinite(stage.quality) and stage.quality > 0):
        raise InvalidConfiguration(
            f"{name('quality')} (the notch quality factor) must be greater than 0",
            parameter=name("quality"),
            value=stage.quality,
            valid_range=[0, None],
        )


def _notch(frequency: float, quality: float, sample_rate: float) -> np.ndarray:
    b, a = sps.iirnotch(frequency, quality, fs=sample_rate)
    return sps.tf2sos(b, a)


def _butterworth(
    stage: FilterStage, sample_rate: float, nyquist: float, name: Callable[[str], str]
) -> np.ndarray:
    _check_order(stage, name)
    if stage.type in ("bandpass", "bandstop"):
        low = _cutoff(stage, "low", nyquist, name)
        high = _cutoff(stage, "high", nyquist, name)
        if low >= high:
            raise InvalidConfiguration(
                f"{name('low')} must be below {name('high')} ({high:g} Hz)",
                parameter=name("low"),
                value=low,
                valid_range=[0, high],
                suggestion="swap low and high",
            )
        wn: float | list[float] = [low, high]
    elif stage.type == "highpass":
        wn = _cutoff(stage, "low", nyquist, name)
    else:
        wn = _cutoff(stage, "high", nyquist, name)
    return sps.butter(stage.order, wn, btype=stage.type, output="sos", fs=sample_rate)


def _environmental_noise(
    stage: FilterStage, sample_rate: float, nyquist: float, name: Callable[[str], str]
) -> np.ndarray:
    if stage.frequency not in MAINS_FREQUENCIES:
        raise InvalidConfiguration(
            f"{name('frequency')} must be the mains frequency, 50 or 60 Hz",
            parameter=name("frequency"),
            value=stage.frequency,
            valid_choices=list(MAINS_FREQUENCIES),
        )
    mains = float(stage.frequency)
    if mains >= nyquist:
        raise InvalidConfiguration(
            f"{mains:g} Hz mains is not below the Nyquist frequency ({nyquist:g} Hz at "
            "this sample rate), so there is nothing to remove",
            parameter=name("frequency"),
            value=stage.frequency,
            valid_range=[0, nyquist],
        )
    _check_quality(stage, name)
    harmonics = np.arange(mains, nyquist, mains)
    return np.concatenate([_notch(f, stage.quality, sample_rate) for f in harmonics])


def _design(stage: FilterStage, sample_rate: float, name: Callable[[str], str]) -> np.ndarray:
    check_sample_rate(sample_rate, InvalidConfiguration)
    nyquist = sample_rate / 2
    if stage.type in _BUTTERWORTH_TYPES:
        return _butterworth(stage, sample_rate, nyquist, name)
    if stage.type == "notch":
        frequency = _cutoff(stage, "frequency", nyquist, name)
        _check_quality(stage, name)
        return _notch(frequency, stage.quality, sample_rate)
    if stage.type == "environmental_noise":
        return _environmental_noise(stage, sample_rate, nyquist, name)
    if stage.type == "detrend":
        raise InvalidConfiguration(
            "detrend is a whole-signal operation, not a recursive filter: it has no "
            "second-order sections",
            parameter=name("type"),
            value=stage.type,
            valid_choices=list(CAUSAL_FILTER_TYPES),
        )
    raise InvalidConfiguration(
        f"unknown filter type {stage.type!r}",
        parameter=name("type"),
        value=stage.type,
        valid_choices=list(FILTER_TYPES),
    )


def design_sos(stage: FilterStage, sample_rate: float, *, parameter: str = "") -> np.ndarray:
    """The stage as second-order sections, shape ``(sections, 6)``, for
    :func:`scipy.signal.sosfilt` at ``sample_rate`` Hz.

    Refuses an impossible stage with
    :class:`~neurogate.server.errors.InvalidConfiguration` naming the field
    (prefixed with ``parameter`` when given, e.g. ``"filters[0].low"``) and its
    valid range or choices. ``detrend`` is refused: it has no sections.
    """
    return _design(stage, sample_rate, _field_names(parameter))


def check_detrend(stage: FilterStage, *, parameter: str = "") -> None:
    """Refuses a detrend stage whose ``detrend`` kind is not linear or constant."""
    if stage.detrend not in DETREND_TYPES:
        name = _field_names(parameter)
        raise InvalidConfiguration(
            f"unknown detrend {stage.detrend!r}",
            parameter=name("detrend"),
            value=stage.detrend,
            valid_choices=list(DETREND_TYPES),
        )


def cascade(stages: Sequence[FilterStage], sample_rate: float) -> np.ndarray:
    """All stages' sections in order, as one ``(sections, 6)`` array (empty
    for no stages); filtering with it equals filtering by each stage in turn."""
    sections = [
        design_sos(stage, sample_rate, parameter=f"filters[{i}]") for i, stage in enumerate(stages)
    ]
    return np.concatenate(sections) if sections else np.empty((0, 6))


def _live_value(parameter: str, value: float) -> float:
    if not (isinstance(value, Real) and math.isfinite(value)) or value < 0:
        raise InvalidConfiguration(
            f"{parameter} must be a frequency in Hz, or 0 for off",
            parameter=parameter,
            value=value,
            valid_range=[0, None],
        )
    return float(value)


def live_stages(
    notch: float = 0,
    bandpass: Sequence[float] = (),
    highpass: float = 0,
    lowpass: float = 0,
    *,
    sample_rate: float | None = None,
) -> list[FilterStage]:
    """A device stream's filter settings (``{notch, bandpass: [low, high],
    highpass, lowpass}``; 0, an empty band-pass or ``[0, 0]`` = off) as
    stages, in the order notch, band-pass, high-pass, low-pass; Butterworth
    stages are 4th order, the notch has quality 30.

    Errors name ``filters.notch``, ``filters.bandpass``, ``filters.highpass``
    or ``filters.lowpass``. With ``sample_rate`` the stages are also designed,
    so a cut-off at or above the Nyquist frequency is refused under the same
    names; without it that check happens when :class:`StreamFilter` is built.
    """
    stages: list[tuple[str, FilterStage]] = []
    if _live_value("filters.notch", notch):
        stages.append(("filters.notch", FilterStage("notch", frequency=float(notch))))
    bandpass = list(bandpass)
    if bandpass and len(bandpass) != 2:
        raise InvalidConfiguration(
            "filters.bandpass must be two frequencies, [low, high] in Hz, or empty for off",
            parameter="filters.bandpass",
            value=bandpass,
        )
    if bandpass and any(_live_value("filters.bandpass", v) for v in bandpass):
        low, high = (float(v) for v in bandpass)
        if not 0 < low < high:
            raise InvalidConfiguration(
                "filters.bandpass must be [low, high] with 0 < low < high",
                parameter="filters.bandpass",
                value=bandpass,
                suggestion="use highpass or lowpass for a one-sided filter",
            )
        stages.append(("filters.bandpass", FilterStage("bandpass", low=low, high=high)))
    if _live_value("filters.highpass", highpass):
        stages.append(("filters.highpass", FilterStage("highpass", low=float(highpass))))
    if _live_value("filters.lowpass", lowpass):
        stages.append(("filters.lowpass", FilterStage("lowpass", high=float(lowpass))))
    if sample_rate is not None:
        for parameter, stage in stages:
            _design(stage, sample_rate, lambda _field, parameter=parameter: parameter)
    return [stage for _, stage in stages]


class StreamFilter:
    """Causal filter chain for live blocks; keeps each channel's filter state
    (sosfilt zi) across blocks, so filtering a stream block by block gives exactly
    what filtering the whole recording at once would (scipy.signal.sosfilt with zero
    initial state), to float tolerance.

    All stages are cascaded into one array of sections, so a block costs one
    :func:`scipy.signal.sosfilt` call whatever the number of stages. An empty
    chain passes blocks through unchanged.
    """

    def __init__(self, stages: Sequence[FilterStage], sample_rate: float, channels: int) -> None:
        if isinstance(channels, bool) or not isinstance(channels, Integral) or channels < 1:
            raise InvalidConfiguration(
                "a stream needs at least one channel",
                parameter="channels",
                value=channels,
                valid_range=[1, None],
            )
        check_sample_rate(sample_rate, InvalidConfiguration)
        for i, stage in enumerate(stages):
            if stage.type == "detrend":
                raise InvalidConfiguration(
                    "detrend needs the whole signal, so a live (causal) stream cannot apply it",
                    parameter=f"filters[{i}].type",
                    value=stage.type,
                    valid_choices=list(CAUSAL_FILTER_TYPES),
                )
        self._stages = tuple(stages)
        self._sample_rate = float(sample_rate)
        self._channels = int(channels)
        self._sos = cascade(self._stages, self._sample_rate)
        self._zi = np.zeros((len(self._sos), 2, self._channels))

    @property
    def stages(self) -> tuple[FilterStage, ...]:
        return self._stages

    @property
    def sample_rate(self) -> float:
        return self._sample_rate

    @property
    def channels(self) -> int:
        return self._channels

    def reset(self) -> None:
        """Forgets the filter state, as for a new recording."""
        self._zi[...] = 0.0

    def process(self, block: np.ndarray) -> np.ndarray:
        """Filters the next ``(samples, channels)`` block of the stream and
        returns the filtered block (float64, same shape)."""
        block = np.asarray(block, dtype=np.float64)
        if block.ndim != 2 or block.shape[1] != self._channels:
            raise ValueError(
                f"expected a (samples, {self._channels}) block, got shape {block.shape}"
            )
        if not len(self._sos) or not len(block):
            return block.copy()
        filtered, self._zi = sps.sosfilt(self._sos, block, axis=0, zi=self._zi)
        return filtered
