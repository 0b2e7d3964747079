"""Exporting a :class:`~neurogate.server.recordings.recording.Recording` as a
file: EDF+, CSV or BrainFlow's own CSV. Every exporter is a pure function
from a recording to bytes; none modifies the recording.

``edf`` (``<session_id>.edf``, ``application/octet-stream``)
    EDF+C written with pyedflib: one signal per channel in microvolts, the
    markers as EDF+ annotations. EDF stores 16-bit integers: each channel's
    physical range is the data's range widened by 0.1 % (by 1 uV for a flat
    channel; -1..1 uV for an empty recording), rounded outwards to a number
    EDF's 8-character header field holds exactly, and mapped to -32767..32767,
    so a value read back is within half a step, (max - min) / 65534 / 2, of
    the original. Other limits, all EDF's or pyedflib's:

    * The sample rate is exact: a data record lasts 1 s when the rate is a
      whole number of samples per second, otherwise the shortest duration
      (a multiple of 10 us, at most 60 s) holding a whole number of samples,
      e.g. 10 s for 512.3 Hz; a rate that needs more than 60 s is refused.
      Records are shortened when there are more markers than 64 per record,
      or when a record would exceed EDFlib's 10 MiB.
    * EDF holds whole records: the last record is padded by repeating each
      channel's last sample, so a reader sees up to one record minus one
      sample more than the recording holds. An empty recording is one
      record of zeros.
    * The start time is whole seconds (the fraction is dropped: pyedflib
      0.1.42 writes sub-second start times ten times too large), in UTC when
      the recording's start time is timezone-aware; the per-sample
      timestamps are not stored (EDF implies them from start and rate).
    * Annotation onsets are kept to 100 us (pyedflib's unit), descriptions
      (the marker type, then its metadata as ``key=value`` pairs separated by
      spaces) to 40 bytes of UTF-8 (EDFlib's limit); durations are unset.
    * Header texts become printable ASCII (accents dropped, spaces in the
      patient and recording fields as ``_``), labels 16 characters, the
      patient code (the subject pseudonym) 60; the recording's additional
      field (experiment type) 39 and its equipment (device name) what is left
      of the 40 characters EDFlib keeps for both.
    * Values that are not finite, or beyond what 8 characters write in
      microvolts (-9999999 to 99999999 uV, less the margin), are refused.

``csv`` (``<session_id>.csv``, ``text/csv``)
    RFC 4180 CSV (UTF-8, CRLF line ends), header
    ``sample_index,timestamp,<channel names...>,marker``, one row per sample.
    Numbers are written with Python's ``repr``: the shortest text that reads
    back as the same float64, so the file is exact. The marker column holds
    the types of the markers at that sample joined with ``|`` in the
    recording's order, or is empty.

``brainflow`` (``<session_id>.brainflow.csv``, ``application/octet-stream``)
    What ``DataFilter.write_file(data, path, "w")`` writes for the source
    board's full data array, so BrainFlow's ``DataFilter.read_file`` and its
    PLAYBACK_FILE_BOARD read it: one tab-separated line per sample, one column
    per row of the board (``BoardShim.get_num_rows``). Channel number N fills
    the board's ``eeg_channels[N - 1]`` row, the timestamp row holds the
    timestamps, the package-number row ``sample_index % 256``, the marker row
    the code of the marker at that sample (see :func:`brainflow_marker_codes`;
    0 for none) and every other row 0 (written in chunks of samples, with
    the same bytes as one call). BrainFlow writes ``%lf``, six decimal
    places: values and timestamps are rounded to 1e-6 (uV, s), an error of
    at most 5e-7. A row holds one marker per sample: where several
    markers share a sample only the first one's code is written. BrainFlow's
    PLAYBACK_FILE_BOARD replays every row but the marker row, which it fills
    with the markers inserted while it plays (``insert_marker``). Recordings of
    external devices (no board) take SYNTHETIC_BOARD's layout, which has 16
    EEG rows; a channel number above a board's EEG row count is refused.
"""

from __future__ import annotations

import csv
import io
import math
import re
import tempfile
import unicodedata
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import pyedflib

from neurogate.server.devices.brainflow_runtime import ensure_brainflow
from neurogate.server.errors import InvalidParameter
from neurogate.server.recordings.recording import Marker, Recording

ensure_brainflow()
from brainflow.board_shim import BoardIds, BoardShim  # noqa: E402
from brainflow.data_filter import DataFilter  # noqa: E402
from brainflow.exit_codes import BrainFlowError  # noqa: E402

__all__ = [
    "EXPORT_FORMATS",
    "ExportedFile",
    "brainflow_marker_codes",
    "export_brainflow",
    "export_csv",
    "export_edf",
    "export_recording",
    "read_brainflow",
]

EXPORT_FORMATS = ("edf", "csv", "brainflow")

_EDF_DIGITAL_MIN = -32767
_EDF_DIGITAL_MAX = 32767
_EDF_LABEL_LENGTH = 16
_EDF_PATIENT_CODE_LENGTH = 60
#: EDFlib keeps 40 characters of "<equipment> <recording additional>".
_EDF_RECORDING_FIELDS_LENGTH = 40
_EDF_ANNOTATION_BYTES = 40
_EDF_MAX_ANNOTATION_SIGNALS = 64
#: EDFlib counts record durations in units of 10 us; pyedflib allows 1 ms to 60 s.
_EDF_DURATION_UNITS_PER_SECOND = 100_000
_EDF_MIN_RECORD_UNITS = 100
_EDF_MAX_RECORD_SECONDS = 60
_EDF_YEARS = range(1985, 2085)
#: EDFlib refuses data records over 10 MiB; this leaves room for 64
#: annotation signals.
_EDF_MAX_RECORD_BYTES = 10 * 1024 * 1024 - 64 * 128
#: Samples per ``DataFilter.write_file`` call: bounds the full-layout copy.
_BRAINFLOW_CHUNK = 65_536
#: Samples formatted at a time: bounds the Python lists the CSV text is made from.
_CSV_CHUNK = 65_536
_UNSAFE_FILENAME = re.compile(r"[^A-Za-z0-9._-]")


@dataclass(frozen=True)
class ExportedFile:
    """An exported recording, ready to send: bytes, MIME type and file name."""

    data: bytes
    content_type: str
    #: ``<session_id>.edf``, ``<session_id>.csv`` or ``<session_id>.brainflow.csv``
    #: (characters other than letters, digits, ``.``, ``_`` and ``-`` become ``_``).
    filename: str


def export_recording(recording: Recording, format: str) -> ExportedFile:
    """Export ``recording`` in one of :data:`EXPORT_FORMATS`."""
    try:
        exporter, content_type, suffix = _EXPORTERS[format]
    except KeyError:
        raise InvalidParameter(
            f"unknown export format {format!r}",
            parameter="format",
            value=format,
            valid_choices=list(EXPORT_FORMATS),
        ) from None
    name = _UNSAFE_FILENAME.sub("_", recording.session_id) or "recording"
    return ExportedFile(exporter(recording), content_type, name + suffix)


# -- EDF+ -------------------------------------------------------------------


def export_edf(recording: Recording) -> bytes:
    """The recording as an EDF+C file (see the module documentation)."""
    samples, _ = _checked(recording)
    if not np.isfinite(samples).all():
        raise _refused("edf", "EDF cannot hold values that are not finite (NaN or infinity)")
    start = _edf_start(recording.start_time)
    count, channels = samples.shape
    base_samples, base_units = _edf_base_record(recording.sample_rate)
    multiple = _edf_record_multiple(
        count, channels, len(recording.markers), base_samples, base_units
    )
    per_record = base_samples * multiple
    records = max(1, math.ceil(count / per_record))
    bounds = [_edf_physical_range(samples[:, column]) for column in range(channels)]
    digital = _edf_digital(samples, bounds, records * per_record)

    with tempfile.TemporaryDirectory(prefix="neurogate-edf-") as directory:
        path = Path(directory) / "recording.edf"
        writer = pyedflib.EdfWriter(str(path), channels, file_type=pyedflib.FILETYPE_EDFPLUS)
        try:
            writer.setSignalHeaders(
                [
                    {
                        "label": _ascii(name, keep_spaces=True)[:_EDF_LABEL_LENGTH],
                        "dimension": "uV",
                        "sample_frequency": recording.sample_rate,
                        "physical_min": low,
                        "physical_max": high,
                        "digital_min": _EDF_DIGITAL_MIN,
                        "digital_max": _EDF_DIGITAL_MAX,
                        "transducer": "",
                        "prefilter": "",
                    }
                    for name, (low, high) in zip(recording.channel_names, bounds, strict=True)
                ]
            )
            with warnings.catch_warnings():
                # pyedflib warns whenever the duration is chosen by the caller;
                # ours always holds a whole number of samples.
                warnings.filterwarnings("ignore", "Forcing a specific record_duration")
                writer.setDatarecordDuration(_edf_seconds(multiple * base_units))
            signals = math.ceil(len(recording.markers) / records)
            writer.set_number_of_annotation_signals(max(1, signals))
            writer.setStartdatetime(start)
            writer.setPatientCode(_ascii(recording.subject_pseudonym)[:_EDF_PATIENT_CODE_LENGTH])
            additional = _ascii(recording.experiment_type)[: _EDF_RECORDING_FIELDS_LENGTH - 1]
            writer.setRecordingAdditional(additional)
            room = _EDF_RECORDING_FIELDS_LENGTH - (len(additional) + 1 if additional else 0)
            writer.setEquipment(_ascii(recording.device_name)[:room])
            # One record: every channel's samples in turn, channel 0 first.
            blocks = digital.reshape(records, per_record, channels).transpose(0, 2, 1)
            for block in blocks:
                if writer.blockWriteDigitalShortSamples(np.ascontiguousarray(block).ravel()):
                    raise OSError("EDFlib could not write a data record")
            for marker in recording.markers:
                writer.writeAnnotation(
                    marker.sample_index / recording.sample_rate, -1, _edf_description(marker)
                )
        finally:
            writer.close()
        return path.read_bytes()


def _edf_start(start_time: datetime) -> datetime:
    if start_time.tzinfo is not None:
        start_time = start_time.astimezone(UTC).replace(tzinfo=None)
    if start_time.year not in _EDF_YEARS:
        raise _refused("edf", "EDF start dates must lie in the years 1985 to 2084")
    return start_time.replace(microsecond=0)


def _edf_base_record(sample_rate: float) -> tuple[int, int]:
    """The shortest data record holding a whole number of samples: (samples,
    duration in EDFlib's 10 us units)."""
    rate = Fraction(sample_rate).limit_denominator(1_000_000)
    if not math.isclose(float(rate), sample_rate, rel_tol=1e-12):
        raise _refused("edf", f"EDF cannot represent a sample rate of {sample_rate} Hz")
    # duration = samples / rate must be a whole number of units.
    samples = rate.numerator // math.gcd(
        rate.numerator, rate.denominator * _EDF_DURATION_UNITS_PER_SECOND
    )
    units = samples * rate.denominator * _EDF_DURATION_UNITS_PER_SECOND // rate.numerator
    if units > _EDF_MAX_RECORD_SECONDS * _EDF_DURATION_UNITS_PER_SECOND:
        raise _refused(
            "edf",
            f"EDF cannot represent a sample rate of {sample_rate} Hz: a data record holding "
            f"a whole number of samples would last {units / _EDF_DURATION_UNITS_PER_SECOND} s, "
            f"over EDF's {_EDF_MAX_RECORD_SECONDS} s",
        )
    return samples, units


def _edf_seconds(units: int) -> float:
    """A record duration pyedflib passes on as exactly ``units``: it truncates
    seconds * 100000 to an integer, and e.g. 104 / 100000 * 100000 is
    103.99999999999999, so step up to the next float that does not fall short."""
    seconds = units / _EDF_DURATION_UNITS_PER_SECOND
    while int(seconds * _EDF_DURATION_UNITS_PER_SECOND) < units:
        seconds = math.nextafter(seconds, math.inf)
    return seconds


def _edf_record_multiple(
    count: int, channels: int, markers: int, base_samples: int, base_units: int
) -> int:
    """How many base records make a data record: as many as fit in 1 s (one
    base record if that is longer) and in EDFlib's record size, fewer if the
    markers need more records (a record carries at most one annotation per
    annotation signal)."""
    shortest = math.ceil(_EDF_MIN_RECORD_UNITS / base_units)
    fitting = _EDF_MAX_RECORD_BYTES // (2 * channels * base_samples)
    if fitting < shortest:
        raise _refused(
            "edf",
            f"a data record of {channels} channels at {base_samples} samples each would "
            f"exceed EDFlib's {_EDF_MAX_RECORD_BYTES} bytes",
        )
    multiple = min(fitting, max(shortest, _EDF_DURATION_UNITS_PER_SECOND // base_units))
    needed = math.ceil(markers / _EDF_MAX_ANNOTATION_SIGNALS)
    while multiple > shortest and max(1, math.ceil(count / (base_samples * multiple))) < needed:
        multiple -= 1
    if max(1, math.ceil(count / (base_samples * multiple))) < needed:
        raise _refused(
            "edf",
            f"EDF cannot hold {markers} markers in a recording of {count} samples "
            f"(at most {_EDF_MAX_ANNOTATION_SIGNALS} per data record)",
        )
    return multiple


def _edf_physical_range(values: np.ndarray) -> tuple[float, float]:
    if not values.size:
        return -1, 1
    low, high = float(values.min()), float(values.max())
    margin = (high - low) * 1e-3 if high > low else 1.0
    return _edf_number(low - margin, up=False), _edf_number(high + margin, up=True)


def _edf_number(value: float, *, up: bool) -> float:
    """The number nearest to ``value``, on the side ``up`` says, that EDF's
    8-character header field holds exactly (as an int when it is whole, so
    that pyedflib's length check sees no ``.0``)."""
    rounding = ROUND_CEILING if up else ROUND_FLOOR
    exact = Decimal(value)
    for decimals in range(7, -1, -1):
        rounded = exact.quantize(Decimal(1).scaleb(-decimals), rounding=rounding)
        text = format(rounded, "f")
        if len(text) <= 8:
            return int(rounded) if rounded == rounded.to_integral_value() else float(text)
    raise _refused("edf", f"EDF's 8-character header cannot hold a value of {value:g} uV")


def _edf_digital(samples: np.ndarray, bounds: list[tuple[float, float]], length: int) -> np.ndarray:
    """(length, channels) int16: the samples on the EDF scale, rounded to
    nearest, the tail padded with each channel's last value (zeros if none)."""
    low = np.array([bound[0] for bound in bounds], dtype=np.float64)
    high = np.array([bound[1] for bound in bounds], dtype=np.float64)
    step = (high - low) / (_EDF_DIGITAL_MAX - _EDF_DIGITAL_MIN)
    digital = np.rint((samples - low) / step + _EDF_DIGITAL_MIN)
    np.clip(digital, _EDF_DIGITAL_MIN, _EDF_DIGITAL_MAX, out=digital)
    digital = digital.astype(np.int16)
    if not len(digital):
        return np.zeros((length, samples.shape[1]), dtype=np.int16)
    return np.pad(digital, ((0, length - len(digital)), (0, 0)), mode="edge")


def _edf_description(marker: Marker) -> str:
    text = " ".join([marker.type, *(f"{key}={value}" for key, value in marker.metadata.items())])
    encoded = text.encode("utf-8")[:_EDF_ANNOTATION_BYTES]
    return encoded.decode("utf-8", errors="ignore")


def _ascii(text: str, *, keep_spaces: bool = False) -> str:
    """Printable ASCII for an EDF header: accents dropped, other characters
    (and spaces, unless kept) as ``_``."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    low = 32 if keep_spaces else 33
    return "".join(char if low <= ord(char) <= 126 else "_" for char in plain)


# -- CSV --------------------------------------------------------------------


def export_csv(recording: Recording) -> bytes:
    """The recording as CSV (see the module documentation)."""
    samples, timestamps = _checked(recording)
    types: dict[int, list[str]] = {}
    for marker in recording.markers:
        types.setdefault(marker.sample_index, []).append(marker.type)
    marker_cells = {
        index: _csv_line(["|".join(names)]).rstrip("\r\n") for index, names in types.items()
    }
    output = io.BytesIO()
    header = _csv_line(["sample_index", "timestamp", *recording.channel_names, "marker"])
    output.write(header.encode("utf-8"))
    # Formatting the numbers (repr: the shortest text that reads back as the
    # same float64) is most of the work; plain joins beat csv.writer by a
    # quarter, and chunks bound the memory the Python lists take.
    for start in range(0, len(samples), _CSV_CHUNK):
        rows = np.column_stack(
            [timestamps[start : start + _CSV_CHUNK], samples[start : start + _CSV_CHUNK]]
        )
        text = "".join(
            [
                f"{index},{','.join(map(repr, row))},{marker_cells.get(index, '')}\r\n"
                for index, row in enumerate(rows.tolist(), start)
            ]
        )
        output.write(text.encode("utf-8"))
    return output.getvalue()


def _csv_line(cells: list[str]) -> str:
    """One CSV line, quoted where RFC 4180 needs it, with its CRLF."""
    buffer = io.StringIO()
    csv.writer(buffer).writerow(cells)
    return buffer.getvalue()


# -- BrainFlow --------------------------------------------------------------


def brainflow_marker_codes(markers: Iterable[Marker]) -> dict[str, int]:
    """The BrainFlow marker code of each marker type: 1, 2, 3... in order of
    first appearance (by sample, then by the order given)."""
    codes: dict[str, int] = {}
    for marker in sorted(markers, key=lambda marker: marker.sample_index):
        codes.setdefault(marker.type, len(codes) + 1)
    return codes


def export_brainflow(recording: Recording) -> bytes:
    """The recording as BrainFlow's ``DataFilter.write_file`` writes it for
    the source board (see the module documentation)."""
    samples, timestamps = _checked(recording)
    layout = _BrainFlowLayout.of(recording.board_id)
    beyond = layout.beyond(recording.channel_numbers)
    if beyond:
        board = (
            "recordings of external devices are exported with the layout of BrainFlow's "
            "synthetic board, which has"
            if recording.board_id is None
            else f"BrainFlow's board {layout.board_id} has"
        )
        raise _refused(
            "brainflow",
            f"channel numbers {beyond} have no row: {board} {len(layout.eeg_channels)} "
            "EEG channels",
            channel_numbers=beyond,
            suggestion="export as edf or csv",
        )
    eeg_rows = layout.eeg_rows(recording.channel_numbers)
    marker_values = np.zeros(len(samples))
    codes = brainflow_marker_codes(recording.markers)
    # Reversed, so that the first marker at a sample is the one that stays.
    for marker in reversed(recording.markers):
        marker_values[marker.sample_index] = codes[marker.type]

    with tempfile.TemporaryDirectory(prefix="neurogate-brainflow-") as directory:
        path = Path(directory) / "recording.csv"
        path.touch()
        for start in range(0, len(samples), _BRAINFLOW_CHUNK):
            stop = min(start + _BRAINFLOW_CHUNK, len(samples))
            data = np.zeros((layout.num_rows, stop - start))
            data[eeg_rows] = samples[start:stop].T
            if layout.timestamp_row is not None:
                data[layout.timestamp_row] = timestamps[start:stop]
            if layout.package_row is not None:
                data[layout.package_row] = np.arange(start, stop) % 256
            if layout.marker_row is not None:
                data[layout.marker_row] = marker_values[start:stop]
            DataFilter.write_file(data, str(path), "a")
        return path.read_bytes()


def read_brainflow(
    data: bytes, board_id: int | None, channel_numbers: Sequence[int] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Read a BrainFlow file (as :func:`export_brainflow` writes it) with
    ``DataFilter.read_file``: the samples (samples, channels) of the given
    1-based channel numbers (default: every EEG channel of the board) and the
    timestamps. ``board_id`` None reads SYNTHETIC_BOARD's layout, as
    recordings of external devices are exported."""
    layout = _BrainFlowLayout.of(board_id)
    numbers = (
        list(range(1, len(layout.eeg_channels) + 1))
        if channel_numbers is None
        else list(channel_numbers)
    )
    beyond = layout.beyond(numbers)
    if beyond:
        raise InvalidParameter(
            f"channel numbers {beyond} have no row: BrainFlow's board {layout.board_id} has "
            f"{len(layout.eeg_channels)} EEG channels",
            parameter="channel_numbers",
            value=beyond,
        )
    eeg_rows = layout.eeg_rows(numbers)
    if not data.strip():
        return np.zeros((0, len(eeg_rows))), np.zeros(0)
    with tempfile.TemporaryDirectory(prefix="neurogate-brainflow-") as directory:
        path = Path(directory) / "recording.csv"
        path.write_bytes(data)
        try:
            table = DataFilter.read_file(str(path))
        except BrainFlowError as error:
            raise InvalidParameter(
                f"not a BrainFlow file: {error}", parameter="data", value=None
            ) from error
    if table.shape[0] != layout.num_rows:
        raise InvalidParameter(
            f"the file has {table.shape[0]} rows but board {board_id} has {layout.num_rows}",
            parameter="data",
            value=table.shape[0],
        )
    timestamps = (
        table[layout.timestamp_row].copy()
        if layout.timestamp_row is not None
        else np.full(table.shape[1], np.nan)
    )
    return table[eeg_rows].T.copy(), timestamps


@dataclass(frozen=True)
class _BrainFlowLayout:
    board_id: int
    num_rows: int
    eeg_channels: tuple[int, ...]
    timestamp_row: int | None
    package_row: int | None
    marker_row: int | None

    @classmethod
    def of(cls, board_id: int | None) -> _BrainFlowLayout:
        board = BoardIds.SYNTHETIC_BOARD.value if board_id is None else board_id
        try:
            description = BoardShim.get_board_descr(board)
        except BrainFlowError as error:
            raise _refused(
                "brainflow", f"BrainFlow has no data layout for board {board}", board_id=board
            ) from error
        if not description.get("eeg_channels"):
            raise _refused(
                "brainflow", f"BrainFlow's board {board} has no EEG rows", board_id=board
            )
        return cls(
            board_id=board,
            num_rows=int(description["num_rows"]),
            eeg_channels=tuple(description["eeg_channels"]),
            timestamp_row=description.get("timestamp_channel"),
            package_row=description.get("package_num_channel"),
            marker_row=description.get("marker_channel"),
        )

    def beyond(self, channel_numbers: Iterable[int]) -> list[int]:
        """The channel numbers that have no EEG row on this board."""
        return [number for number in channel_numbers if not 1 <= number <= len(self.eeg_channels)]

    def eeg_rows(self, channel_numbers: Iterable[int]) -> list[int]:
        return [self.eeg_channels[number - 1] for number in channel_numbers]


# -- shared -----------------------------------------------------------------


def _checked(recording: Recording) -> tuple[np.ndarray, np.ndarray]:
    """The recording's samples and timestamps as float64 arrays (views where
    possible: exporters only read them), after checking the recording is
    consistent. An inconsistent recording is a bug, not a caller's mistake."""
    samples = np.asarray(recording.samples, dtype=np.float64)
    timestamps = np.asarray(recording.timestamps, dtype=np.float64)
    channels = len(recording.channel_numbers)
    if not channels:
        raise ValueError("a recording needs at least one channel")
    if samples.ndim != 2 or samples.shape[1] != channels:
        raise ValueError(f"samples must be (samples, {channels}), not {samples.shape}")
    if len(recording.channel_names) != channels:
        raise ValueError("a recording needs one channel name per channel number")
    if timestamps.shape != (len(samples),):
        raise ValueError(f"timestamps must be ({len(samples)},), not {timestamps.shape}")
    if not (math.isfinite(recording.sample_rate) and recording.sample_rate > 0):
        raise ValueError(f"sample_rate must be positive, not {recording.sample_rate}")
    for marker in recording.markers:
        if not 0 <= marker.sample_index < len(samples):
            raise ValueError(f"marker at sample {marker.sample_index} is outside the recording")
    return samples, timestamps


def _refused(format: str, reason: str, **details: Any) -> InvalidParameter:
    return InvalidParameter(
        f"this recording cannot be exported as {format}: {reason}",
        parameter="format",
        value=format,
        **details,
    )


_EXPORTERS: dict[str, tuple[Callable[[Recording], bytes], str, str]] = {
    "edf": (export_edf, "application/octet-stream", ".edf"),
    "csv": (export_csv, "text/csv", ".csv"),
    "brainflow": (export_brainflow, "application/octet-stream", ".brainflow.csv"),
}
