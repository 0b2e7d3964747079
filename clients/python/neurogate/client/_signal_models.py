"""Results of the signal-shaped API: devices, live packets and their gaps,
sessions and recordings, ingestion and signal processing (see
:mod:`neurogate.client.models`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from google.protobuf.message import Message

from neurogate.client._convert import RAW as _RAW
from neurogate.client._convert import optional, plain, timestamp

if TYPE_CHECKING:
    import mne

# ------------------------------------------------------------------ devices


@dataclass(frozen=True)
class Device:
    id: str
    name: str
    type: str
    status: str
    channels: list[dict[str, Any]]
    sample_rate: float
    params: dict[str, Any] = field(default_factory=dict)
    config: dict[str, Any] = field(default_factory=dict)
    raw: Message | None = _RAW

    @classmethod
    def from_proto(cls, message: Any) -> Device:
        has = {f.name for f in message.DESCRIPTOR.fields}
        return cls(
            id=message.device_id,
            name=message.name,
            type=message.type,
            status=message.status,
            channels=[
                {"channel_number": c.channel_number, "name": c.name, "type": c.type}
                for c in message.channels
            ],
            sample_rate=message.sample_rate,
            params=plain(message.params) if "params" in has else {},
            config=plain(message.config) if "config" in has else {},
            raw=message,
        )


@dataclass(frozen=True)
class DeviceStatus:
    device_id: str
    status: str
    connected: bool
    streaming: bool
    battery_level: float | None
    signal_quality: dict[str, Any]
    uptime_seconds: float
    metrics: dict[str, Any]
    raw: Message | None = _RAW

    @classmethod
    def from_proto(cls, message: Any) -> DeviceStatus:
        return cls(
            device_id=message.device_id,
            status=message.status,
            connected=message.connected,
            streaming=message.streaming,
            battery_level=optional(message, "battery_level"),
            signal_quality=plain(message.signal_quality),
            uptime_seconds=message.uptime_seconds,
            metrics=plain(message.metrics),
            raw=message,
        )


@dataclass(frozen=True)
class StreamInfo:
    """A device's stream as started."""

    stream_id: str
    device_id: str
    channels: list[int]
    sample_rate: float
    filters: dict[str, Any]
    started_at: datetime | None
    raw: Message | None = _RAW

    @classmethod
    def from_proto(cls, message: Any) -> StreamInfo:
        return cls(
            stream_id=message.stream_id,
            device_id=message.device_id,
            channels=list(message.channels),
            sample_rate=message.sample_rate,
            filters=plain(message.filters),
            started_at=timestamp(message.started_at),
            raw=message,
        )


@dataclass(frozen=True)
class Marker:
    """A marker or other stream event (``type``), board time in seconds."""

    type: str
    timestamp: float
    metadata: dict[str, str] = field(default_factory=dict)
    id: str | None = None


@dataclass(frozen=True)
class StreamGap:
    """Samples a stream lost, reported on the first packet after them.

    ``reason`` is ``"lost"`` (the subscriber fell behind: the server skipped a
    sequence number), ``"reconnect"`` (the connection dropped and the stream
    was reopened on the same device stream) or ``"reset"`` (the reopened
    stream restarted its numbering: the server or the device's stream
    restarted, so what was lost is unknown). ``lost_samples`` is None when
    unknown.
    """

    reason: str
    last_sequence: int
    next_sequence: int
    last_sample_index: int
    next_sample_index: int
    lost_samples: int | None


@dataclass(frozen=True)
class Packet:
    """A block of live samples: ``samples`` is samples x channels (float64),
    ``timestamps`` one board time per sample, ``markers`` the events at these
    samples. ``gap`` is set on the first packet after lost samples."""

    device_id: str
    session_id: str
    sequence: int
    sample_rate: float
    channels: list[int]
    samples: np.ndarray
    timestamps: np.ndarray
    markers: list[Marker]
    first_sample_index: int
    dropped_samples: int
    gap: StreamGap | None = None
    raw: Message | None = _RAW

    @classmethod
    def from_proto(cls, message: Any, gap: StreamGap | None = None) -> Packet:
        if message.channels:  # the single-sample form
            channels = [c.channel_number for c in message.channels]
            samples = np.array([[c.value for c in message.channels]], dtype=float)
            timestamps = np.array([message.timestamp])
        else:
            channels = list(message.channel_numbers)
            if message.samples_f32:
                flat = np.frombuffer(message.samples_f32, dtype="<f4").astype(float)
            else:
                flat = np.array(message.samples, dtype=float)
            samples = flat.reshape(message.sample_count, len(channels))
            timestamps = np.array(message.timestamps, dtype=float)
        return cls(
            device_id=message.device_id,
            session_id=message.session_id,
            sequence=message.sequence,
            sample_rate=message.sample_rate,
            channels=channels,
            samples=samples,
            timestamps=timestamps,
            markers=[Marker(e.type, e.timestamp, dict(e.metadata)) for e in message.events],
            first_sample_index=message.first_sample_index,
            dropped_samples=message.dropped_samples,
            gap=gap,
            raw=message,
        )


# ------------------------------------------------------------------ sessions


@dataclass(frozen=True)
class Session:
    id: str
    status: str
    device_id: str
    start_time: datetime | None
    end_time: datetime | None = None
    duration_seconds: float = 0.0
    data_points: int = 0
    quality_metrics: dict[str, Any] = field(default_factory=dict)
    experiment_type: str = ""
    tags: list[str] = field(default_factory=list)
    subject_pseudonym: str = ""
    duration_minutes: int = 0
    sample_rate: float = 0.0
    channel_numbers: list[int] = field(default_factory=list)
    dataset_id: str = ""
    raw: Message | None = _RAW

    @classmethod
    def from_proto(cls, message: Any) -> Session:
        has = {f.name for f in message.DESCRIPTOR.fields}
        get = {name: getattr(message, name) for name in has}
        return cls(
            id=message.session_id,
            status=message.status,
            device_id=message.device_id,
            start_time=timestamp(message.start_time),
            end_time=timestamp(get["end_time"]) if "end_time" in has else None,
            duration_seconds=get.get("duration_seconds", 0.0),
            data_points=get.get("data_points", 0),
            quality_metrics=plain(get["quality_metrics"]) if "quality_metrics" in has else {},
            experiment_type=message.experiment_type,
            tags=list(message.tags),
            subject_pseudonym=message.subject_pseudonym,
            duration_minutes=message.duration_minutes,
            sample_rate=message.sample_rate,
            channel_numbers=list(message.channel_numbers),
            dataset_id=message.dataset_id,
            raw=message,
        )


@dataclass(frozen=True)
class Recording:
    """A recorded session's samples (microvolts), read from its CSV export:
    ``samples`` is samples x channels, ``timestamps`` board times, ``markers``
    the markers with the index of their sample in ``metadata``."""

    session_id: str
    sample_rate: float
    channel_names: list[str]
    samples: np.ndarray
    timestamps: np.ndarray
    markers: list[Marker]

    @classmethod
    def from_csv(cls, session_id: str, sample_rate: float, path: Path) -> Recording:
        frame = pd.read_csv(path, keep_default_na=False, na_values=[])
        names = [c for c in frame.columns if c not in ("sample_index", "timestamp", "marker")]
        markers = [
            Marker(kind, float(row.timestamp), {"sample_index": str(int(row.sample_index))})
            for row in frame[frame["marker"].astype(str) != ""].itertuples()
            for kind in str(row.marker).split("|")
        ]
        return cls(
            session_id=session_id,
            sample_rate=sample_rate,
            channel_names=names,
            samples=frame[names].to_numpy(dtype=float),
            timestamps=frame["timestamp"].to_numpy(dtype=float),
            markers=markers,
        )

    def to_pandas(self) -> pd.DataFrame:
        """One row per sample indexed by timestamp, one column per channel."""
        return pd.DataFrame(
            self.samples,
            columns=self.channel_names,
            index=pd.Index(self.timestamps, name="timestamp"),
        )

    def to_mne(self) -> mne.io.RawArray:
        """An ``mne.io.RawArray`` (volts, channel type ``eeg``) with the
        markers as annotations. Needs the ``mne`` extra."""
        try:
            import mne
        except ImportError as missing:
            raise ImportError(
                "Recording.to_mne() needs MNE-Python: pip install 'neurogate[mne]'"
            ) from missing
        info = mne.create_info(self.channel_names, self.sample_rate, ch_types="eeg")
        raw = mne.io.RawArray(self.samples.T * 1e-6, info, verbose="error")
        if self.markers:
            onsets = [int(m.metadata["sample_index"]) / self.sample_rate for m in self.markers]
            raw.set_annotations(
                mne.Annotations(onsets, [0.0] * len(onsets), [m.type for m in self.markers])
            )
        return raw


@dataclass(frozen=True)
class IngestResult:
    status: str
    ingestion_id: str
    samples: int
    processing_time_ms: float
    raw: Message | None = _RAW

    @classmethod
    def from_proto(cls, message: Any) -> IngestResult:
        return cls(
            status=message.status,
            ingestion_id=message.ingestion_id,
            samples=message.samples,
            processing_time_ms=message.processing_time_ms,
            raw=message,
        )


# ------------------------------------------------------------------ processing


@dataclass(frozen=True)
class FilteredSignal:
    """The filtered signal in the request's ``layout`` (``channels``: one row
    per channel; ``samples``: one row per sample)."""

    data: np.ndarray
    sample_rate: float
    filters: list[dict[str, Any]]
    layout: str
    mode: str
    raw: Message | None = _RAW

    @classmethod
    def from_proto(cls, message: Any) -> FilteredSignal:
        return cls(
            data=np.array([[v.number_value for v in row.values] for row in message.data]),
            sample_rate=message.sample_rate,
            filters=[plain(f) for f in message.filters],
            layout=message.layout,
            mode=message.mode,
            raw=message,
        )


@dataclass(frozen=True)
class BandPowers:
    channels: list[dict[str, Any]]
    bands: list[dict[str, Any]]
    frequency_resolution: float
    method: str
    raw: Message | None = _RAW

    @classmethod
    def from_proto(cls, message: Any) -> BandPowers:
        return cls(
            channels=[
                {"channel": c.channel, "absolute": dict(c.absolute), "relative": dict(c.relative)}
                for c in message.channels
            ],
            bands=[{"name": b.name, "low": b.low, "high": b.high} for b in message.bands],
            frequency_resolution=message.frequency_resolution,
            method=message.method,
            raw=message,
        )

    def to_pandas(self, kind: str = "absolute") -> pd.DataFrame:
        """Channels x bands, ``absolute`` power or ``relative`` share."""
        rows = {c["channel"]: c[kind] for c in self.channels}
        frame = pd.DataFrame.from_dict(rows, orient="index")
        return frame[[b["name"] for b in self.bands]].rename_axis("channel")
