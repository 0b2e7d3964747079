"""Filter design and the live (causal, stateful) filter chain."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import signal as sps

import neurogate.server.signal as signal_package
from neurogate.server.errors import InvalidConfiguration
from neurogate.server.signal.filters import (
    FILTER_FIELDS,
    FILTER_TYPES,
    FilterStage,
    StreamFilter,
    cascade,
    design_sos,
    live_stages,
)

FS = 250.0

#: One stage of every causal type.
EVERY_CAUSAL_STAGE = [
    FilterStage("bandpass", low=1.0, high=40.0),
    FilterStage("bandstop", low=45.0, high=55.0, order=2),
    FilterStage("highpass", low=0.5),
    FilterStage("lowpass", high=30.0, order=6),
    FilterStage("notch", frequency=50.0),
    FilterStage("environmental_noise", frequency=60.0, quality=20.0),
]


def recording(seconds: float = 10.0, channels: int = 8, seed: int = 7) -> np.ndarray:
    """EEG-like test signal (samples, channels): offset, alpha, mains, noise."""
    rng = np.random.default_rng(seed)
    t = np.arange(round(seconds * FS)) / FS
    alpha = 20 * np.sin(2 * np.pi * 10 * t)[:, None]
    mains = 15 * np.sin(2 * np.pi * 50 * t)[:, None]
    offset = rng.uniform(-500, 500, channels)
    return offset + alpha + mains + rng.normal(0, 5, (len(t), channels))


def feed_in_random_blocks(live: StreamFilter, signal: np.ndarray, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    outputs, start = [], 0
    while start < len(signal):
        size = int(rng.integers(1, 65))
        outputs.append(live.process(signal[start : start + size]))
        start += size
    return np.concatenate(outputs)


def test_the_package_exports_its_public_api():
    assert sorted(signal_package.__all__) == [
        "BandPowers",
        "ChannelQuality",
        "DEFAULT_BANDS",
        "FILTER_TYPES",
        "FilterStage",
        "LAYOUTS",
        "MODES",
        "QUALITY_LEVELS",
        "StreamFilter",
        "artifact_percentage",
        "as_matrix",
        "band_powers",
        "cascade",
        "channel_quality",
        "design_sos",
        "filter_signal",
        "from_matrix",
        "live_stages",
        "overall_quality",
    ]
    assert all(hasattr(signal_package, name) for name in signal_package.__all__)


# ------------------------------------------------------------------ design


@pytest.mark.parametrize(
    ("stage", "expected"),
    [
        (
            FilterStage("bandpass", low=1.0, high=40.0),
            sps.butter(4, [1.0, 40.0], btype="bandpass", output="sos", fs=FS),
        ),
        (
            FilterStage("bandstop", low=48.0, high=52.0, order=2),
            sps.butter(2, [48.0, 52.0], btype="bandstop", output="sos", fs=FS),
        ),
        (
            FilterStage("highpass", low=0.5, order=1),
            sps.butter(1, 0.5, btype="highpass", output="sos", fs=FS),
        ),
        (
            FilterStage("lowpass", high=30.0, order=10),
            sps.butter(10, 30.0, btype="lowpass", output="sos", fs=FS),
        ),
        (
            FilterStage("notch", frequency=50.0, quality=25.0),
            sps.tf2sos(*sps.iirnotch(50.0, 25.0, fs=FS)),
        ),
    ],
)
def test_a_stage_is_designed_as_butterworth_or_iir_notch_sections(stage, expected):
    assert np.array_equal(design_sos(stage, FS), expected)


@pytest.mark.parametrize(
    ("mains", "sample_rate", "notches"),
    [
        (50.0, 250.0, [50.0, 100.0]),
        (60.0, 250.0, [60.0, 120.0]),
        (50.0, 500.0, [50.0, 100.0, 150.0, 200.0]),  # 250 Hz is the Nyquist: excluded
    ],
)
def test_environmental_noise_notches_the_mains_and_its_harmonics_below_nyquist(
    mains, sample_rate, notches
):
    sos = design_sos(FilterStage("environmental_noise", frequency=mains), sample_rate)

    expected = np.concatenate([sps.tf2sos(*sps.iirnotch(f, 30.0, fs=sample_rate)) for f in notches])
    assert np.array_equal(sos, expected)


def test_environmental_noise_removes_mains_and_harmonics_but_keeps_alpha():
    t = np.arange(2500) / FS
    alpha = np.sin(2 * np.pi * 10 * t)
    noisy = alpha + np.sin(2 * np.pi * 50 * t) + np.sin(2 * np.pi * 100 * t)
    sos = design_sos(FilterStage("environmental_noise", frequency=50.0), FS)

    cleaned = sps.sosfiltfilt(sos, noisy)

    middle = slice(500, -500)  # away from the edges
    assert np.max(np.abs(cleaned[middle] - alpha[middle])) < 0.02


def test_filter_fields_cover_every_type():
    assert set(FILTER_FIELDS) == set(FILTER_TYPES)


@pytest.mark.parametrize(
    ("stage", "parameter", "valid"),
    [
        (FilterStage("bandpass", low=1.0, high=125.0), "high", ("valid_range", [0, 125.0])),
        (FilterStage("bandpass", low=1.0, high=200.0), "high", ("valid_range", [0, 125.0])),
        (FilterStage("bandpass", low=0.0, high=40.0), "low", ("valid_range", [0, 125.0])),
        (FilterStage("bandpass", low=-1.0, high=40.0), "low", ("valid_range", [0, 125.0])),
        (FilterStage("bandpass", low=40.0, high=40.0), "low", ("valid_range", [0, 40.0])),
        (FilterStage("bandstop", low=50.0, high=45.0), "low", ("valid_range", [0, 45.0])),
        (FilterStage("bandpass", high=40.0), "low", ("valid_range", [0, 125.0])),
        (FilterStage("highpass", low=float("nan")), "low", ("valid_range", [0, 125.0])),
        (FilterStage("lowpass", high=125.0), "high", ("valid_range", [0, 125.0])),
        (FilterStage("lowpass", high=30.0, order=0), "order", ("valid_range", [1, 10])),
        (FilterStage("highpass", low=1.0, order=11), "order", ("valid_range", [1, 10])),
        (FilterStage("notch", frequency=125.0), "frequency", ("valid_range", [0, 125.0])),
        (FilterStage("notch", frequency=50.0, quality=0.0), "quality", ("valid_range", [0, None])),
        (
            FilterStage("environmental_noise", frequency=55.0),
            "frequency",
            ("valid_choices", [50.0, 60.0]),
        ),
        (FilterStage("wavelet"), "type", ("valid_choices", list(FILTER_TYPES))),
    ],
)
def test_an_impossible_stage_is_refused_naming_the_field_and_its_valid_values(
    stage, parameter, valid
):
    with pytest.raises(InvalidConfiguration) as raised:
        design_sos(stage, FS)

    key, expected = valid
    assert raised.value.details["parameter"] == parameter
    assert raised.value.details[key] == expected


def test_environmental_noise_is_refused_when_the_mains_is_not_below_nyquist():
    with pytest.raises(InvalidConfiguration) as raised:
        design_sos(FilterStage("environmental_noise", frequency=60.0), 100.0)

    assert raised.value.details["parameter"] == "frequency"
    assert raised.value.details["valid_range"] == [0, 50.0]


def test_a_refusal_names_the_stage_within_the_request_when_asked():
    with pytest.raises(InvalidConfiguration) as raised:
        design_sos(FilterStage("lowpass", high=300.0), FS, parameter="filters[2]")

    assert raised.value.details["parameter"] == "filters[2].high"
    assert raised.value.details["value"] == 300.0


def test_detrend_has_no_sections():
    with pytest.raises(InvalidConfiguration) as raised:
        design_sos(FilterStage("detrend"), FS)

    assert raised.value.details["parameter"] == "type"


@pytest.mark.parametrize("sample_rate", [0.0, -250.0, float("nan"), float("inf")])
def test_a_sample_rate_that_is_not_positive_and_finite_is_refused(sample_rate):
    with pytest.raises(InvalidConfiguration) as raised:
        design_sos(FilterStage("lowpass", high=30.0), sample_rate)

    assert raised.value.details["parameter"] == "sample_rate"


def test_a_cascade_is_every_stages_sections_in_order():
    stages = [FilterStage("bandpass", low=1.0, high=40.0), FilterStage("notch", frequency=50.0)]

    sos = cascade(stages, FS)

    assert np.array_equal(sos, np.vstack([design_sos(stage, FS) for stage in stages]))
    assert cascade([], FS).shape == (0, 6)


# ------------------------------------------------------------ live stages


def test_live_settings_become_stages_and_zero_or_empty_means_off():
    stages = live_stages(notch=50, bandpass=[1, 40], highpass=0, lowpass=0)

    assert stages == [
        FilterStage("notch", frequency=50.0),
        FilterStage("bandpass", low=1.0, high=40.0),
    ]
    assert live_stages() == []
    assert live_stages(bandpass=[0, 0]) == []
    assert live_stages(highpass=0.5, lowpass=45) == [
        FilterStage("highpass", low=0.5),
        FilterStage("lowpass", high=45.0),
    ]


@pytest.mark.parametrize(
    ("settings", "parameter"),
    [
        ({"notch": -50}, "filters.notch"),
        ({"notch": float("nan")}, "filters.notch"),
        ({"bandpass": [1, 20, 40]}, "filters.bandpass"),
        ({"bandpass": [40]}, "filters.bandpass"),
        ({"bandpass": [40, 1]}, "filters.bandpass"),
        ({"bandpass": [0, 40]}, "filters.bandpass"),
        ({"bandpass": [-1, 40]}, "filters.bandpass"),
        ({"highpass": -1}, "filters.highpass"),
        ({"lowpass": float("inf")}, "filters.lowpass"),
    ],
)
def test_bad_live_settings_are_refused_under_their_own_names(settings, parameter):
    with pytest.raises(InvalidConfiguration) as raised:
        live_stages(**settings)

    assert raised.value.details["parameter"] == parameter


@pytest.mark.parametrize(
    ("settings", "parameter"),
    [
        ({"notch": 125}, "filters.notch"),
        ({"bandpass": [1, 130]}, "filters.bandpass"),
        ({"highpass": 200}, "filters.highpass"),
        ({"lowpass": 125}, "filters.lowpass"),
    ],
)
def test_with_a_sample_rate_live_settings_at_or_above_nyquist_are_refused(settings, parameter):
    with pytest.raises(InvalidConfiguration) as raised:
        live_stages(**settings, sample_rate=FS)

    assert raised.value.details["parameter"] == parameter
    assert raised.value.details["valid_range"] == [0, 125.0]


# ---------------------------------------------------------- stream filter


def test_filtering_a_stream_block_by_block_equals_filtering_the_whole_recording():
    whole = recording(seconds=10.0, channels=8)
    live = StreamFilter(EVERY_CAUSAL_STAGE, FS, channels=8)

    streamed = feed_in_random_blocks(live, whole, seed=1)

    expected = sps.sosfilt(cascade(EVERY_CAUSAL_STAGE, FS), whole, axis=0)
    assert streamed.shape == whole.shape
    np.testing.assert_allclose(streamed, expected, rtol=0, atol=1e-10)


@pytest.mark.parametrize("stage", EVERY_CAUSAL_STAGE, ids=lambda stage: stage.type)
def test_each_stage_type_streams_block_by_block_like_the_whole_recording(stage):
    whole = recording(seconds=10.0, channels=8, seed=3)
    live = StreamFilter([stage], FS, channels=8)

    streamed = feed_in_random_blocks(live, whole, seed=2)

    expected = sps.sosfilt(design_sos(stage, FS), whole, axis=0)
    np.testing.assert_allclose(streamed, expected, rtol=0, atol=1e-10)


def test_channels_are_filtered_independently():
    whole = recording(seconds=2.0, channels=3)
    stages = [FilterStage("bandpass", low=1.0, high=40.0)]
    together = StreamFilter(stages, FS, channels=3).process(whole)

    alone = StreamFilter(stages, FS, channels=1).process(whole[:, 1:2])

    np.testing.assert_allclose(together[:, 1:2], alone, rtol=0, atol=1e-12)


def test_an_empty_chain_passes_blocks_through():
    block = recording(seconds=0.1, channels=4)
    live = StreamFilter([], FS, channels=4)

    out = live.process(block)

    assert np.array_equal(out, block)
    assert out is not block


def test_an_empty_block_returns_an_empty_block_and_keeps_the_state():
    whole = recording(seconds=1.0, channels=2)
    stages = [FilterStage("highpass", low=1.0)]
    live = StreamFilter(stages, FS, channels=2)

    first = live.process(whole[:100])
    empty = live.process(whole[100:100])
    rest = live.process(whole[100:])

    assert empty.shape == (0, 2)
    expected = sps.sosfilt(cascade(stages, FS), whole, axis=0)
    np.testing.assert_allclose(np.concatenate([first, rest]), expected, rtol=0, atol=1e-10)


def test_reset_starts_the_filter_afresh():
    block = recording(seconds=1.0, channels=2)
    live = StreamFilter([FilterStage("lowpass", high=30.0)], FS, channels=2)
    first = live.process(block)

    live.reset()

    np.testing.assert_array_equal(live.process(block), first)


def test_the_stream_filter_keeps_its_stages_and_settings():
    live = StreamFilter(EVERY_CAUSAL_STAGE, FS, channels=8)

    assert live.stages == tuple(EVERY_CAUSAL_STAGE)
    assert live.sample_rate == FS
    assert live.channels == 8


def test_detrend_is_refused_in_a_live_chain():
    with pytest.raises(InvalidConfiguration) as raised:
        StreamFilter([FilterStage("notch", frequency=50.0), FilterStage("detrend")], FS, 8)

    assert raised.value.details["parameter"] == "filters[1].type"
    assert "detrend" not in raised.value.details["valid_choices"]


def test_an_impossible_stage_is_refused_when_the_stream_filter_is_built():
    with pytest.raises(InvalidConfiguration) as raised:
        StreamFilter([FilterStage("lowpass", high=200.0)], FS, channels=8)

    assert raised.value.details["parameter"] == "filters[0].high"


@pytest.mark.parametrize("channels", [0, -1, 2.5])
def test_a_stream_needs_at_least_one_channel(channels):
    with pytest.raises(InvalidConfiguration) as raised:
        StreamFilter([], FS, channels=channels)

    assert raised.value.details["parameter"] == "channels"


def test_a_block_with_the_wrong_channel_count_is_a_programming_error():
    live = StreamFilter([FilterStage("notch", frequency=50.0)], FS, channels=8)

    with pytest.raises(ValueError, match=r"\(samples, 8\)"):
        live.process(np.zeros((10, 4)))
