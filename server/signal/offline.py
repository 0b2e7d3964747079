"""Whole-signal (offline) filtering, as ``POST /v1/processing/filter`` serves it.

Offline, the whole signal is known, so filtering is **zero-phase by default**
(``mode="zero_phase"``): :func:`scipy.signal.sosfiltfilt` runs the filter
forward and then backward, which cancels the phase shift (no delay, peaks stay
where they were) and squares the magnitude response, doubling the effective
order (a 4th-order Butterworth band-pass attenuates like an 8th-order one, and
its cut-offs become -6 dB points instead of -3 dB). sosfiltfilt pads each end
with an odd reflection of the signal of ``3 * (2 * sections + 1)`` samples
(fewer when sections have zero coefficients) and starts from the filter's
steady state, which keeps edge transients small; a signal must be longer than
that padding.

``mode="causal"`` runs the filter forward only (:func:`scipy.signal.sosfilt`
from a zero initial state), exactly as a live stream is filtered
(:class:`~neurogate.server.signal.filters.StreamFilter`): outputs depend only
on earlier samples and carry the filter's phase delay.

Consecutive filter stages are cascaded into one set of second-order sections
and filtered in one call (so zero-phase padding is sized for the whole chain);
a ``detrend`` stage (:func:`scipy.signal.detrend`, least-squares line or mean
removed per channel) splits the chain and applies at its place in the order.
"""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Real
from typing import Any

import numpy as np
from scipy import signal as sps

from neurogate.server.errors import InsufficientData, InvalidParameter
from neurogate.server.signal.checks import check_sample_rate
from neurogate.server.signal.filters import FilterStage, check_detrend, design_sos

LAYOUTS = ("channels", "samples")
MODES = ("zero_phase", "causal")


def _check_layout(layout: str) -> None:
    if layout not in LAYOUTS:
        raise InvalidParameter(
            f"unknown layout {layout!r}",
            parameter="layout",
            value=layout,
            valid_choices=list(LAYOUTS),
        )


def _is_number(value: Any) -> bool:
    return isinstance(value, Real) and not isinstance(value, bool)


def _not_a_number(rows: Sequence[Sequence[Any]], row: int, parameter: str) -> InvalidParameter:
    column, value = next((c, v) for c, v in enumerate(rows[row]) if not _is_number(v))
    return InvalidParameter(
        f"{parameter}[{row}][{column}] is not a number",
        parameter=parameter,
        value=value if value is None or isinstance(value, str | bool) else str(value),
        row=row,
        column=column,
    )


def as_matrix(rows: Sequence[Sequence[float]], layout: str, parameter: str = "data") -> np.ndarray:
    """The rows of a request as a ``(channels, samples)`` float64 matrix;
    refusals name ``parameter`` (the request field the rows came from).

    ``layout="channels"``: each row is one channel's samples;
    ``layout="samples"``: each row is one sample of every channel. Refuses
    (:class:`~neurogate.server.errors.InvalidParameter`) an unknown layout, no
    data, rows of different lengths, and values that are not finite numbers
    (booleans and numeric strings are not numbers); ``row`` and ``column`` in
    the details are 0-based positions in ``rows`` as sent.
    """
    _check_layout(layout)
    if not len(rows) or not len(rows[0]):
        raise InvalidParameter(
            f"{parameter} must hold at least one row with at least one value",
            parameter=parameter,
            value=[],
        )
    width = len(rows[0])
    for index, row in enumerate(rows):
        if len(row) != width:
            raise InvalidParameter(
                f"{parameter}[{index}] has {len(row)} values but data[0] has {width}: every row "
                "must be the same length",
                parameter=parameter,
                value=len(row),
                row=index,
                expected=width,
            )
        # Plain floats and ints are the fast path; anything else is looked at.
        if not set(map(type, row)) <= {float, int} and not all(map(_is_number, row)):
            raise _not_a_number(rows, index, parameter)
    matrix = np.array(rows, dtype=np.float64)
    finite = np.isfinite(matrix)
    if not finite.all():
        row, column = (int(i) for i in np.argwhere(~finite)[0])
        raise InvalidParameter(
            f"{parameter}[{row}][{column}] is not a finite number",
            parameter=parameter,
            value=float(matrix[row, column]),
            row=row,
            column=column,
        )
    return np.ascontiguousarray(matrix.T) if layout == "samples" else matrix


def from_matrix(matrix: np.ndarray, layout: str) -> list[list[float]]:
    """A ``(channels, samples)`` matrix as rows in ``layout``."""
    _check_layout(layout)
    return (matrix.T if layout == "samples" else matrix).tolist()


def _check_signal(matrix: np.ndarray, sample_rate: float, mode: str) -> None:
    check_sample_rate(sample_rate)
    if mode not in MODES:
        raise InvalidParameter(
            f"unknown mode {mode!r}", parameter="mode", value=mode, valid_choices=list(MODES)
        )
    if matrix.ndim != 2 or not matrix.size:
        raise InvalidParameter(
            "the signal must be a non-empty (channels, samples) matrix",
            parameter="data",
            value=list(matrix.shape),
        )


def _zero_phase_samples_needed(sos: np.ndarray) -> int:
    # sosfiltfilt's default padding, which the signal must exceed.
    taps = 2 * len(sos) + 1 - min(int((sos[:, 2] == 0).sum()), int((sos[:, 5] == 0).sum()))
    return 3 * taps + 1


def _chains(stages: Sequence[FilterStage], sample_rate: float) -> list[np.ndarray | FilterStage]:
    """Stages as steps: runs of filters cascaded into one sos array each,
    detrend stages as themselves. Designing checks every stage up front."""
    steps: list[np.ndarray | FilterStage] = []
    for i, stage in enumerate(stages):
        if stage.type == "detrend":
            check_detrend(stage, parameter=f"filters[{i}]")
            steps.append(stage)
            continue
        sos = design_sos(stage, sample_rate, parameter=f"filters[{i}]")
        if steps and isinstance(steps[-1], np.ndarray):
            steps[-1] = np.concatenate([steps[-1], sos])
        else:
            steps.append(sos)
    return steps


def _check_length(steps: list[np.ndarray | FilterStage], samples: int) -> None:
    needed = max(
        (_zero_phase_samples_needed(s) for s in steps if isinstance(s, np.ndarray)), default=0
    )
    if samples < needed:
        raise InsufficientData(
            f"zero-phase filtering with these filters needs at least {needed} samples per "
            f"channel; the signal has {samples}",
            parameter="data",
            value=samples,
            required=needed,
            suggestion='send a longer signal, use fewer or lower-order filters, or mode "causal"',
        )


def filter_signal(
    matrix: np.ndarray,
    sample_rate: float,
    stages: Sequence[FilterStage],
    mode: str = "zero_phase",
) -> np.ndarray:
    """``matrix`` (channels, samples) filtered by ``stages`` in order:
    zero-phase (forward-backward) by default, or causal (forward only).

    Everything is checked before any filtering: an impossible stage raises
    :class:`~neurogate.server.errors.InvalidConfiguration` naming
    ``filters[i].<field>``; a signal too short for zero-phase padding raises
    :class:`~neurogate.server.errors.InsufficientData` with the samples needed.
    No stages return a copy of the signal.
    """
    matrix = np.asarray(matrix, dtype=np.float64)
    _check_signal(matrix, sample_rate, mode)
    steps = _chains(stages, sample_rate)
    if mode == "zero_phase":
        _check_length(steps, matrix.shape[-1])
    result = matrix.copy()
    for step in steps:
        if isinstance(step, FilterStage):
            result = sps.detrend(result, axis=-1, type=step.detrend)
        elif mode == "causal":
            result = sps.sosfilt(step, result, axis=-1)
        else:
            result = sps.sosfiltfilt(step, result, axis=-1)
    return result
