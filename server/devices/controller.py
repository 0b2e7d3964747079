"""One controller per device: it owns the BrainFlow board, acquires its
samples, filters them and publishes them to the device's hub.

States: ``disconnected`` -> ``connected`` (board session prepared) ->
``streaming`` -> back. Acquisition polls the board every few milliseconds
(``get_board_data`` hands over everything new, so no sample is skipped),
takes the stream's channel rows and the board's timestamps, places markers
at the sample BrainFlow put them on, runs the stream's causal filter chain
(its state carried across blocks) and publishes the block. The raw
(unfiltered) samples go to the recording session, if one is attached.

Polling is done by the process's one acquisition ticker
(:mod:`.acquisition`), which visits every streaming board every 4 ms.

A board that delivers nothing for :data:`LOST_AFTER_SECONDS` (a playback file
removed, a streaming producer gone, a cable pulled) is reported with a
``board_lost`` status event, its streams end with reason ``device_lost`` and
the device returns to ``disconnected`` (a playback that reached the end of
its file ends with ``playback_finished`` instead). External devices have no
board: their samples arrive through :meth:`DeviceController.ingest`.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import os
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from neurogate.server.devices.acquisition import Acquisition
from neurogate.server.devices.boards import BoardLayout, board_id
from neurogate.server.devices.brainflow_runtime import ensure_brainflow
from neurogate.server.devices.config import StreamConfig, chosen_channels
from neurogate.server.devices.events import EventBus, StatusEvent
from neurogate.server.errors import DeviceBusy, InvalidConfiguration, StreamUnavailable
from neurogate.server.ids import new_id
from neurogate.server.signal.filters import StreamFilter
from neurogate.server.signal.quality import channel_quality, overall_quality
from neurogate.server.streaming.hub import (
    DEFAULT_BACKLOG,
    BacklogPolicy,
    Block,
    Hub,
    StreamEnd,
    StreamEvent,
)

ensure_brainflow()
from brainflow.board_shim import BoardShim, BrainFlowError, BrainFlowInputParams  # noqa: E402

log = logging.getLogger(__name__)

LOST_AFTER_SECONDS = 2.0
QUALITY_SECONDS = 4.0
#: Raw samples kept for status and on-demand analysis (AnalyzeData).
RECENT_SECONDS = 60.0
RECENT_MAX_SAMPLES = 120_000
#: BrainFlow's ring buffer, in samples: minutes of data at EEG rates.
RING_BUFFER_SAMPLES = 450_000
QUALITY_METHOD = (
    "per channel over the last 4 s of raw samples: flat (std < 0.5 uV) or railed "
    "(>= 10% of samples at the extreme) is poor; otherwise graded by the share of "
    "power at 50/60 Hz and by RMS amplitude (see neurogate.server.signal.quality); "
    "overall is the median channel grade"
)


class DeviceState(StrEnum):
    DISCONNECTED = "disconnected"
    CONNECTED = "connected"
    STREAMING = "streaming"


class StreamSink(Protocol):
    """Where a recording session receives the raw samples of a stream."""

    def write(self, block: Block) -> None: ...

    def stream_ended(self, end: StreamEnd) -> None: ...


@dataclass(frozen=True)
class DeviceInfo:
    device_id: str
    account_id: str
    name: str
    type: str
    params: dict[str, Any]


@dataclass(frozen=True)
class ChannelStatus:
    channel: int
    quality: str
    impedance: float | None = None


@dataclass(frozen=True)
class DeviceStatus:
    state: DeviceState
    battery_level: float | None
    uptime_seconds: float
    overall_quality: str
    channels: tuple[ChannelStatus, ...]
    samples_acquired: int
    subscribers: int
    dropped_samples: int
    measured_sample_rate: float


class DeviceController:
    def __init__(
        self,
        info: DeviceInfo,
        layout: BoardLayout,
        config: StreamConfig,
        events: EventBus,
        playback_file: Callable[[], Path] | None = None,
        backlog: BacklogPolicy = DEFAULT_BACKLOG,
        acquisition: Acquisition | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.info = info
        self._ticker = acquisition or Acquisition()
        self._last_data = 0.0
        self._backlog = backlog
        self.layout = layout
        self.config = config
        self.events = events
        self._playback_file = playback_file
        self._clock = clock
        self._lock = asyncio.Lock()
        self._board: Any = None
        self._filter: StreamFilter | None = None
        self._marker_codes = itertools.count(1)
        self._pending_markers: dict[int, tuple[str, dict[str, str]]] = {}
        self._external_markers: list[tuple[str, dict[str, str]]] = []
        self._recent: deque[np.ndarray] = deque()
        self._recent_samples = 0
        self._rate_window: deque[tuple[float, int]] = deque()
        self._quality_cache: tuple[float, tuple[str, dict[int, str]]] | None = None
        self.state = DeviceState.DISCONNECTED
        self.hub: Hub | None = None
        self.stream_id = ""
        self.sink: StreamSink | None = None
        self.connected_at = 0.0
        self.samples_acquired = 0
        self.battery: float | None = None
        #: Latest readings of the board's resistance rows, if it has them.
        self.resistance: list[float] = []
        #: BrainFlow data rows of the stream's channels.
        self._rows = np.empty(0, dtype=np.intp)

    # ------------------------------------------------------------ life cycle

    @property
    def is_external(self) -> bool:
        return self.layout.board_id is None

    def _emit(self, event_type: str, **data: Any) -> None:
        self.events.emit(StatusEvent(self.info.device_id, event_type, data))

    def _set_state(self, state: DeviceState, **data: Any) -> None:
        if state is not self.state:
            self.state = state
            self._emit("state_changed", state=state.value, **data)

    def _input_params(self) -> BrainFlowInputParams:
        params = self.info.params
        inputs = BrainFlowInputParams()
        inputs.serial_port = params.get("serial_port", "")
        inputs.mac_address = params.get("mac_address", "")
        inputs.ip_address = params.get("ip_address", "")
        inputs.ip_port = int(params.get("ip_port", 0))
        if self.info.type in ("playback_file", "streaming_board"):
            inputs.master_board = int(self.layout.board_id)
        if self.info.type == "playback_file":
            inputs.file = str(self._playback_file()) if self._playback_file else ""
        # BrainFlow keeps one session per (board, parameters): two synthetic
        # boards need parameters of their own.
        inputs.other_info = self.info.device_id
        return inputs

    def _check_port(self) -> None:
        port = self.info.params.get("serial_port", "")
        if port.startswith("/dev/") and not os.path.exists(port):
            raise StreamUnavailable(
                f"serial port {port} does not exist: is the board's dongle plugged in?",
                parameter="params.serial_port",
                value=port,
            )

    def _address(self) -> dict[str, Any]:
        """The parameter that says where the board is, for error details."""
        for key in ("serial_port", "mac_address", "ip_address", "file", "session_id"):
            if self.info.params.get(key):
                return {"parameter": f"params.{key}", "value": self.info.params[key]}
        return {}

    def _where(self) -> str:
        address = self._address()
        return f" at {address['value']}" if address else ""

    def _open_board(self) -> Any:
        board = BoardShim(board_id(self.info.type, self.info.params), self._input_params())
        board.prepare_session()
        if self.info.type == "playback_file" and self.info.params.get("loop"):
            board.config_board("loopback_true")
        return board

    async def connect(self) -> None:
        async with self._lock:
            await self._connect()

    async def _connect(self) -> None:
        if self.state is not DeviceState.DISCONNECTED:
            return
        if not self.is_external:
            self._check_port()
            try:
                self._board = await asyncio.to_thread(self._open_board)
            except BrainFlowError as error:
                raise StreamUnavailable(
                    f"the {self.info.type} board{self._where()} could not be opened: {error}",
                    device_type=self.info.type,
                    **self._address(),
                ) from None
        self.connected_at = self._clock()
        self._set_state(DeviceState.CONNECTED)

    async def disconnect(self) -> None:
        async with self._lock:
            await self._stop(StreamEnd("stopped", "OK", "the device was disconnected"))
            await self._release()

    async def _release(self) -> None:
        board, self._board = self._board, None
        self.battery = None
        self.resistance = []
        if board is not None:
            try:
                await asyncio.to_thread(board.release_session)
            except BrainFlowError as error:
                log.warning(
                    "releasing the board failed",
                    extra={"device_id": self.info.device_id, "error": str(error)},
                )
        self._set_state(DeviceState.DISCONNECTED)

    async def start(self, config: StreamConfig) -> bool:
        """Starts streaming with ``config``; False if it already streams with
        exactly that configuration (an idempotent start), DEVICE_BUSY if it
        streams with another."""
        async with self._lock:
            if self.state is DeviceState.STREAMING:
                if config != self.config:
                    raise DeviceBusy(
                        "the device is streaming with another configuration; stop it first",
                        current=self.config.to_dict(),
                    )
                return False
            await self._connect()
            self._filter = config.stream_filter()
            self.config = config
            if not self.is_external:
                self._rows = np.array(
                    [self.layout.channel(number).row for number in config.channels],
                    dtype=np.intp,
                )
                try:
                    await asyncio.to_thread(self._board.start_stream, RING_BUFFER_SAMPLES)
                except BrainFlowError as error:
                    raise StreamUnavailable(f"the board did not start streaming: {error}") from None
            self.hub = Hub(config.sample_rate, self._backlog)
            self.stream_id = new_id("str")
            self.samples_acquired = 0
            self._recent.clear()
            self._recent_samples = 0
            self._rate_window.clear()
            self._set_state(DeviceState.STREAMING, stream_id=self.stream_id)
            if not self.is_external:
                self._last_data = self._clock()
                self._ticker.add(self)
            return True

    async def stop(self, end: StreamEnd | None = None) -> None:
        async with self._lock:
            await self._stop(end or StreamEnd("stopped", "OK", "the stream was stopped"))

    async def _stop(self, end: StreamEnd) -> None:
        if self.state is not DeviceState.STREAMING:
            return
        self._ticker.remove(self)
        if self._board is not None:
            try:
                await asyncio.to_thread(self._board.stop_stream)
            except BrainFlowError as error:
                log.warning(
                    "stopping the board failed",
                    extra={"device_id": self.info.device_id, "error": str(error)},
                )
        self._end_stream(end)
        self._recent.clear()
        self._recent_samples = 0
        self._rate_window.clear()
        self._quality_cache = None
        self._set_state(DeviceState.CONNECTED, reason=end.reason)

    def _end_stream(self, end: StreamEnd) -> None:
        if self.hub is not None:
            self.hub.end(end)
        if self.sink is not None:
            sink, self.sink = self.sink, None
            sink.stream_ended(end)

    async def reconfigure(self, config: StreamConfig) -> None:
        """Applies a new configuration: at once for the filters of a running
        stream (their state restarts), at the next start otherwise."""
        async with self._lock:
            if self.state is DeviceState.STREAMING:
                if (config.channels, config.sample_rate) != (
                    self.config.channels,
                    self.config.sample_rate,
                ):
                    raise DeviceBusy(
                        "stop the stream to change its channels or sample rate",
                        current=self.config.to_dict(),
                    )
                self._filter = config.stream_filter()
            self.config = config
            self._emit("configured", config=config.to_dict())

    # ------------------------------------------------------------ acquisition

    def poll(self) -> bool:
        """Takes everything new from the board (called by the ticker); False
        once the board has been silent too long."""
        data = self._board.get_board_data()
        now = self._clock()
        if data.shape[1]:
            self._take(data)
            self._last_data = now
            return True
        return now - self._last_data <= LOST_AFTER_SECONDS

    async def lost(self) -> None:
        """Reports a silent board and returns it to disconnected."""
        finished = self.info.type == "playback_file" and not self.info.params.get("loop")
        reason = "playback_finished" if finished else "device_lost"
        message = (
            "the playback file was played to its end"
            if finished
            else f"no data from the board for {LOST_AFTER_SECONDS:g} s"
        )
        self._emit("board_lost" if not finished else "playback_finished", message=message)
        async with self._lock:
            await self._stop(StreamEnd(reason, "OK" if finished else "UNAVAILABLE", message))
            await self._release()

    def _take(self, data: np.ndarray) -> None:
        layout = self.layout
        raw = np.ascontiguousarray(data[self._rows].T)
        timestamps = data[layout.timestamp_row].copy()
        events: list[StreamEvent] = []
        if layout.marker_row is not None and data[layout.marker_row].any():
            for position in np.flatnonzero(data[layout.marker_row]):
                code = round(float(data[layout.marker_row][position]))
                marker_type, metadata = self._pending_markers.pop(code, ("marker", {}))
                events.append(
                    StreamEvent(
                        self.samples_acquired + int(position),
                        float(timestamps[position]),
                        marker_type,
                        metadata,
                    )
                )
        if layout.battery_row is not None:
            self.battery = float(data[layout.battery_row][-1])
        if layout.resistance_rows:
            self.resistance = [float(data[row][-1]) for row in layout.resistance_rows]
        self._publish(raw, timestamps, tuple(events))

    def take_markers(self) -> list[tuple[str, dict[str, str]]]:
        """Markers inserted into an external device's stream since its last
        ingested block: they belong to the next block's first sample."""
        markers, self._external_markers = self._external_markers, []
        return markers

    def return_markers(self, markers: list[tuple[str, dict[str, str]]]) -> None:
        self._external_markers[:0] = markers

    def ingest(
        self, raw: np.ndarray, timestamps: np.ndarray, markers: list[tuple[str, dict[str, str]]]
    ) -> Block:
        """Publishes samples of an external device (committed by the caller)."""
        if self.state is not DeviceState.STREAMING:
            raise StreamUnavailable("the device is not streaming", device_id=self.info.device_id)
        events = tuple(
            StreamEvent(self.samples_acquired, float(timestamps[0]), marker_type, metadata)
            for marker_type, metadata in markers
        )
        return self._publish(raw, timestamps, events, record=False)

    def _publish(
        self,
        raw: np.ndarray,
        timestamps: np.ndarray,
        events: tuple[StreamEvent, ...],
        record: bool = True,
    ) -> Block:
        assert self._filter is not None and self.hub is not None
        first = self.samples_acquired
        self.samples_acquired += len(timestamps)
        self._remember(raw)
        if record and self.sink is not None:
            self.sink.write(Block(first, timestamps, raw, events))
        block = Block(first, timestamps, self._filter.process(raw), events)
        self.hub.publish(block)
        return block

    def _remember(self, raw: np.ndarray) -> None:
        self._recent.append(raw)
        self._recent_samples += len(raw)
        keep = min(int(RECENT_SECONDS * self.config.sample_rate), RECENT_MAX_SAMPLES)
        while self._recent and self._recent_samples - len(self._recent[0]) >= keep:
            self._recent_samples -= len(self._recent.popleft())
        now = self._clock()
        self._rate_window.append((now, len(raw)))
        while self._rate_window and now - self._rate_window[0][0] > 5.0:
            self._rate_window.popleft()

    # ------------------------------------------------------------ markers

    def insert_marker(self, marker_type: str, metadata: dict[str, str]) -> tuple[str, float]:
        """Puts a marker at the stream's current sample; returns its id and the
        time it was placed."""
        if self.state is not DeviceState.STREAMING:
            raise StreamUnavailable(
                "markers go into a running stream: start it first", device_id=self.info.device_id
            )
        marker_id = new_id("mrk")
        metadata = {**metadata, "marker_id": marker_id}
        if self.is_external:
            self._external_markers.append((marker_type, metadata))
        else:
            code = next(self._marker_codes)
            self._pending_markers[code] = (marker_type, metadata)
            self._board.insert_marker(float(code))
        self._emit("marker", marker_id=marker_id, type=marker_type)
        return marker_id, time.time()

    # ------------------------------------------------------------ status

    def channel_qualities(self) -> tuple[str, dict[int, str]]:
        """Overall and per-channel quality of the last seconds, recomputed at
        most once a second."""
        now = self._clock()
        if self._quality_cache and now - self._quality_cache[0] < 1.0:
            return self._quality_cache[1]
        recent = self.recent(QUALITY_SECONDS)
        if not len(recent):
            result: tuple[str, dict[int, str]] = ("", {})
        else:
            per_channel = {
                number: channel_quality(recent[:, column], self.config.sample_rate).quality
                for column, number in enumerate(self.config.channels)
            }
            result = (overall_quality(list(per_channel.values())), per_channel)
        self._quality_cache = (now, result)
        return result

    def recent(self, seconds: float) -> np.ndarray:
        """The last ``seconds`` of raw samples (as many as are kept)."""
        if not self._recent:
            return np.empty((0, len(self.config.channels)))
        recent = np.concatenate(self._recent)
        return recent[-max(1, int(seconds * self.config.sample_rate)) :]

    def status(self) -> DeviceStatus:
        overall, per_channel = self.channel_qualities()
        seconds = sum(count for _, count in self._rate_window)
        span = (self._rate_window[-1][0] - self._rate_window[0][0]) if self._rate_window else 0
        return DeviceStatus(
            state=self.state,
            battery_level=self.battery,
            uptime_seconds=(self._clock() - self.connected_at)
            if self.state is not DeviceState.DISCONNECTED
            else 0.0,
            overall_quality=overall,
            channels=tuple(
                ChannelStatus(number, quality) for number, quality in per_channel.items()
            ),
            samples_acquired=self.samples_acquired,
            subscribers=self.hub.subscribers if self.hub else 0,
            dropped_samples=self.hub.dropped_samples if self.hub else 0,
            measured_sample_rate=seconds / span if span > 0 else 0.0,
        )

    def impedance(self, channels: Sequence[int] = ()) -> list[ChannelStatus]:
        """The board's latest resistance readings (its resistance channels,
        numbered from 1), where its layout has them."""
        if not self.layout.resistance_rows:
            raise InvalidConfiguration(
                f"{self.info.type} boards have no impedance check in BrainFlow",
                parameter="command",
                value="impedance_check",
            )
        if self.state is not DeviceState.STREAMING:
            raise StreamUnavailable("an impedance check reads a running stream: start it first")
        if not self.resistance:
            raise StreamUnavailable(
                "no readings yet: the stream has delivered no samples; try again in a moment"
            )
        wanted = chosen_channels(
            channels,
            range(1, len(self.resistance) + 1),
            "the board reports no impedance for channel {}",
        )
        readings = [ChannelStatus(c, "", self.resistance[c - 1]) for c in wanted]
        self._emit(
            "impedance",
            readings=[{"channel": r.channel, "impedance": r.impedance} for r in readings],
        )
        return readings

    async def close(self, end: StreamEnd) -> None:
        async with self._lock:
            await self._stop(end)
            await self._release()
