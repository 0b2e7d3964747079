"""Band power from Welch's PSD."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import signal as sps

from neurogate.server.errors import InsufficientData, InvalidParameter
from neurogate.server.signal.bands import DEFAULT_BANDS, band_powers

FS = 250.0


def eeg_like(seconds: float = 8.0, channels: int = 3, seed: int = 5) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(round(seconds * FS)) / FS
    rhythms = 15 * np.sin(2 * np.pi * 10 * t) + 5 * np.sin(2 * np.pi * 20 * t)
    return rhythms + rng.normal(0, 4, (channels, len(t))).cumsum(axis=1) * 0.05


def scipy_band_powers(matrix, nperseg, bands):
    """The same computation written out directly with scipy."""
    f, psd = sps.welch(
        matrix, fs=FS, window="hann", nperseg=nperseg, noverlap=nperseg // 2, scaling="density"
    )
    df = f[1] - f[0]
    return np.column_stack([psd[:, (f >= lo) & (f < hi)].sum(axis=1) * df for _, lo, hi in bands])


def test_the_default_bands_are_delta_to_gamma():
    assert DEFAULT_BANDS == (
        ("delta", 1.0, 4.0),
        ("theta", 4.0, 8.0),
        ("alpha", 8.0, 13.0),
        ("beta", 13.0, 30.0),
        ("gamma", 30.0, 45.0),
    )


def test_band_power_equals_welch_with_2_s_segments_summed_over_the_band():
    matrix = eeg_like()

    powers = band_powers(matrix, FS)

    expected = scipy_band_powers(matrix, 500, DEFAULT_BANDS)
    np.testing.assert_allclose(powers.absolute, expected, rtol=1e-12, atol=0)
    assert powers.absolute.shape == (3, 5)
    assert powers.frequency_resolution == 0.5
    assert powers.bands == DEFAULT_BANDS


def test_band_power_with_a_chosen_segment_length_equals_scipy():
    matrix = eeg_like()
    bands = (("slow", 0.0, 7.5), ("mu", 8.0, 12.0), ("fast", 12.0, 125.0))

    powers = band_powers(matrix, FS, bands, segment_seconds=4.0)

    np.testing.assert_allclose(
        powers.absolute, scipy_band_powers(matrix, 1000, bands), rtol=1e-12, atol=0
    )
    assert powers.frequency_resolution == 0.25
    assert "1000 samples per segment" in powers.method


def test_a_10_hz_sine_puts_nearly_all_relative_power_in_alpha():
    t = np.arange(2500) / FS
    sine = 20 * np.sin(2 * np.pi * 10 * t)[None, :]

    powers = band_powers(sine, FS)

    alpha = [name for name, _, _ in powers.bands].index("alpha")
    assert powers.relative[0, alpha] > 0.99
    # A sine of amplitude A has power A^2 / 2.
    assert powers.absolute[0, alpha] == pytest.approx(200.0, rel=0.01)


def test_relative_powers_are_shares_of_the_requested_bands():
    powers = band_powers(eeg_like(), FS)

    np.testing.assert_allclose(powers.relative.sum(axis=1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(
        powers.relative, powers.absolute / powers.absolute.sum(axis=1, keepdims=True)
    )


def test_adjacent_bands_add_up_to_the_band_they_cover():
    matrix = eeg_like()

    split = band_powers(matrix, FS, (("low", 4.0, 10.0), ("high", 10.0, 20.0)))
    whole = band_powers(matrix, FS, (("both", 4.0, 20.0),))

    np.testing.assert_allclose(split.absolute.sum(axis=1), whole.absolute[:, 0], rtol=1e-12)


def test_a_signal_shorter_than_2_s_is_one_segment():
    matrix = eeg_like(seconds=1.0)

    powers = band_powers(matrix, FS)

    assert powers.frequency_resolution == 1.0
    np.testing.assert_allclose(
        powers.absolute, scipy_band_powers(matrix, 250, DEFAULT_BANDS), rtol=1e-12
    )


def test_a_flat_channel_has_no_power_and_zero_relative_power():
    matrix = np.vstack([eeg_like(channels=1)[0], np.full(2000, 7.0)])

    powers = band_powers(matrix, FS)

    assert np.all(powers.absolute[1] == 0)
    assert np.all(powers.relative[1] == 0)


def test_the_method_is_described():
    method = band_powers(eeg_like(), FS).method

    assert method.startswith("welch, hann window, 500 samples per segment (2 s), 50% overlap")


@pytest.mark.parametrize(
    ("bands", "parameter"),
    [
        ((("alpha", 13.0, 8.0),), "bands[0].high"),
        ((("alpha", 8.0, 8.0),), "bands[0].high"),
        ((("delta", 1.0, 4.0), ("high", 100.0, 130.0)), "bands[1].high"),
        ((("neg", -1.0, 4.0),), "bands[0].low"),
        ((("nan", float("nan"), 4.0),), "bands[0].low"),
        ((("alpha", 8.0, 13.0), ("alpha", 13.0, 30.0)), "bands[1].name"),
        ((("", 8.0, 13.0),), "bands[0].name"),
        ((("  ", 8.0, 13.0),), "bands[0].name"),
        ((), "bands"),
    ],
)
def test_bad_bands_are_refused_by_position(bands, parameter):
    with pytest.raises(InvalidParameter) as raised:
        band_powers(eeg_like(), FS, bands)

    assert raised.value.details["parameter"] == parameter


def test_a_band_up_to_nyquist_is_allowed():
    powers = band_powers(eeg_like(), FS, (("all", 0.0, 125.0),))

    assert powers.absolute.shape == (3, 1)


def test_a_band_holding_no_frequency_bin_is_refused_with_a_suggestion():
    with pytest.raises(InvalidParameter) as raised:
        band_powers(eeg_like(), FS, (("narrow", 10.1, 10.3),))

    assert raised.value.details["parameter"] == "bands[0]"
    assert "segment_seconds" in raised.value.details["suggestion"]


def test_a_signal_shorter_than_one_segment_is_insufficient():
    with pytest.raises(InsufficientData) as raised:
        band_powers(eeg_like(seconds=3.0), FS, segment_seconds=4.0)

    assert raised.value.details["parameter"] == "data"
    assert raised.value.details["required"] == 1000
    assert raised.value.details["value"] == 750


def test_a_single_sample_is_insufficient():
    with pytest.raises(InsufficientData):
        band_powers(np.ones((2, 1)), FS)


@pytest.mark.parametrize("segment_seconds", [-1.0, float("nan"), 0.001])
def test_a_bad_segment_length_is_refused(segment_seconds):
    with pytest.raises(InvalidParameter) as raised:
        band_powers(eeg_like(), FS, segment_seconds=segment_seconds)

    assert raised.value.details["parameter"] == "segment_seconds"


@pytest.mark.parametrize("sample_rate", [0.0, -250.0, float("inf")])
def test_a_bad_sample_rate_is_refused(sample_rate):
    with pytest.raises(InvalidParameter) as raised:
        band_powers(eeg_like(), sample_rate)

    assert raised.value.details["parameter"] == "sample_rate"
