"""The Processing service: requests are filtered and measured in a compute
worker and the answers equal scipy's on the same signal."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
from google.protobuf import struct_pb2
from scipy import signal as sps

from neurogate.server.compute import ComputePool
from neurogate.server.errors import InsufficientData, InvalidConfiguration, InvalidParameter
from neurogate.server.services._convert import MAX_SIGNAL_CHANNELS, MAX_SIGNAL_VALUES
from neurogate.server.services.processing import ProcessingServicer
from neurogate.server.signal.bands import band_powers
from neurogate.v1 import processing_pb2

FS = 250.0


@pytest.fixture(scope="module")
def servicer() -> Iterator[ProcessingServicer]:
    pool = ComputePool(workers=1)
    yield ProcessingServicer(pool)
    pool.close()


def two_channels(seconds: float = 4.0) -> np.ndarray:
    """(channels, samples): 2 channels of alpha, mains and noise at 250 Hz."""
    rng = np.random.default_rng(3)
    t = np.arange(round(seconds * FS)) / FS
    alpha = 20 * np.sin(2 * np.pi * 10 * t)
    mains = 8 * np.sin(2 * np.pi * 50 * t)
    return np.vstack([alpha + mains + 250, -alpha + mains]) + rng.normal(0, 2, (2, len(t)))


def rows(values: list[list[object]]) -> list[struct_pb2.ListValue]:
    messages = []
    for row in values:
        message = struct_pb2.ListValue()
        message.extend(row)
        messages.append(message)
    return messages


def as_array(data) -> np.ndarray:
    return np.array([list(row) for row in data])


def bandpass_and_notch(**spec_fields) -> list[processing_pb2.FilterSpec]:
    return [
        processing_pb2.FilterSpec(type="bandpass", low=1.0, high=40.0, **spec_fields),
        processing_pb2.FilterSpec(type="notch", frequency=50.0),
    ]


def expected_sos() -> np.ndarray:
    return np.vstack(
        [
            sps.butter(4, [1.0, 40.0], btype="bandpass", output="sos", fs=FS),
            sps.tf2sos(*sps.iirnotch(50.0, 30.0, fs=FS)),
        ]
    )


# ------------------------------------------------------------------ Filter


async def test_filter_is_zero_phase_by_default_and_equals_sosfiltfilt(servicer):
    signal = two_channels()
    request = processing_pb2.FilterRequest(
        data=rows(signal.tolist()), sample_rate=FS, filters=bandpass_and_notch()
    )

    response = await servicer.Filter(request, None)

    expected = sps.sosfiltfilt(expected_sos(), signal, axis=-1)
    np.testing.assert_allclose(as_array(response.data), expected, rtol=0, atol=1e-9)
    assert (response.layout, response.mode, response.sample_rate) == ("channels", "zero_phase", FS)


async def test_causal_filtering_equals_sosfilt(servicer):
    signal = two_channels()
    request = processing_pb2.FilterRequest(
        data=rows(signal.tolist()), sample_rate=FS, filters=bandpass_and_notch(), mode="causal"
    )

    response = await servicer.Filter(request, None)

    expected = sps.sosfilt(expected_sos(), signal, axis=-1)
    np.testing.assert_allclose(as_array(response.data), expected, rtol=0, atol=1e-9)
    assert response.mode == "causal"


async def test_the_samples_layout_comes_back_in_the_samples_layout(servicer):
    signal = two_channels()
    by_channel = processing_pb2.FilterRequest(
        data=rows(signal.tolist()), sample_rate=FS, filters=bandpass_and_notch()
    )
    by_sample = processing_pb2.FilterRequest(
        data=rows(signal.T.tolist()), sample_rate=FS, filters=bandpass_and_notch(), layout="samples"
    )

    channels = await servicer.Filter(by_channel, None)
    samples = await servicer.Filter(by_sample, None)

    assert samples.layout == "samples"
    assert len(samples.data) == signal.shape[1] and len(samples.data[0].values) == 2
    np.testing.assert_array_equal(as_array(samples.data).T, as_array(channels.data))


async def test_no_filters_give_the_signal_back(servicer):
    signal = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.5]]

    response = await servicer.Filter(
        processing_pb2.FilterRequest(data=rows(signal), sample_rate=FS), None
    )

    assert as_array(response.data).tolist() == signal


async def test_the_filters_are_echoed_as_applied_with_defaults_filled_in(servicer):
    signal = two_channels()
    filters = [
        processing_pb2.FilterSpec(type="bandpass", low=1.0, high=40.0),
        processing_pb2.FilterSpec(type="notch", frequency=50.0, low=3.0),  # low is unused
        processing_pb2.FilterSpec(type="environmental_noise", frequency=60.0, quality=20.0),
        processing_pb2.FilterSpec(type="detrend"),
        processing_pb2.FilterSpec(type="lowpass", high=30.0, order=2),
    ]

    response = await servicer.Filter(
        processing_pb2.FilterRequest(data=rows(signal.tolist()), sample_rate=FS, filters=filters),
        None,
    )

    assert list(response.filters) == [
        processing_pb2.FilterSpec(type="bandpass", low=1.0, high=40.0, order=4),
        processing_pb2.FilterSpec(type="notch", frequency=50.0, quality=30.0),
        processing_pb2.FilterSpec(type="environmental_noise", frequency=60.0, quality=20.0),
        processing_pb2.FilterSpec(type="detrend", detrend="linear"),
        processing_pb2.FilterSpec(type="lowpass", high=30.0, order=2),
    ]


@pytest.mark.parametrize(
    ("filters", "error", "parameter"),
    [
        (
            [processing_pb2.FilterSpec(type="lowpass", high=125.0)],
            InvalidConfiguration,
            "filters[0].high",
        ),
        (
            [
                processing_pb2.FilterSpec(type="notch", frequency=50.0),
                processing_pb2.FilterSpec(type="bandpass", low=40.0, high=1.0),
            ],
            InvalidConfiguration,
            "filters[1].low",
        ),
        (
            [processing_pb2.FilterSpec(type="bandpass", low=1.0, high=40.0, order=12)],
            InvalidConfiguration,
            "filters[0].order",
        ),
        (
            [processing_pb2.FilterSpec(type="detrend", detrend="cubic")],
            InvalidConfiguration,
            "filters[0].detrend",
        ),
    ],
)
async def test_impossible_filters_are_refused_by_position(servicer, filters, error, parameter):
    request = processing_pb2.FilterRequest(
        data=rows(two_channels().tolist()), sample_rate=FS, filters=filters
    )

    with pytest.raises(error) as raised:
        await servicer.Filter(request, None)

    assert raised.value.details["parameter"] == parameter


async def test_an_unknown_filter_type_is_refused_with_the_valid_choices(servicer):
    request = processing_pb2.FilterRequest(
        data=rows(two_channels().tolist()),
        sample_rate=FS,
        filters=[processing_pb2.FilterSpec(type="kalman")],
    )

    with pytest.raises(InvalidConfiguration) as raised:
        await servicer.Filter(request, None)

    assert raised.value.details["parameter"] == "filters[0].type"
    assert raised.value.details["value"] == "kalman"
    assert "bandpass" in raised.value.details["valid_choices"]
    assert "environmental_noise" in raised.value.details["valid_choices"]


async def test_a_signal_too_short_for_zero_phase_is_insufficient_data(servicer):
    request = processing_pb2.FilterRequest(
        data=rows(two_channels()[:, :20].tolist()), sample_rate=FS, filters=bandpass_and_notch()
    )

    with pytest.raises(InsufficientData) as raised:
        await servicer.Filter(request, None)

    assert raised.value.details["parameter"] == "data"
    assert raised.value.details["required"] == 34


async def test_ragged_rows_are_refused_naming_the_row(servicer):
    request = processing_pb2.FilterRequest(data=rows([[1.0, 2.0, 3.0], [4.0, 5.0]]), sample_rate=FS)

    with pytest.raises(InvalidParameter) as raised:
        await servicer.Filter(request, None)

    assert raised.value.details["parameter"] == "data"
    assert raised.value.details["row"] == 1


@pytest.mark.parametrize("bad", ["12.5", None, True])
async def test_a_value_that_is_not_a_number_is_refused_naming_row_and_column(servicer, bad):
    request = processing_pb2.FilterRequest(
        data=rows([[1.0, 2.0, 3.0], [4.0, 5.0, bad]]), sample_rate=FS
    )

    with pytest.raises(InvalidParameter) as raised:
        await servicer.Filter(request, None)

    assert raised.value.details == {"parameter": "data", "value": bad, "row": 1, "column": 2}


async def test_exact_zeros_are_numbers(servicer):
    # A Value of another kind also reads 0.0 as a number: zeros are looked at twice.
    signal = [[0.0, 2.0, 0.0], [4.0, 0.0, -0.0]]

    response = await servicer.Filter(
        processing_pb2.FilterRequest(data=rows(signal), sample_rate=FS), None
    )

    assert as_array(response.data).tolist() == signal


async def test_a_nested_list_value_is_refused(servicer):
    signal = rows([[1.0, 2.0], [3.0, 4.0]])
    signal[0].values[1].list_value.extend([1.0])

    with pytest.raises(InvalidParameter) as raised:
        await servicer.Filter(processing_pb2.FilterRequest(data=signal, sample_rate=FS), None)

    assert (raised.value.details["row"], raised.value.details["column"]) == (0, 1)


@pytest.mark.parametrize(
    ("request_fields", "parameter"),
    [
        ({"sample_rate": 0.0}, "sample_rate"),
        ({"sample_rate": -250.0}, "sample_rate"),
        ({"sample_rate": FS, "layout": "rows"}, "layout"),
        ({"sample_rate": FS, "mode": "anticausal"}, "mode"),
    ],
)
async def test_bad_request_settings_are_refused(servicer, request_fields, parameter):
    request = processing_pb2.FilterRequest(data=rows([[1.0, 2.0, 3.0]]), **request_fields)

    with pytest.raises(InvalidParameter) as raised:
        await servicer.Filter(request, None)

    assert raised.value.details["parameter"] == parameter


async def test_no_data_is_refused(servicer):
    with pytest.raises(InvalidParameter) as raised:
        await servicer.Filter(processing_pb2.FilterRequest(sample_rate=FS), None)

    assert raised.value.details["parameter"] == "data"


async def test_more_than_the_channel_limit_is_refused_before_any_work():
    servicer = ProcessingServicer(ComputePool(workers=1))  # never started
    request = processing_pb2.FilterRequest(
        data=rows([[0.0]] * (MAX_SIGNAL_CHANNELS + 1)), sample_rate=FS
    )

    with pytest.raises(InvalidParameter) as raised:
        await servicer.Filter(request, None)

    assert raised.value.details["parameter"] == "data"
    assert raised.value.details["value"] == MAX_SIGNAL_CHANNELS + 1
    assert servicer._compute.started_workers == 0


async def test_more_than_the_channel_limit_in_the_samples_layout_is_refused():
    servicer = ProcessingServicer(ComputePool(workers=1))
    request = processing_pb2.BandPowerRequest(
        data=rows([[0.0] * (MAX_SIGNAL_CHANNELS + 1)]), sample_rate=FS, layout="samples"
    )

    with pytest.raises(InvalidParameter) as raised:
        await servicer.BandPower(request, None)

    assert raised.value.details["value"] == MAX_SIGNAL_CHANNELS + 1


async def test_more_than_the_value_limit_is_refused_before_any_work():
    servicer = ProcessingServicer(ComputePool(workers=1))
    per_row = MAX_SIGNAL_VALUES // 8 + 1
    request = processing_pb2.FilterRequest(data=rows([[0.0] * per_row] * 8), sample_rate=FS)

    with pytest.raises(InvalidParameter) as raised:
        await servicer.Filter(request, None)

    assert raised.value.details["parameter"] == "data"
    assert raised.value.details["value"] == 8 * per_row
    assert servicer._compute.started_workers == 0


# --------------------------------------------------------------- BandPower


async def test_band_power_equals_the_signal_functions_on_the_same_matrix(servicer):
    signal = two_channels(seconds=8.0)

    response = await servicer.BandPower(
        processing_pb2.BandPowerRequest(data=rows(signal.tolist()), sample_rate=FS), None
    )

    expected = band_powers(signal, FS)
    names = [name for name, _, _ in expected.bands]
    assert [band.name for band in response.bands] == names
    assert [(band.low, band.high) for band in response.bands] == [
        (low, high) for _, low, high in expected.bands
    ]
    assert [channel.channel for channel in response.channels] == [1, 2]
    for index, channel in enumerate(response.channels):
        assert [channel.absolute[name] for name in names] == expected.absolute[index].tolist()
        assert [channel.relative[name] for name in names] == expected.relative[index].tolist()
    assert response.frequency_resolution == 0.5
    assert response.method == expected.method


async def test_a_10_hz_rhythm_shows_as_alpha(servicer):
    t = np.arange(2000) / FS
    sine = (10 * np.sin(2 * np.pi * 10 * t)).tolist()

    response = await servicer.BandPower(
        processing_pb2.BandPowerRequest(data=rows([sine]), sample_rate=FS), None
    )

    assert response.channels[0].relative["alpha"] > 0.99


async def test_band_power_takes_chosen_bands_segments_and_the_samples_layout(servicer):
    signal = two_channels(seconds=8.0)
    bands = [
        processing_pb2.FrequencyBand(name="mu", low=8.0, high=12.0),
        processing_pb2.FrequencyBand(name="mains", low=49.0, high=51.0),
    ]

    response = await servicer.BandPower(
        processing_pb2.BandPowerRequest(
            data=rows(signal.T.tolist()),
            sample_rate=FS,
            layout="samples",
            bands=bands,
            segment_seconds=4.0,
        ),
        None,
    )

    expected = band_powers(signal, FS, (("mu", 8.0, 12.0), ("mains", 49.0, 51.0)), 4.0)
    assert response.frequency_resolution == 0.25
    assert response.channels[1].absolute["mains"] == expected.absolute[1, 1]
    assert list(response.bands) == bands


async def test_band_power_refuses_bad_bands_and_short_signals(servicer):
    signal = rows(two_channels(seconds=1.0).tolist())
    duplicate = [
        processing_pb2.FrequencyBand(name="alpha", low=8.0, high=13.0),
        processing_pb2.FrequencyBand(name="alpha", low=13.0, high=30.0),
    ]

    with pytest.raises(InvalidParameter) as bad_bands:
        await servicer.BandPower(
            processing_pb2.BandPowerRequest(data=signal, sample_rate=FS, bands=duplicate), None
        )
    with pytest.raises(InsufficientData) as short:
        await servicer.BandPower(
            processing_pb2.BandPowerRequest(data=signal, sample_rate=FS, segment_seconds=2.0),
            None,
        )

    assert bad_bands.value.details["parameter"] == "bands[1].name"
    assert short.value.details["required"] == 500
