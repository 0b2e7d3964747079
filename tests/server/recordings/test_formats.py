"""Exporting recordings as EDF+, CSV and BrainFlow files
(neurogate.server.recordings.formats)."""

from __future__ import annotations

import io
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyedflib
import pytest

from neurogate.server import recordings
from neurogate.server.devices.brainflow_runtime import ensure_brainflow
from neurogate.server.errors import InvalidParameter
from neurogate.server.recordings import (
    EXPORT_FORMATS,
    ExportedFile,
    Marker,
    Recording,
    brainflow_marker_codes,
    export_brainflow,
    export_csv,
    export_edf,
    export_recording,
    formats,
    read_brainflow,
)

ensure_brainflow()
from brainflow.board_shim import BoardIds, BoardShim, BrainFlowInputParams  # noqa: E402
from brainflow.data_filter import DataFilter  # noqa: E402

SYNTHETIC = BoardIds.SYNTHETIC_BOARD.value
SYNTHETIC_DESCRIPTION = BoardShim.get_board_descr(SYNTHETIC)
#: DataFilter.write_file writes "%lf": six decimals, rounded to nearest.
BRAINFLOW_PRECISION = 5e-7 + 1e-9


def _recording(
    samples: int = 1000, channels: int = 4, sample_rate: float = 250.0, **changes: Any
) -> Recording:
    rng = np.random.default_rng(7)
    recording = Recording(
        session_id="ses_0123",
        device_name="Synthetic board",
        board_id=SYNTHETIC,
        sample_rate=sample_rate,
        channel_numbers=tuple(range(1, channels + 1)),
        channel_names=tuple(f"EEG{number}" for number in range(1, channels + 1)),
        samples=rng.normal(0.0, 40.0, (samples, channels)) + rng.uniform(-500, 500, channels),
        timestamps=1_717_000_000.0
        + np.arange(samples) / sample_rate
        + rng.normal(0, 1e-4, samples),
        markers=(
            Marker(10, 0.0, "stimulus", {"color": "red", "side": "left"}),
            Marker(250, 0.0, "response"),
            Marker(250, 0.0, "stimulus", {"color": "blue"}),
            Marker(samples - 1, 0.0, "end"),
        )
        if samples
        else (),
        start_time=datetime(2024, 5, 6, 7, 8, 9, 250_000, tzinfo=UTC),
        subject_pseudonym="subject-042",
        experiment_type="oddball",
    )
    return replace(recording, **changes)


@dataclass
class EdfContents:
    labels: list[str]
    sample_rates: list[float]
    physical_ranges: list[tuple[float, float]]
    dimensions: list[str]
    signals: list[np.ndarray]
    start: datetime
    patient_code: str
    recording_additional: str
    equipment: str
    onsets: np.ndarray
    durations: np.ndarray
    descriptions: list[str]

    def step(self, channel: int) -> float:
        low, high = self.physical_ranges[channel]
        return (high - low) / 65534


def _read_edf(data: bytes, tmp_path: Path) -> EdfContents:
    path = tmp_path / "export.edf"
    path.write_bytes(data)
    reader = pyedflib.EdfReader(str(path))
    try:
        channels = range(reader.signals_in_file)
        onsets, durations, descriptions = reader.readAnnotations()
        return EdfContents(
            labels=reader.getSignalLabels(),
            sample_rates=[reader.getSampleFrequency(channel) for channel in channels],
            physical_ranges=[
                (reader.getPhysicalMinimum(channel), reader.getPhysicalMaximum(channel))
                for channel in channels
            ],
            dimensions=[reader.getPhysicalDimension(channel) for channel in channels],
            signals=[reader.readSignal(channel) for channel in channels],
            start=reader.getStartdatetime(),
            patient_code=reader.getPatientCode(),
            recording_additional=reader.getRecordingAdditional(),
            equipment=reader.getEquipment(),
            onsets=onsets,
            durations=durations,
            descriptions=list(descriptions),
        )
    finally:
        reader.close()


def _read_csv(data: bytes) -> pd.DataFrame:
    # pandas 3 parses floats exactly (round trip) by default.
    return pd.read_csv(io.BytesIO(data), keep_default_na=False)


# -- the API ---------------------------------------------------------------


def test_package_exports_recordings_and_the_export_api() -> None:
    assert sorted(recordings.__all__) == [
        "EXPORT_FORMATS",
        "ExportedFile",
        "Marker",
        "Recording",
        "brainflow_marker_codes",
        "export_brainflow",
        "export_csv",
        "export_edf",
        "export_recording",
        "read_brainflow",
    ]
    assert all(hasattr(recordings, name) for name in recordings.__all__)


@pytest.mark.parametrize(
    ("format", "content_type", "filename", "exporter"),
    [
        ("edf", "application/octet-stream", "ses_0123.edf", export_edf),
        ("csv", "text/csv", "ses_0123.csv", export_csv),
        ("brainflow", "application/octet-stream", "ses_0123.brainflow.csv", export_brainflow),
    ],
)
def test_export_recording_names_the_file_and_its_type(
    format: str, content_type: str, filename: str, exporter: Any
) -> None:
    recording = _recording()

    exported = export_recording(recording, format)

    assert exported == ExportedFile(exporter(recording), content_type, filename)


def test_file_names_keep_only_safe_characters() -> None:
    exported = export_recording(_recording(session_id="../a b/ses"), "csv")

    assert exported.filename == ".._a_b_ses.csv"


def test_unknown_format_is_refused_with_the_valid_choices() -> None:
    with pytest.raises(InvalidParameter) as caught:
        export_recording(_recording(), "mat")

    assert caught.value.details == {
        "parameter": "format",
        "value": "mat",
        "valid_choices": ["edf", "csv", "brainflow"],
    }
    assert EXPORT_FORMATS == ("edf", "csv", "brainflow")


@pytest.mark.parametrize("format", EXPORT_FORMATS)
def test_exports_leave_the_recording_unchanged(format: str) -> None:
    recording = _recording()
    samples, timestamps = recording.samples.copy(), recording.timestamps.copy()
    markers = tuple(replace(marker, metadata=dict(marker.metadata)) for marker in recording.markers)
    recording.samples.flags.writeable = False  # any write into them raises
    recording.timestamps.flags.writeable = False

    export_recording(recording, format)

    np.testing.assert_array_equal(recording.samples, samples)
    np.testing.assert_array_equal(recording.timestamps, timestamps)
    assert recording.markers == markers


def test_a_one_hour_recording_exports_as_edf_in_seconds() -> None:
    recording = _recording(samples=3600 * 250, channels=16)

    started = time.perf_counter()
    data = export_edf(recording)
    elapsed = time.perf_counter() - started

    assert len(data) > 3600 * 250 * 16 * 2
    assert elapsed < 10


# -- EDF+ --------------------------------------------------------------------


def test_edf_holds_labels_rate_units_start_time_and_subject(tmp_path: Path) -> None:
    recording = _recording()

    contents = _read_edf(export_edf(recording), tmp_path)

    assert contents.labels == ["EEG1", "EEG2", "EEG3", "EEG4"]
    assert contents.sample_rates == [250.0] * 4
    assert contents.dimensions == ["uV"] * 4
    # EDF start times are whole seconds (see the module documentation).
    assert contents.start == datetime(2024, 5, 6, 7, 8, 9)
    assert contents.patient_code == "subject-042"
    assert contents.recording_additional == "oddball"
    assert contents.equipment == "Synthetic board"  # pyedflib reads "_" back as " "


@pytest.mark.parametrize("sample_rate", [250.0, 256.0, 512.3, 500.5, 0.5])
def test_edf_samples_are_within_half_a_quantisation_step(
    sample_rate: float, tmp_path: Path
) -> None:
    recording = _recording(samples=3001, sample_rate=sample_rate)

    contents = _read_edf(export_edf(recording), tmp_path)

    assert contents.sample_rates == [pytest.approx(sample_rate, rel=1e-12)] * 4
    for channel, signal in enumerate(contents.signals):
        original = recording.samples[:, channel]
        low, high = contents.physical_ranges[channel]
        assert low < original.min() and original.max() < high
        # The last data record is padded: the file holds at least every sample.
        assert len(signal) >= len(original)
        error = np.abs(signal[: len(original)] - original).max()
        assert error <= contents.step(channel) / 2 * (1 + 1e-6)


def test_edf_pads_the_last_record_with_the_last_sample(tmp_path: Path) -> None:
    recording = _recording(samples=260)

    contents = _read_edf(export_edf(recording), tmp_path)

    padding = contents.signals[0][260:]
    assert len(padding) == 240
    assert np.ptp(padding) == 0
    assert padding[0] == pytest.approx(recording.samples[-1, 0], abs=contents.step(0))


def test_edf_markers_become_annotations_with_their_metadata(tmp_path: Path) -> None:
    recording = _recording(sample_rate=512.3)

    contents = _read_edf(export_edf(recording), tmp_path)

    assert contents.descriptions == [
        "stimulus color=red side=left",
        "response",
        "stimulus color=blue",
        "end",
    ]
    expected = [marker.sample_index / 512.3 for marker in recording.markers]
    np.testing.assert_allclose(contents.onsets, expected, rtol=0, atol=1 / 512.3)
    np.testing.assert_array_equal(contents.durations, -1)


def test_edf_holds_more_markers_than_data_records(tmp_path: Path) -> None:
    markers = tuple(Marker(index % 500, 0.0, f"m{index}") for index in range(1000))
    recording = _recording(samples=500, markers=markers)

    contents = _read_edf(export_edf(recording), tmp_path)

    assert sorted(contents.descriptions) == sorted(marker.type for marker in markers)


def test_edf_keeps_the_exact_rate_when_markers_shorten_the_records(tmp_path: Path) -> None:
    # 6400 markers need 100 records of 64: 9 samples (36 ms) each, a duration
    # pyedflib would truncate to 35.99 ms if passed naively.
    markers = tuple(Marker(index % 900, 0.0, "m") for index in range(6400))
    recording = _recording(samples=900, markers=markers)

    contents = _read_edf(export_edf(recording), tmp_path)

    assert contents.sample_rates == [pytest.approx(250.0, rel=1e-12)] * 4
    assert len(contents.descriptions) == 6400
    error = np.abs(contents.signals[0][:900] - recording.samples[:, 0]).max()
    assert error <= contents.step(0) / 2 * (1 + 1e-6)


def test_edf_refuses_data_records_over_edflibs_10_mib() -> None:
    # 512.3 Hz needs 10 s records: 5123 samples x 1024 channels x 2 bytes.
    recording = _recording(samples=10, channels=1024, sample_rate=512.3, markers=())

    with pytest.raises(InvalidParameter, match="exceed EDFlib's"):
        export_edf(recording)


def test_edf_annotation_descriptions_are_cut_to_40_bytes(tmp_path: Path) -> None:
    marker = Marker(0, 0.0, "ä" * 30)
    recording = _recording(markers=(marker,))

    contents = _read_edf(export_edf(recording), tmp_path)

    assert contents.descriptions == ["ä" * 20]


def test_edf_flat_and_empty_channels_get_a_valid_range(tmp_path: Path) -> None:
    samples = np.column_stack([np.zeros(300), np.full(300, 12345.678), np.full(300, -3e6)])
    flat = replace(_recording(samples=300, channels=3), samples=samples)
    empty = _recording(samples=0)

    flat_contents = _read_edf(export_edf(flat), tmp_path)
    empty_contents = _read_edf(export_edf(empty), tmp_path)

    for channel, (low, high) in enumerate(flat_contents.physical_ranges):
        assert low < samples[0, channel] < high
        error = np.abs(flat_contents.signals[channel][:300] - samples[:, channel]).max()
        assert error <= flat_contents.step(channel) / 2
    # EDF cannot hold zero data records: an empty recording is one of zeros.
    assert empty_contents.physical_ranges == [(-1.0, 1.0)] * 4
    assert [len(signal) for signal in empty_contents.signals] == [250] * 4
    assert not any(signal.any() for signal in empty_contents.signals)


def test_edf_header_texts_become_ascii_within_edf_limits(tmp_path: Path) -> None:
    recording = _recording(
        channel_names=("Électrode numéro un (gauche)", "C3", "Cz", "C4"),
        subject_pseudonym="Zoë Müller " * 10,
        experiment_type="motor imagery " * 10,
    )

    contents = _read_edf(export_edf(recording), tmp_path)

    assert contents.labels[0] == "Electrode numero"
    # pyedflib reads the "_" of the patient code back as " ", not the additional field's.
    assert contents.patient_code == ("Zoe Muller " * 10)[:60]
    assert contents.recording_additional == ("motor_imagery_" * 10)[:39]
    assert contents.equipment == ""  # left empty: EDFlib writes "X", pyedflib reads ""


def test_edf_equipment_takes_what_the_experiment_type_leaves(tmp_path: Path) -> None:
    recording = _recording(device_name="d" * 50, experiment_type="rest")

    contents = _read_edf(export_edf(recording), tmp_path)

    assert contents.recording_additional == "rest"
    assert contents.equipment == "d" * 35


def test_edf_refuses_a_rate_no_record_of_60_s_holds_whole() -> None:
    recording = _recording(sample_rate=256.41)  # 25641 samples per 100 s

    with pytest.raises(InvalidParameter, match=r"256\.41 Hz") as caught:
        export_edf(recording)

    assert caught.value.details["parameter"] == "format"


@pytest.mark.parametrize("value", [np.nan, np.inf, -2e7])
def test_edf_refuses_values_it_cannot_hold(value: float) -> None:
    recording = _recording()
    samples = recording.samples.copy()
    samples[5, 1] = value

    with pytest.raises(InvalidParameter) as caught:
        export_edf(replace(recording, samples=samples))

    assert caught.value.details == {"parameter": "format", "value": "edf"}


def test_an_inconsistent_recording_is_a_bug_not_a_callers_mistake() -> None:
    recording = _recording(samples=100, markers=(Marker(100, 0.0, "late"),))

    with pytest.raises(ValueError, match="outside the recording"):
        export_csv(recording)


# -- CSV -------------------------------------------------------------------


def test_csv_reads_back_exactly() -> None:
    recording = _recording()

    table = _read_csv(export_csv(recording))

    assert list(table.columns) == [
        "sample_index",
        "timestamp",
        "EEG1",
        "EEG2",
        "EEG3",
        "EEG4",
        "marker",
    ]
    np.testing.assert_array_equal(table["sample_index"], np.arange(1000))
    np.testing.assert_array_equal(table["timestamp"], recording.timestamps)
    np.testing.assert_array_equal(table[["EEG1", "EEG2", "EEG3", "EEG4"]], recording.samples)


def test_csv_marker_column_joins_the_types_at_a_sample() -> None:
    recording = _recording()

    table = _read_csv(export_csv(recording))

    assert table["marker"][table["marker"] != ""].to_dict() == {
        10: "stimulus",
        250: "response|stimulus",
        999: "end",
    }


def test_csv_quotes_names_and_marker_types_that_need_it() -> None:
    recording = _recording(
        channel_names=("Fp1, left", 'say "hi"', "C3", "C4"),
        markers=(Marker(3, 0.0, "a,b"), Marker(4, 0.0, 'quote "q"')),
    )

    table = _read_csv(export_csv(recording))

    assert list(table.columns)[2:4] == ["Fp1, left", 'say "hi"']
    assert table["marker"][3] == "a,b"
    assert table["marker"][4] == 'quote "q"'


def test_csv_of_an_empty_recording_is_its_header() -> None:
    assert export_csv(_recording(samples=0)) == (
        b"sample_index,timestamp,EEG1,EEG2,EEG3,EEG4,marker\r\n"
    )


# -- BrainFlow ----------------------------------------------------------------


@pytest.fixture(scope="module")
def synthetic_recording() -> Recording:
    """About two seconds of channels 2, 5, 7 and 16 from BrainFlow's real
    synthetic board."""
    board = BoardShim(SYNTHETIC, BrainFlowInputParams())
    board.prepare_session()
    try:
        board.start_stream()
        deadline = time.monotonic() + 10
        while board.get_board_data_count() < 500 and time.monotonic() < deadline:
            time.sleep(0.05)
        board.stop_stream()
        data = board.get_board_data()
    finally:
        board.release_session()
    assert data.shape[1] >= 500
    numbers = (2, 5, 7, 16)
    rows = [SYNTHETIC_DESCRIPTION["eeg_channels"][number - 1] for number in numbers]
    names = SYNTHETIC_DESCRIPTION["eeg_names"].split(",")
    return Recording(
        session_id="ses_synthetic",
        device_name="synthetic",
        board_id=SYNTHETIC,
        sample_rate=float(SYNTHETIC_DESCRIPTION["sampling_rate"]),
        channel_numbers=numbers,
        channel_names=tuple(names[number - 1] for number in numbers),
        samples=data[rows].T.copy(),
        timestamps=data[SYNTHETIC_DESCRIPTION["timestamp_channel"]].copy(),
        markers=(Marker(20, 0.0, "go"), Marker(100, 0.0, "stop"), Marker(300, 0.0, "go")),
        start_time=datetime.now(UTC),
    )


@pytest.fixture
def playback_file(tmp_path: Path, synthetic_recording: Recording) -> Path:
    path = tmp_path / "replay.csv"
    path.write_bytes(export_brainflow(synthetic_recording))
    return path


def test_brainflow_export_replays_on_brainflows_playback_board(
    playback_file: Path, synthetic_recording: Recording
) -> None:
    count = len(synthetic_recording.samples)
    params = BrainFlowInputParams()
    params.file = str(playback_file)
    params.master_board = SYNTHETIC
    board = BoardShim(BoardIds.PLAYBACK_FILE_BOARD, params)

    board.prepare_session()
    try:
        board.config_board("old_timestamps")
        board.start_stream()
        # Playback runs in real time: about two seconds.
        deadline = time.monotonic() + 30
        while board.get_board_data_count() < count and time.monotonic() < deadline:
            time.sleep(0.05)
        board.stop_stream()
        replayed = board.get_board_data()
    finally:
        board.release_session()

    assert replayed.shape == (BoardShim.get_num_rows(SYNTHETIC), count)
    rows = [SYNTHETIC_DESCRIPTION["eeg_channels"][n - 1] for n in (2, 5, 7, 16)]
    np.testing.assert_allclose(
        replayed[rows].T, synthetic_recording.samples, rtol=0, atol=BRAINFLOW_PRECISION
    )
    np.testing.assert_allclose(
        replayed[SYNTHETIC_DESCRIPTION["timestamp_channel"]],
        synthetic_recording.timestamps,
        rtol=0,
        atol=BRAINFLOW_PRECISION,
    )
    np.testing.assert_array_equal(
        replayed[SYNTHETIC_DESCRIPTION["package_num_channel"]], np.arange(count) % 256
    )
    # The playback board fills the marker row with markers inserted while it
    # plays (insert_marker), not the file's: the file's are checked below.
    assert not replayed[SYNTHETIC_DESCRIPTION["marker_channel"]].any()


def test_brainflow_file_is_what_data_filter_reads(
    playback_file: Path, synthetic_recording: Recording
) -> None:
    table = DataFilter.read_file(str(playback_file))

    assert table.shape == (32, len(synthetic_recording.samples))
    eeg_rows = [SYNTHETIC_DESCRIPTION["eeg_channels"][n - 1] for n in (2, 5, 7, 16)]
    used = {
        *eeg_rows,
        SYNTHETIC_DESCRIPTION["timestamp_channel"],
        SYNTHETIC_DESCRIPTION["package_num_channel"],
        SYNTHETIC_DESCRIPTION["marker_channel"],
    }
    assert not table[[row for row in range(32) if row not in used]].any()
    np.testing.assert_array_equal(
        table[SYNTHETIC_DESCRIPTION["package_num_channel"]], np.arange(table.shape[1]) % 256
    )
    markers = table[SYNTHETIC_DESCRIPTION["marker_channel"]]
    assert {int(index): markers[index] for index in np.flatnonzero(markers)} == {
        20: 1.0,
        100: 2.0,
        300: 1.0,
    }


def test_brainflow_export_is_byte_for_byte_what_write_file_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(formats, "_BRAINFLOW_CHUNK", 300)  # several chunks
    recording = _recording(channel_numbers=(3, 1, 2, 9))
    table = np.zeros((32, 1000))
    table[[3, 1, 2, 9]] = recording.samples.T  # the synthetic board's EEG rows are 1..16
    table[30] = recording.timestamps
    table[0] = np.arange(1000) % 256
    table[31, [10, 250, 999]] = [1, 2, 3]
    expected = tmp_path / "expected.csv"
    DataFilter.write_file(table, str(expected), "w")

    data = export_brainflow(recording)

    assert data == expected.read_bytes()


def test_read_brainflow_returns_the_recordings_channels_and_timestamps(
    synthetic_recording: Recording,
) -> None:
    data = export_brainflow(synthetic_recording)

    samples, timestamps = read_brainflow(data, SYNTHETIC, synthetic_recording.channel_numbers)

    np.testing.assert_allclose(
        samples, synthetic_recording.samples, rtol=0, atol=BRAINFLOW_PRECISION
    )
    np.testing.assert_allclose(
        timestamps, synthetic_recording.timestamps, rtol=0, atol=BRAINFLOW_PRECISION
    )


def test_read_brainflow_defaults_to_every_eeg_channel_of_the_board() -> None:
    recording = _recording(channel_numbers=(1, 2, 3, 16))

    samples, _ = read_brainflow(export_brainflow(recording), SYNTHETIC)

    assert samples.shape == (1000, 16)
    np.testing.assert_allclose(
        samples[:, [0, 1, 2, 15]], recording.samples, rtol=0, atol=BRAINFLOW_PRECISION
    )
    assert not samples[:, 3:15].any()


def test_brainflow_keeps_six_decimal_places() -> None:
    recording = replace(
        _recording(samples=2, channels=1, markers=()),
        samples=np.array([[1.23456789], [-1e-7]]),
        timestamps=np.array([1_717_000_000.123456789, 1_717_000_000.5]),
    )

    samples, timestamps = read_brainflow(export_brainflow(recording), SYNTHETIC, (1,))

    np.testing.assert_array_equal(samples, [[1.234568], [0.0]])
    np.testing.assert_array_equal(timestamps, [1_717_000_000.123457, 1_717_000_000.5])


def test_brainflow_marker_codes_number_types_by_first_appearance() -> None:
    markers = (Marker(9, 0.0, "late"), Marker(1, 0.0, "early"), Marker(5, 0.0, "late"))

    assert brainflow_marker_codes(markers) == {"early": 1, "late": 2}


def test_brainflow_writes_the_first_of_markers_sharing_a_sample() -> None:
    recording = _recording(markers=(Marker(7, 0.0, "a"), Marker(7, 0.0, "b")))

    table = _brainflow_table(export_brainflow(recording))

    markers = table[SYNTHETIC_DESCRIPTION["marker_channel"]]
    assert {int(index): markers[index] for index in np.flatnonzero(markers)} == {7: 1.0}


def test_external_recordings_take_the_synthetic_boards_layout() -> None:
    recording = _recording(board_id=None, channels=16)

    samples, _ = read_brainflow(export_brainflow(recording), None, range(1, 17))

    assert _brainflow_table(export_brainflow(recording)).shape[0] == 32
    np.testing.assert_allclose(samples, recording.samples, rtol=0, atol=BRAINFLOW_PRECISION)


def test_external_recordings_over_16_channels_are_refused() -> None:
    recording = _recording(board_id=None, channels=17)

    with pytest.raises(InvalidParameter, match="synthetic board, which has 16") as caught:
        export_brainflow(recording)

    assert caught.value.details["parameter"] == "format"
    assert caught.value.details["channel_numbers"] == [17]


def test_boards_without_a_layout_are_refused() -> None:
    recording = _recording(board_id=BoardIds.PLAYBACK_FILE_BOARD.value)

    with pytest.raises(InvalidParameter, match="board -3 has no EEG rows"):
        export_brainflow(recording)


def test_an_empty_recording_round_trips_through_brainflow() -> None:
    data = export_brainflow(_recording(samples=0))

    samples, timestamps = read_brainflow(data, SYNTHETIC, (1, 2, 3, 4))

    assert data == b""
    assert samples.shape == (0, 4)
    assert timestamps.shape == (0,)


def test_read_brainflow_refuses_channels_the_board_lacks() -> None:
    data = export_brainflow(_recording())

    with pytest.raises(InvalidParameter) as caught:
        read_brainflow(data, SYNTHETIC, (1, 17))

    assert caught.value.details == {"parameter": "channel_numbers", "value": [17]}


def test_read_brainflow_refuses_a_file_of_another_board() -> None:
    data = export_brainflow(_recording())

    with pytest.raises(InvalidParameter, match="32 rows") as caught:
        read_brainflow(data, BoardIds.CYTON_BOARD.value)

    assert caught.value.details["parameter"] == "data"


def _brainflow_table(data: bytes) -> np.ndarray:
    samples_rows = data.decode().splitlines()
    return np.array([[float(value) for value in row.split("\t")] for row in samples_rows]).T
