"""Signal processing over REST through Envoy: ``POST /v1/processing/filter``
and ``POST /v1/processing/band-power`` answer what scipy computes on the same
signal, and bad requests are refused in the error envelope."""

from __future__ import annotations

import httpx
import numpy as np
import pytest
from scipy import signal as sps

from conftest import Caller, NewCaller, assert_envelope

FS = 250.0


def signal_channels(seconds: float = 4.0, channels: int = 2) -> np.ndarray:
    """(channels, samples): alpha, 50 Hz mains, an offset and noise."""
    rng = np.random.default_rng(11)
    t = np.arange(round(seconds * FS)) / FS
    rows = [
        (-1) ** c * 20 * np.sin(2 * np.pi * (9 + c) * t)
        + 8 * np.sin(2 * np.pi * 50 * t)
        + 100 * c
        + rng.normal(0, 2, len(t))
        for c in range(channels)
    ]
    return np.vstack(rows)


def bandpass_notch_sos() -> np.ndarray:
    """The documented chain: 4th-order Butterworth band-pass 1-40 Hz, then an
    iirnotch at 50 Hz with Q 30, cascaded into one set of sections."""
    bandpass = sps.butter(4, [1.0, 40.0], btype="bandpass", output="sos", fs=FS)
    notch = sps.tf2sos(*sps.iirnotch(50.0, 30.0, fs=FS))
    return np.concatenate([bandpass, notch])


FILTERS = [{"type": "bandpass", "low": 1, "high": 40}, {"type": "notch", "frequency": 50}]


async def post_filter(rest: httpx.AsyncClient, caller: Caller, **body: object) -> httpx.Response:
    return await rest.post("/v1/processing/filter", headers=caller.headers, json=body)


async def post_band_power(
    rest: httpx.AsyncClient, caller: Caller, **body: object
) -> httpx.Response:
    return await rest.post("/v1/processing/band-power", headers=caller.headers, json=body)


def welch_band_powers(
    matrix: np.ndarray, bands: list[tuple[str, float, float]], nperseg: int
) -> np.ndarray:
    """Band powers as server/signal/bands.py documents them: Welch PSD (Hann,
    50% overlap, constant detrend, density), the sum of the bins with
    low <= f < high times the bin width."""
    frequencies, psd = sps.welch(
        matrix, fs=FS, window="hann", nperseg=nperseg, noverlap=nperseg // 2, axis=-1
    )
    resolution = frequencies[1] - frequencies[0]
    return np.stack(
        [
            psd[:, (frequencies >= low) & (frequencies < high)].sum(axis=-1) * resolution
            for _, low, high in bands
        ],
        axis=1,
    )


DEFAULT_BANDS = [
    ("delta", 1.0, 4.0),
    ("theta", 4.0, 8.0),
    ("alpha", 8.0, 13.0),
    ("beta", 13.0, 30.0),
    ("gamma", 30.0, 45.0),
]


# ---------------------------------------------------------------- filter


async def test_filter_is_zero_phase_by_default_and_equals_scipy_sosfiltfilt(
    new_caller: NewCaller, rest: httpx.AsyncClient
):
    caller = await new_caller()
    data = signal_channels()

    reply = await post_filter(rest, caller, data=data.tolist(), sample_rate=FS, filters=FILTERS)

    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert (body["mode"], body["layout"], body["sample_rate"]) == ("zero_phase", "channels", FS)
    applied = [{k: v for k, v in f.items() if v not in (0, "")} for f in body["filters"]]
    assert applied == [  # defaults filled in: order 4, notch quality 30
        {"type": "bandpass", "low": 1, "high": 40, "order": 4},
        {"type": "notch", "frequency": 50, "quality": 30},
    ]
    expected = sps.sosfiltfilt(bandpass_notch_sos(), data, axis=-1)
    np.testing.assert_allclose(np.array(body["data"]), expected, rtol=1e-9, atol=1e-9)


async def test_causal_mode_equals_scipy_sosfilt_from_rest(
    new_caller: NewCaller, rest: httpx.AsyncClient
):
    caller = await new_caller()
    data = signal_channels(2.0)

    reply = await post_filter(
        rest, caller, data=data.tolist(), sample_rate=FS, filters=FILTERS, mode="causal"
    )

    assert reply.status_code == 200, reply.text
    assert reply.json()["mode"] == "causal"
    expected = sps.sosfilt(bandpass_notch_sos(), data, axis=-1)
    np.testing.assert_allclose(np.array(reply.json()["data"]), expected, rtol=1e-9, atol=1e-9)


async def test_samples_layout_comes_back_in_the_same_layout(
    new_caller: NewCaller, rest: httpx.AsyncClient
):
    caller = await new_caller()
    data = signal_channels(2.0, channels=3)

    reply = await post_filter(
        rest, caller, data=data.T.tolist(), sample_rate=FS, filters=FILTERS, layout="samples"
    )

    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["layout"] == "samples"
    filtered = np.array(body["data"])
    assert filtered.shape == (data.shape[1], 3)  # one row per sample, as sent
    expected = sps.sosfiltfilt(bandpass_notch_sos(), data, axis=-1).T
    np.testing.assert_allclose(filtered, expected, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize(
    ("filters", "parameter"),
    [
        pytest.param(
            [{"type": "lowpass", "high": 125}], "filters[0].high", id="lowpass at Nyquist"
        ),
        pytest.param(
            [{"type": "notch", "frequency": 50}, {"type": "bandpass", "low": 1, "high": 130}],
            "filters[1].high",
            id="bandpass above Nyquist",
        ),
        pytest.param(
            [{"type": "highpass", "low": 125}], "filters[0].low", id="highpass at Nyquist"
        ),
    ],
)
async def test_cut_off_at_or_above_nyquist_is_invalid_configuration_naming_it(
    filters: list[dict], parameter: str, new_caller: NewCaller, rest: httpx.AsyncClient
):
    caller = await new_caller()
    reply = await post_filter(
        rest, caller, data=signal_channels(1.0).tolist(), sample_rate=FS, filters=filters
    )
    error = assert_envelope(reply, 400, "INVALID_CONFIGURATION")
    assert error["details"]["parameter"] == parameter
    assert error["details"]["valid_range"] == [0, 125]
    assert "nyquist" in error["message"].lower()


async def test_ragged_rows_are_refused_naming_the_row(
    new_caller: NewCaller, rest: httpx.AsyncClient
):
    caller = await new_caller()
    data = signal_channels(1.0).tolist()
    data[1] = data[1][:-5]

    reply = await post_filter(rest, caller, data=data, sample_rate=FS, filters=FILTERS)

    error = assert_envelope(reply, 400, "INVALID_PARAMETER")
    assert error["details"]["parameter"] == "data"
    assert (error["details"]["row"], error["details"]["expected"]) == (1, 250)
    assert error["details"]["value"] == 245


@pytest.mark.parametrize("path", ["/v1/processing/filter", "/v1/processing/band-power"])
async def test_string_values_are_refused_naming_row_and_column(
    path: str, new_caller: NewCaller, rest: httpx.AsyncClient
):
    caller = await new_caller()
    data = signal_channels(2.0).tolist()
    data[1][7] = "12.5"

    reply = await rest.post(
        path,
        headers=caller.headers,
        json={"data": data, "sample_rate": FS, "filters": FILTERS}
        if path.endswith("filter")
        else {"data": data, "sample_rate": FS},
    )

    error = assert_envelope(reply, 400, "INVALID_PARAMETER")
    assert error["details"] == {"parameter": "data", "value": "12.5", "row": 1, "column": 7}


# ---------------------------------------------------------------- band power


async def test_band_powers_equal_welch_integrated_over_each_band(
    new_caller: NewCaller, rest: httpx.AsyncClient
):
    caller = await new_caller()
    data = signal_channels(8.0, channels=3)

    reply = await post_band_power(rest, caller, data=data.tolist(), sample_rate=FS)

    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert [(b["name"], b["low"], b["high"]) for b in body["bands"]] == DEFAULT_BANDS
    assert body["frequency_resolution"] == 0.5  # 2 s segments
    assert "welch" in body["method"] and "hann" in body["method"]
    expected = welch_band_powers(data, DEFAULT_BANDS, nperseg=500)
    names = [name for name, _, _ in DEFAULT_BANDS]
    assert [c["channel"] for c in body["channels"]] == [1, 2, 3]
    absolute = np.array([[c["absolute"][n] for n in names] for c in body["channels"]])
    relative = np.array([[c["relative"][n] for n in names] for c in body["channels"]])
    np.testing.assert_allclose(absolute, expected, rtol=1e-9)
    np.testing.assert_allclose(relative, expected / expected.sum(axis=1, keepdims=True), rtol=1e-9)
    assert np.argmax(absolute, axis=1).tolist() == [2, 2, 2]  # alpha dominates


async def test_band_power_with_custom_bands_segment_and_samples_layout(
    new_caller: NewCaller, rest: httpx.AsyncClient
):
    caller = await new_caller()
    data = signal_channels(4.0)
    bands = [("low", 0.0, 20.0), ("mains", 48.0, 52.0)]

    reply = await post_band_power(
        rest,
        caller,
        data=data.T.tolist(),
        sample_rate=FS,
        layout="samples",
        segment_seconds=1,
        bands=[{"name": n, "low": lo, "high": hi} for n, lo, hi in bands],
    )

    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["frequency_resolution"] == 1.0
    expected = welch_band_powers(data, bands, nperseg=250)
    absolute = np.array([[c["absolute"][n] for n, _, _ in bands] for c in body["channels"]])
    np.testing.assert_allclose(absolute, expected, rtol=1e-9)


async def test_band_above_nyquist_is_refused_naming_it(
    new_caller: NewCaller, rest: httpx.AsyncClient
):
    caller = await new_caller()
    reply = await post_band_power(
        rest,
        caller,
        data=signal_channels(2.0).tolist(),
        sample_rate=FS,
        bands=[{"name": "high", "low": 100, "high": 200}],
    )
    error = assert_envelope(reply, 400, "INVALID_PARAMETER")
    assert (error["details"]["parameter"], error["details"]["value"]) == ("bands[0].high", 200)


async def test_ragged_band_power_data_is_refused(new_caller: NewCaller, rest: httpx.AsyncClient):
    caller = await new_caller()
    data = signal_channels(2.0).tolist()
    data[0].append(1.0)
    reply = await post_band_power(rest, caller, data=data, sample_rate=FS)
    error = assert_envelope(reply, 400, "INVALID_PARAMETER")
    assert (error["details"]["row"], error["details"]["expected"]) == (1, 501)
