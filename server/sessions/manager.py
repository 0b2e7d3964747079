"""Recording sessions: start, stop, time limits, ingestion, export, and what
happens to a recording when its device or the server goes away.

One session per device at a time. Creating a session on a device that
streams records that stream; on one that does not, the stream is started
with the device's saved configuration (connecting it if need be) and keeps
running when the session stops. Recordings keep the RAW samples of the
stream's channels; the live filter configuration is stored alongside.

A session ends ``completed`` (its duration elapsed, or a playback reached the
end of its file), ``stopped`` (stopped by a user, or its stream was), or
``interrupted`` (its board was lost, or the server stopped or died: the data
up to the last committed chunk is kept).
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np

from neurogate.server.compute import ComputePool
from neurogate.server.datasets.store import DatasetStore
from neurogate.server.devices.controller import DeviceController
from neurogate.server.devices.manager import DeviceManager
from neurogate.server.errors import (
    DeviceBusy,
    InvalidParameter,
    SessionNotFound,
    StreamUnavailable,
)
from neurogate.server.ids import new_id
from neurogate.server.names import checked_name
from neurogate.server.recordings.formats import ExportedFile, export_brainflow, export_recording
from neurogate.server.recordings.recording import Recording
from neurogate.server.sessions.recorder import Recorder
from neurogate.server.sessions.store import RECORDING, SessionFilter, SessionPage, SessionStore
from neurogate.server.shielded import runs_to_completion
from neurogate.server.storage.models import Ingestion, RecordingSession
from neurogate.server.streaming.hub import StreamEnd

log = logging.getLogger(__name__)

MAX_DURATION_MINUTES = 24 * 60
MAX_TAGS = 20
MAX_TAG_LENGTH = 50
MAX_INGEST_VALUES = 4_000_000


@dataclass(frozen=True)
class IngestResult:
    status: str
    ingestion_id: str
    samples: int
    processing_ms: float


@dataclass
class _Active:
    session: RecordingSession
    recorder: Recorder
    controller: DeviceController
    timer: asyncio.Task[None] | None


def _end_status(end: StreamEnd) -> str:
    if end.reason == "playback_finished":
        return "completed"
    if end.reason == "stopped":
        return "stopped"
    return "interrupted"


def _tags(tags: list[str]) -> list[str]:
    cleaned = [checked_name(tag, "tags", "a tag", MAX_TAG_LENGTH) for tag in tags]
    if len(cleaned) > MAX_TAGS or any(not t or len(t) > MAX_TAG_LENGTH for t in cleaned):
        raise InvalidParameter(
            f"at most {MAX_TAGS} tags of 1 to {MAX_TAG_LENGTH} characters",
            parameter="tags",
        )
    return list(dict.fromkeys(cleaned))


class SessionManager:
    def __init__(
        self,
        store: SessionStore,
        devices: DeviceManager,
        datasets: DatasetStore,
        compute: ComputePool,
        pseudonymize: Callable[[str], str],
        minute_seconds: float = 60.0,
    ) -> None:
        """``minute_seconds``: how long a minute of ``duration_minutes`` lasts
        (tests shorten it)."""
        self._minute_seconds = minute_seconds
        self.store = store
        self._devices = devices
        self._datasets = datasets
        self._compute = compute
        self._pseudonymize = pseudonymize
        self._active: dict[str, _Active] = {}

    async def start(self) -> None:
        interrupted = await self.store.interrupt_unfinished()
        if interrupted:
            log.warning(
                "sessions left recording by a stopped server were marked interrupted",
                extra={"sessions": interrupted},
            )

    # ------------------------------------------------------------ create / stop

    async def create(
        self,
        account_id: str,
        device_id: str,
        subject_id: str,
        experiment_type: str,
        duration_minutes: int,
        tags: list[str],
        dataset_id: str,
    ) -> RecordingSession:
        if not 0 <= duration_minutes <= MAX_DURATION_MINUTES:
            raise InvalidParameter(
                f"duration_minutes must be between 0 (until stopped) and {MAX_DURATION_MINUTES}",
                parameter="duration_minutes",
                value=duration_minutes,
            )
        experiment_type = checked_name(experiment_type, "experiment_type", "experiment_type")
        tags = _tags(tags)
        pseudonym = self._pseudonymize(subject_id)
        if dataset_id:
            dataset = await self._datasets.get(account_id, dataset_id)
            if dataset.type == "tabular":
                raise InvalidParameter(
                    "sessions attach to neural (eeg) datasets",
                    parameter="dataset_id",
                    value=dataset_id,
                )
        controller = await self._devices.controller(account_id, device_id)
        if any(a.controller is controller for a in self._active.values()):
            raise DeviceBusy("a session is already recording this device", device_id=device_id)
        config = controller.config  # the running stream's, or the one it will start with
        session = RecordingSession(
            id=new_id("ses"),
            account_id=account_id,
            device_id=device_id,
            device_name=controller.info.name,
            board_id=controller.layout.board_id,
            dataset_id=dataset_id or None,
            subject_pseudonym=pseudonym,
            experiment_type=experiment_type.strip(),
            tags=tags,
            status=RECORDING,
            duration_minutes=duration_minutes,
            sample_rate=config.sample_rate,
            channel_numbers=list(config.channels),
            channel_names=[controller.layout.channel(n).name for n in config.channels],
            filters=config.to_dict()["filters"],
        )
        await self.store.add(session)
        recorder = Recorder(
            session.id,
            self.store,
            config.sample_rate,
            len(config.channels),
            on_stream_end=lambda end: self._stream_ended(session.id, end),
        )
        # Attached before the stream starts, so a recording that starts the
        # stream holds it from its first sample.
        self._active[session.id] = _Active(session, recorder, controller, None)
        controller.sink = recorder  # board samples, and the news that the stream ended
        try:
            await controller.start(config)
        except BaseException:
            self._active.pop(session.id, None)
            controller.sink = None
            await recorder.close()
            await self.store.delete(account_id, session.id)
            raise
        if duration_minutes:
            self._active[session.id].timer = asyncio.create_task(
                self._stop_after(session.id, duration_minutes * self._minute_seconds)
            )
        return session

    async def _stop_after(self, session_id: str, seconds: float) -> None:
        await asyncio.sleep(seconds)
        await self._finish(session_id, "completed")

    async def _stream_ended(self, session_id: str, end: StreamEnd) -> None:
        await self._finish(session_id, _end_status(end))

    # Once a session leaves the active ones it must reach the database as
    # finished: a stop whose caller hangs up half-way would otherwise leave
    # it "recording" with nothing recording it.
    @runs_to_completion
    async def _finish(self, session_id: str, status: str) -> None:
        active = self._active.pop(session_id, None)
        if active is None:
            return
        if active.controller.sink is active.recorder:
            active.controller.sink = None
        if active.timer is not None:  # when the timer is the caller, it only stops waiting
            active.timer.cancel()
        await active.recorder.close()
        await self.store.finish(
            session_id, status, active.recorder.quality(), active.recorder.data_points
        )

    async def stop(self, account_id: str, session_id: str) -> RecordingSession:
        session = await self.store.get(account_id, session_id)
        if session.status == RECORDING:
            await self._finish(session_id, "stopped")
        return await self.store.get(account_id, session_id)

    def is_recording(self, device_id: str) -> bool:
        return any(a.controller.info.device_id == device_id for a in self._active.values())

    async def get(self, account_id: str, session_id: str) -> RecordingSession:
        session = await self.store.get(account_id, session_id)
        active = self._active.get(session_id)
        if active is not None:  # what the recorder holds, committed or about to be
            session.data_points = max(session.data_points, active.recorder.data_points)
            session.quality = active.recorder.quality()
        return session

    async def page(
        self, account_id: str, filters: SessionFilter, size: int, token: str
    ) -> SessionPage:
        return await self.store.page(account_id, filters, size, token)

    async def delete(self, account_id: str, session_id: str) -> None:
        session = await self.store.get(account_id, session_id)
        if session.status == RECORDING:
            raise DeviceBusy("the session is still recording; stop it first", session_id=session_id)
        await self.store.delete(account_id, session_id)
        self._devices.replays.discard(account_id, session_id)

    async def controller_of(self, account_id: str, session_id: str) -> DeviceController:
        """The device controller of a session that is recording."""
        session = await self.recording_session(account_id, session_id)
        return self._active[session.id].controller

    # ------------------------------------------------------------ ingestion

    async def recording_session(self, account_id: str, session_id: str) -> RecordingSession:
        """A session of the account that is recording (kept in memory, so
        high-rate ingestion does not read the database for it)."""
        active = self._active.get(session_id)
        if active is not None and active.session.account_id == account_id:
            return active.session
        session = await self.store.get(account_id, session_id)
        raise StreamUnavailable(
            f"session {session_id} is {session.status}, not recording",
            parameter="session_id",
            value=session_id,
            status=session.status,
        )

    async def ingest_session(self, account_id: str, session_id: str) -> RecordingSession:
        """The account's session an ingest names, recording or not (from
        memory while it records): :meth:`ingest` still answers a retry of a
        block that a finished session stored."""
        active = self._active.get(session_id)
        if active is not None and active.session.account_id == account_id:
            return active.session
        return await self.store.get(account_id, session_id)

    async def ingest(
        self,
        session: RecordingSession,
        device_id: str,
        raw: np.ndarray,
        sample_rate: float,
        channels: list[str],
        start: datetime | None,
        ingestion_id: str,
        sequence: int,
    ) -> IngestResult:
        """Commits an ingested block of a recording session (from
        :meth:`ingest_session`) once, then publishes it live."""
        began = time.perf_counter()
        active = self._active.get(session.id)
        if device_id and device_id != session.device_id:
            raise InvalidParameter(
                "device_id is not the session's device",
                parameter="device_id",
                value=device_id,
                expected=session.device_id,
            )
        if active is not None and not active.controller.is_external:
            raise InvalidParameter(
                "this session records a board; ingest feeds sessions of external devices",
                parameter="session_id",
                value=session.id,
            )
        if not math.isfinite(sample_rate) or sample_rate <= 0:
            raise InvalidParameter(
                "sample_rate must be positive", parameter="data.sample_rate", value=sample_rate
            )
        if not math.isclose(sample_rate, session.sample_rate, rel_tol=1e-9):
            raise InvalidParameter(
                f"the session samples at {session.sample_rate:g} Hz",
                parameter="data.sample_rate",
                value=sample_rate,
                expected=session.sample_rate,
            )
        numbers = [str(n) for n in session.channel_numbers]
        if channels and channels != session.channel_names and channels != numbers:
            raise InvalidParameter(
                "data.channels must list the session's channels, in order",
                parameter="data.channels",
                value=channels,
                expected=session.channel_names,
            )
        if raw.ndim != 2 or raw.shape[1] != len(session.channel_numbers) or not len(raw):
            raise InvalidParameter(
                f"every sample needs {len(session.channel_numbers)} values, one per channel",
                parameter="data.eeg",
                channels=len(session.channel_numbers),
            )
        first = start.timestamp() if start else time.time()
        timestamps = first + np.arange(len(raw)) / sample_rate
        ingestion = Ingestion(
            session_id=session.id,
            ingestion_id=ingestion_id or new_id("ing"),
            block_time_us=round(first * 1e6),
            sequence=sequence,
            samples=len(raw),
        )
        if active is None:
            return await self._retried_ingest(session, ingestion, began)
        stored = await active.recorder.ingest(ingestion, raw, timestamps, active.controller)
        return IngestResult(
            "accepted" if stored else "duplicate",
            ingestion.ingestion_id,
            len(raw),
            (time.perf_counter() - began) * 1000,
        )

    async def _retried_ingest(
        self, session: RecordingSession, ingestion: Ingestion, began: float
    ) -> IngestResult:
        """A session that no longer records takes no samples, but a block it
        stored is a duplicate: the server may have died, or the session
        stopped, between the commit and the answer."""
        if not await self.store.holds(ingestion):
            status = (await self.store.get(session.account_id, session.id)).status
            raise StreamUnavailable(
                f"session {session.id} is {status}, not recording",
                parameter="session_id",
                value=session.id,
                status=status,
            )
        return IngestResult(
            "duplicate",
            ingestion.ingestion_id,
            ingestion.samples,
            (time.perf_counter() - began) * 1000,
        )

    # ------------------------------------------------------------ recordings

    async def recording(self, account_id: str, session_id: str) -> Recording:
        active = self._active.get(session_id)
        if active is not None:
            await active.recorder.flush()
        return await self.store.recording(account_id, session_id)

    async def export(self, account_id: str, session_id: str, format: str) -> ExportedFile:
        recording = await self.recording(account_id, session_id)
        return await self._compute.run(export_recording, recording, format)

    async def brainflow_file(self, account_id: str, session_id: str, path: Path) -> Path:
        """The account's recording as a BrainFlow file at ``path`` (written
        once); SessionNotFound for a session that is not the account's, even
        when the file exists."""
        await self.store.get(account_id, session_id)
        if path.exists():
            return path
        recording = await self.recording(account_id, session_id)
        if not len(recording.samples):
            raise InvalidParameter(
                "the session has no samples to replay",
                parameter="params.session_id",
                value=session_id,
            )
        data = await self._compute.run(export_brainflow, recording)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f"{path.name}.{new_id('part')}")
        partial.write_bytes(data)
        partial.replace(path)
        try:  # a session deleted while it was exported takes its file along
            await self.store.get(account_id, session_id)
        except SessionNotFound:
            path.unlink(missing_ok=True)
            raise
        return path

    async def close(self) -> None:
        """Commits every active recording and marks it interrupted (the server
        is stopping)."""
        for session_id in list(self._active):
            await self._finish(session_id, "interrupted")
