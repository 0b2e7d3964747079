"""Signal quality rated from measured signal, calibrated on BrainFlow's
synthetic board (real BrainFlow, no hardware)."""

from __future__ import annotations

import time

import numpy as np
import pytest

from neurogate.server.devices.brainflow_runtime import ensure_brainflow
from neurogate.server.errors import InsufficientData, InvalidParameter
from neurogate.server.signal.quality import (
    QUALITY_LEVELS,
    artifact_percentage,
    channel_quality,
    overall_quality,
)

FS = 250.0


@pytest.fixture(scope="module")
def synthetic_eeg() -> tuple[np.ndarray, float]:
    """About 2 s of the synthetic board's EEG channels: (channels, samples), uV.

    BrainFlow 5.23's synthetic board puts on EEG channel k (1-based) a sine of
    5k Hz with an RMS of about 10k uV, plus noise; so channels 1-4 look like
    EEG rhythms (5-20 Hz, 10-40 uV), channel 10 is a 50 Hz and channel 12 a
    60 Hz sine (mains), and the later channels are far larger than EEG.
    """
    ensure_brainflow()
    from brainflow.board_shim import BoardIds, BoardShim, BrainFlowInputParams

    board_id = BoardIds.SYNTHETIC_BOARD
    sample_rate = BoardShim.get_sampling_rate(board_id)
    wanted = round(2.0 * sample_rate)
    board = BoardShim(board_id, BrainFlowInputParams())
    board.prepare_session()
    try:
        board.start_stream()
        deadline = time.monotonic() + 10
        while board.get_board_data_count() < wanted and time.monotonic() < deadline:
            time.sleep(0.05)  # the board thread offers no event to wait on
        board.stop_stream()
        data = board.get_board_data()
    finally:
        board.release_session()
    eeg = data[BoardShim.get_eeg_channels(board_id)]
    assert eeg.shape[1] >= wanted
    return eeg[:, :wanted], float(sample_rate)


def sine(frequency: float, rms: float, seconds: float = 2.0) -> np.ndarray:
    t = np.arange(round(seconds * FS)) / FS
    return rms * np.sqrt(2) * np.sin(2 * np.pi * frequency * t)


def noise(rms: float, seconds: float = 2.0, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(0, rms, round(seconds * FS))


# ------------------------------------------------- synthetic board (real)


def test_synthetic_eeg_rhythm_channels_are_rated_good_or_excellent(synthetic_eeg):
    eeg, sample_rate = synthetic_eeg

    ratings = [channel_quality(channel, sample_rate) for channel in eeg[:4]]

    assert all(r.quality in ("excellent", "good") for r in ratings)
    assert [r.quality for r in ratings[:2]] == ["excellent", "excellent"]  # RMS ~10, ~20 uV
    assert all(not r.flat and r.railed_fraction < 0.01 for r in ratings)
    assert all(r.line_noise_ratio < 0.01 for r in ratings)
    assert all(r.reasons in ((), ("high_amplitude",)) for r in ratings)


def test_a_flat_channel_among_synthetic_data_is_poor_because_flat(synthetic_eeg):
    eeg, sample_rate = synthetic_eeg
    eeg = eeg.copy()
    eeg[2] = 0.0

    rating = channel_quality(eeg[2], sample_rate)

    assert rating.quality == "poor"
    assert rating.flat
    assert rating.reasons == ("flat",)
    assert rating.rms == 0.0


def test_a_synthetic_channel_with_strong_50_hz_added_is_degraded_by_line_noise(synthetic_eeg):
    eeg, sample_rate = synthetic_eeg
    t = np.arange(eeg.shape[1]) / sample_rate
    clean = channel_quality(eeg[0], sample_rate)

    noisy = channel_quality(eeg[0] + 30 * np.sin(2 * np.pi * 50 * t), sample_rate)

    assert QUALITY_LEVELS.index(noisy.quality) > QUALITY_LEVELS.index(clean.quality)
    assert "line_noise" in noisy.reasons
    assert noisy.line_noise_ratio > 0.5


def test_the_synthetic_boards_own_mains_frequency_channels_show_line_noise(synthetic_eeg):
    eeg, sample_rate = synthetic_eeg

    fifty, sixty = channel_quality(eeg[9], sample_rate), channel_quality(eeg[11], sample_rate)

    assert "line_noise" in fifty.reasons and "line_noise" in sixty.reasons
    assert fifty.quality == sixty.quality == "poor"


# ------------------------------------------------------------------ rules


@pytest.mark.parametrize(
    ("rms", "quality", "reasons"),
    [
        (10.0, "excellent", ()),
        (25.0, "excellent", ()),
        (40.0, "good", ("high_amplitude",)),
        (75.0, "fair", ("high_amplitude",)),
        (150.0, "poor", ("high_amplitude",)),
    ],
)
def test_amplitude_sets_the_level(rms, quality, reasons):
    rating = channel_quality(sine(10.0, rms) + 5000.0, FS)  # the offset does not count

    assert rating.rms == pytest.approx(rms, rel=1e-3)
    assert (rating.quality, rating.reasons) == (quality, reasons)


@pytest.mark.parametrize(
    ("mains_rms", "quality"),
    [(2.0, "excellent"), (5.0, "good"), (8.0, "fair"), (15.0, "poor")],
)
def test_line_noise_lowers_the_level_by_its_share_of_the_power(mains_rms, quality):
    # 10 uV of 10 Hz: the 50 Hz share is mains^2 / (100 + mains^2).
    rating = channel_quality(sine(10.0, 10.0) + sine(50.0, mains_rms), FS)

    assert rating.line_noise_ratio == pytest.approx(mains_rms**2 / (100 + mains_rms**2), abs=0.01)
    assert rating.quality == quality


def test_60_hz_counts_as_line_noise_too():
    rating = channel_quality(sine(10.0, 5.0) + sine(60.0, 20.0), FS)

    assert rating.line_noise_ratio > 0.9
    assert rating.reasons == ("line_noise",)


def test_a_channel_clipped_at_its_extremes_is_railed():
    clipped = np.clip(sine(10.0, 20.0), -20.0, 20.0)  # a third of samples at +/-20

    rating = channel_quality(clipped, FS)

    assert rating.railed_fraction > 0.3
    assert rating.quality == "poor"
    assert "railed" in rating.reasons


def test_samples_at_the_openbci_adc_range_are_railed():
    signal = noise(10.0)
    signal[:60] = 187_500.0  # 12% of samples at the rail

    rating = channel_quality(signal, FS)

    assert rating.railed_fraction == pytest.approx(0.12)
    assert "railed" in rating.reasons


def test_a_channel_stuck_at_the_rail_is_flat_and_railed():
    rating = channel_quality(np.full(500, -187_500.0), FS)

    assert rating.reasons == ("flat", "railed")
    assert rating.railed_fraction == 1.0


def test_a_live_channel_has_practically_no_railed_samples():
    rating = channel_quality(noise(10.0, seconds=10.0), FS)

    assert rating.railed_fraction == 0.0
    assert rating.quality == "excellent"


def test_less_than_a_second_is_never_excellent():
    short = channel_quality(sine(10.0, 10.0, seconds=0.5) + noise(1.0, seconds=0.5), FS)
    second = channel_quality(sine(10.0, 10.0, seconds=1.0) + noise(1.0, seconds=1.0), FS)

    assert (short.quality, short.reasons) == ("good", ("short_window",))
    assert second.quality == "excellent"


def test_non_finite_samples_make_a_channel_poor_and_the_rest_is_still_measured():
    signal = noise(10.0)
    signal[100] = np.nan

    rating = channel_quality(signal, FS)

    assert rating.quality == "poor"
    assert rating.reasons == ("non_finite",)
    assert rating.rms == pytest.approx(10.0, rel=0.1)


def test_a_channel_of_nothing_but_nan_is_poor():
    rating = channel_quality(np.full(500, np.nan), FS)

    assert (rating.quality, rating.reasons) == ("poor", ("non_finite",))


def test_no_samples_are_insufficient():
    with pytest.raises(InsufficientData):
        channel_quality(np.array([]), FS)


def test_more_than_one_channel_is_refused():
    with pytest.raises(InvalidParameter) as raised:
        channel_quality(np.zeros((2, 500)), FS)

    assert raised.value.details["parameter"] == "samples"


# ---------------------------------------------------------------- overall


@pytest.mark.parametrize(
    ("levels", "overall"),
    [
        (["excellent"], "excellent"),
        (["excellent", "excellent", "poor"], "excellent"),
        (["excellent", "good", "poor", "poor"], "poor"),
        (["excellent", "good", "fair", "poor"], "fair"),
        (["good", "excellent", "excellent", "fair", "poor"], "good"),
    ],
)
def test_overall_quality_is_the_median_channel_rounding_to_the_worse(levels, overall):
    assert overall_quality(levels) == overall


def test_overall_quality_needs_known_levels():
    with pytest.raises(InvalidParameter) as raised:
        overall_quality(["good", "great"])
    assert raised.value.details["valid_choices"] == list(QUALITY_LEVELS)

    with pytest.raises(InvalidParameter):
        overall_quality([])


# --------------------------------------------------------------- artefacts


def test_clean_data_has_no_artifacts():
    data = np.column_stack([noise(10.0, seconds=10.0, seed=s) for s in range(4)])

    assert artifact_percentage(data, FS) == 0.0


def test_an_epoch_is_an_artifact_when_any_channel_exceeds_the_peak_to_peak_threshold():
    data = np.column_stack([noise(5.0, seconds=10.0, seed=s) for s in range(4)])
    data[300, 2] += 150.0  # epoch 1 of 10
    data[2400, 0] -= 150.0  # epoch 10

    assert artifact_percentage(data, FS) == 20.0
    assert artifact_percentage(data, FS, threshold_uv=200.0) == 0.0
    assert artifact_percentage(data, FS, epoch_seconds=2.0) == 40.0


def test_an_epoch_with_a_non_finite_value_is_an_artifact():
    data = np.column_stack([noise(5.0, seconds=4.0, seed=s) for s in range(2)])
    data[10, 1] = np.inf
    data[700, 0] = np.nan

    assert artifact_percentage(data, FS) == 50.0


def test_leftover_samples_join_the_last_epoch():
    data = noise(5.0, seconds=3.2)[:, None]  # 3 epochs of 1 s and 0.2 s more
    data[-1, 0] += 500.0

    assert artifact_percentage(data, FS) == pytest.approx(100 / 3)


def test_a_signal_shorter_than_an_epoch_is_one_epoch():
    data = noise(5.0, seconds=0.5)[:, None]
    data[0, 0] = 1000.0

    assert artifact_percentage(data, FS) == 100.0


@pytest.mark.parametrize(
    ("kwargs", "parameter"),
    [
        ({"threshold_uv": 0.0}, "threshold_uv"),
        ({"epoch_seconds": -1.0}, "epoch_seconds"),
        ({"sample_rate": 0.0}, "sample_rate"),
    ],
)
def test_bad_artifact_settings_are_refused(kwargs, parameter):
    arguments = {"data": np.zeros((500, 2)), "sample_rate": FS, **kwargs}

    with pytest.raises(InvalidParameter) as raised:
        artifact_percentage(**arguments)

    assert raised.value.details["parameter"] == parameter


def test_artifact_data_must_be_samples_by_channels():
    with pytest.raises(InvalidParameter):
        artifact_percentage(np.zeros(500), FS)
    with pytest.raises(InsufficientData):
        artifact_percentage(np.zeros((0, 8)), FS)
