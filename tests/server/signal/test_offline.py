"""Whole-signal filtering: zero-phase by default, causal on request."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import signal as sps

from neurogate.server.errors import InsufficientData, InvalidConfiguration, InvalidParameter
from neurogate.server.signal.filters import FilterStage, design_sos
from neurogate.server.signal.offline import (
    LAYOUTS,
    MODES,
    as_matrix,
    filter_signal,
    from_matrix,
)

FS = 250.0
BANDPASS = FilterStage("bandpass", low=1.0, high=40.0)
NOTCH = FilterStage("notch", frequency=50.0)


def two_channels(seconds: float = 4.0) -> np.ndarray:
    """(channels, samples): alpha plus mains plus noise, with offsets."""
    rng = np.random.default_rng(11)
    t = np.arange(round(seconds * FS)) / FS
    alpha = 20 * np.sin(2 * np.pi * 10 * t)
    mains = 10 * np.sin(2 * np.pi * 50 * t)
    return np.vstack([alpha + mains + 300, 0.5 * alpha - mains - 80]) + rng.normal(
        0, 3, (2, len(t))
    )


# ------------------------------------------------------------------ matrix


def test_layouts_and_modes_are_documented_constants():
    assert LAYOUTS == ("channels", "samples")
    assert MODES == ("zero_phase", "causal")


def test_channel_rows_become_the_matrix_rows():
    matrix = as_matrix([[1, 2, 3], [4.5, 5, 6]], "channels")

    assert matrix.dtype == np.float64
    assert np.array_equal(matrix, [[1, 2, 3], [4.5, 5, 6]])


def test_sample_rows_are_transposed_to_channels():
    matrix = as_matrix([[1, 4], [2, 5], [3, 6]], "samples")

    assert np.array_equal(matrix, [[1, 2, 3], [4, 5, 6]])
    assert matrix.flags.c_contiguous


def test_numpy_numbers_are_numbers():
    matrix = as_matrix([[np.float32(1.5), np.int64(2)]], "channels")

    assert np.array_equal(matrix, [[1.5, 2.0]])


@pytest.mark.parametrize("layout", LAYOUTS)
def test_from_matrix_gives_back_the_rows_in_their_layout(layout):
    rows = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]

    assert from_matrix(as_matrix(rows, layout), layout) == rows


@pytest.mark.parametrize("rows", [[], [[]]])
def test_no_data_is_refused(rows):
    with pytest.raises(InvalidParameter) as raised:
        as_matrix(rows, "channels")

    assert raised.value.details["parameter"] == "data"


def test_ragged_rows_are_refused_naming_the_row():
    with pytest.raises(InvalidParameter) as raised:
        as_matrix([[1, 2, 3], [4, 5, 6], [7, 8]], "channels")

    assert raised.value.details == {"parameter": "data", "value": 2, "row": 2, "expected": 3}


@pytest.mark.parametrize(
    ("bad", "value"),
    [("1.5", "1.5"), (None, None), (True, True), ([1], "[1]"), ({"a": 1}, "{'a': 1}")],
)
def test_a_value_that_is_not_a_number_is_refused_naming_row_and_column(bad, value):
    with pytest.raises(InvalidParameter) as raised:
        as_matrix([[1.0, 2.0, 3.0], [4.0, bad, 6.0]], "channels")

    assert raised.value.details == {"parameter": "data", "value": value, "row": 1, "column": 1}
    assert "data[1][1]" in raised.value.message


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf")])
def test_a_value_that_is_not_finite_is_refused_naming_row_and_column(bad):
    with pytest.raises(InvalidParameter) as raised:
        as_matrix([[1.0, 2.0], [3.0, 4.0], [5.0, bad]], "samples")

    assert raised.value.details["parameter"] == "data"
    assert (raised.value.details["row"], raised.value.details["column"]) == (2, 1)


def test_an_unknown_layout_is_refused_with_the_choices():
    with pytest.raises(InvalidParameter) as raised:
        as_matrix([[1.0]], "columns")

    assert raised.value.details == {
        "parameter": "layout",
        "value": "columns",
        "valid_choices": ["channels", "samples"],
    }


# --------------------------------------------------------------- filtering


def test_zero_phase_is_the_default_and_equals_sosfiltfilt_of_the_cascade():
    signal = two_channels()

    filtered = filter_signal(signal, FS, [BANDPASS, NOTCH])

    sos = np.vstack([design_sos(BANDPASS, FS), design_sos(NOTCH, FS)])
    np.testing.assert_allclose(filtered, sps.sosfiltfilt(sos, signal, axis=-1), rtol=0, atol=1e-9)


def test_causal_mode_equals_sosfilt_from_rest():
    signal = two_channels()

    filtered = filter_signal(signal, FS, [BANDPASS, NOTCH], mode="causal")

    sos = np.vstack([design_sos(BANDPASS, FS), design_sos(NOTCH, FS)])
    np.testing.assert_allclose(filtered, sps.sosfilt(sos, signal, axis=-1), rtol=0, atol=1e-9)


def phase_at_10_hz(x: np.ndarray) -> float:
    """Phase (radians) of x's 10 Hz component relative to sin(2 pi 10 t)."""
    t = np.arange(x.shape[-1]) / FS
    return float(np.arctan2(x @ np.cos(2 * np.pi * 10 * t), x @ np.sin(2 * np.pi * 10 * t)))


def test_zero_phase_filtering_does_not_shift_a_rhythm_but_causal_filtering_delays_it():
    t = np.arange(1000) / FS
    alpha = np.sin(2 * np.pi * 10 * t)[None, :]
    middle = slice(250, 750)  # whole periods, away from the edges

    zero_phase = filter_signal(alpha, FS, [BANDPASS])
    causal = filter_signal(alpha, FS, [BANDPASS], mode="causal")

    assert abs(phase_at_10_hz(zero_phase[0, middle])) < 1e-3
    assert abs(phase_at_10_hz(causal[0, middle])) > 0.1


@pytest.mark.parametrize("kind", ["linear", "constant"])
def test_detrend_equals_scipy_detrend(kind):
    signal = two_channels() + np.linspace(0, 50, 1000)

    filtered = filter_signal(signal, FS, [FilterStage("detrend", detrend=kind)])

    np.testing.assert_allclose(filtered, sps.detrend(signal, axis=-1, type=kind), atol=1e-9)


@pytest.mark.parametrize("mode", MODES)
def test_detrend_applies_at_its_place_in_the_chain(mode):
    signal = two_channels() + np.linspace(0, 50, 1000)
    run = sps.sosfiltfilt if mode == "zero_phase" else sps.sosfilt
    lowpass = FilterStage("lowpass", high=30.0)

    filtered = filter_signal(signal, FS, [NOTCH, FilterStage("detrend"), lowpass], mode=mode)

    expected = run(
        design_sos(lowpass, FS),
        sps.detrend(run(design_sos(NOTCH, FS), signal, axis=-1), axis=-1),
        axis=-1,
    )
    np.testing.assert_allclose(filtered, expected, rtol=0, atol=1e-9)


def test_no_filters_give_a_copy_of_the_signal():
    signal = two_channels()

    filtered = filter_signal(signal, FS, [])

    assert np.array_equal(filtered, signal)
    assert filtered is not signal


def test_a_signal_too_short_for_zero_phase_padding_says_how_many_samples_are_needed():
    # 4 band-pass sections + 1 notch section: padding 3 * (2 * 5 + 1) = 33 samples.
    signal = two_channels()[:, :33]

    with pytest.raises(InsufficientData) as raised:
        filter_signal(signal, FS, [BANDPASS, NOTCH])

    assert raised.value.details["parameter"] == "data"
    assert raised.value.details["required"] == 34
    assert raised.value.details["value"] == 33
    assert filter_signal(two_channels()[:, :34], FS, [BANDPASS, NOTCH]).shape == (2, 34)


def test_a_short_signal_can_still_be_filtered_causally():
    signal = two_channels()[:, :10]

    filtered = filter_signal(signal, FS, [BANDPASS, NOTCH], mode="causal")

    assert filtered.shape == (2, 10)


@pytest.mark.parametrize("sample_rate", [0.0, -1.0, float("nan"), float("inf")])
def test_a_sample_rate_that_is_not_positive_and_finite_is_refused(sample_rate):
    with pytest.raises(InvalidParameter) as raised:
        filter_signal(two_channels(), sample_rate, [BANDPASS])

    assert raised.value.details["parameter"] == "sample_rate"


def test_an_unknown_mode_is_refused_with_the_choices():
    with pytest.raises(InvalidParameter) as raised:
        filter_signal(two_channels(), FS, [BANDPASS], mode="acausal")

    assert raised.value.details["parameter"] == "mode"
    assert raised.value.details["valid_choices"] == ["zero_phase", "causal"]


def test_an_impossible_stage_is_refused_by_its_position_before_any_filtering():
    stages = [BANDPASS, FilterStage("detrend"), FilterStage("notch", frequency=130.0)]

    with pytest.raises(InvalidConfiguration) as raised:
        filter_signal(two_channels(), FS, stages)

    assert raised.value.details["parameter"] == "filters[2].frequency"


def test_an_unknown_detrend_is_refused_with_the_choices():
    with pytest.raises(InvalidConfiguration) as raised:
        filter_signal(two_channels(), FS, [FilterStage("detrend", detrend="quadratic")])

    assert raised.value.details["parameter"] == "filters[0].detrend"
    assert raised.value.details["valid_choices"] == ["linear", "constant"]
