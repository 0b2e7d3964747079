"""NeuralService: live streams, control, analysis, ingestion and sessions."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import grpc
import numpy as np
from google.api import httpbody_pb2

from neurogate.server.context import current_account, current_call, current_principal
from neurogate.server.devices.config import chosen_channels
from neurogate.server.devices.controller import DeviceController, DeviceState
from neurogate.server.devices.manager import DeviceManager
from neurogate.server.errors import (
    InvalidParameter,
    NeuroGateError,
    SlowConsumer,
    StreamUnavailable,
    Unavailable,
)
from neurogate.server.pagination import page_size
from neurogate.server.services._convert import fill, list_value_rows, struct, timestamp
from neurogate.server.services.devices import ControlSession, DeviceControlServicer
from neurogate.server.sessions.manager import MAX_INGEST_VALUES, IngestResult, SessionManager
from neurogate.server.sessions.store import SessionFilter
from neurogate.server.signal.bands import DEFAULT_BANDS, band_powers
from neurogate.server.signal.offline import as_matrix
from neurogate.server.signal.quality import channel_quality, overall_quality
from neurogate.server.storage.models import RecordingSession
from neurogate.server.streaming.hub import StreamEnd
from neurogate.server.streaming.packets import (
    DEFAULT_BLOCK_SIZE,
    DEFAULT_LATENCY_SLACK,
    ENCODINGS,
    MAX_BLOCK_SIZE,
    Packetizer,
    PacketShape,
    packets,
)
from neurogate.server.streaming.slots import StreamSlots
from neurogate.v1 import neural_pb2 as pb
from neurogate.v1 import neural_pb2_grpc

EXPORT_CHUNK_BYTES = 1024 * 1024
MAX_LATENCY_MS = 10_000
ANALYSES = ("band_power", "signal_quality")


def _end_error(end: StreamEnd) -> NeuroGateError | None:
    """The gRPC status a stream that ended so finishes with (after its
    in-band end packet); None for a normal end."""
    if end.code == "RESOURCE_EXHAUSTED":
        return SlowConsumer(end.message, reason=end.reason)
    if end.code == "UNAVAILABLE":
        return Unavailable(end.message, reason=end.reason)
    return None


def session_fields(session: RecordingSession) -> dict[str, Any]:
    quality = session.quality or {}
    return {
        "session_id": session.id,
        "status": session.status,
        "device_id": session.device_id,
        "start_time": timestamp(session.start_time),
        "end_time": timestamp(session.end_time),
        "duration_seconds": round(session.data_points / session.sample_rate, 6),
        "data_points": session.data_points,
        "quality_metrics": pb.QualityMetrics(
            artifact_percentage=quality.get("artifact_percentage", 0.0),
            signal_quality=quality.get("signal_quality", ""),
        ),
        "experiment_type": session.experiment_type,
        "tags": session.tags,
        "subject_pseudonym": session.subject_pseudonym,
        "duration_minutes": session.duration_minutes,
        "sample_rate": session.sample_rate,
        "channel_numbers": session.channel_numbers,
        "dataset_id": session.dataset_id or "",
    }


def ingest_samples(data: pb.IngestData, channels: int) -> np.ndarray:
    """The request's samples as (samples, channels) float64, checked."""
    if bool(data.eeg) == bool(data.samples_f32):
        raise InvalidParameter(
            "send the samples in data.eeg or data.samples_f32 (one of them)", parameter="data.eeg"
        )
    values = len(data.samples_f32) // 4 if data.samples_f32 else len(data.eeg) * channels
    if values > MAX_INGEST_VALUES:
        raise InvalidParameter(
            f"a block holds at most {MAX_INGEST_VALUES:,} values; send smaller blocks",
            parameter="data.samples_f32" if data.samples_f32 else "data.eeg",
            value=values,
            limit=MAX_INGEST_VALUES,
        )
    if data.samples_f32:
        if len(data.samples_f32) % (4 * channels):
            raise InvalidParameter(
                f"data.samples_f32 must hold whole samples of {channels} float32 values",
                parameter="data.samples_f32",
                bytes=len(data.samples_f32),
            )
        raw = np.frombuffer(data.samples_f32, dtype="<f4").reshape(-1, channels)
        if not np.isfinite(raw).all():
            raise InvalidParameter(
                "data.samples_f32 holds non-finite values", parameter="data.samples_f32"
            )
        return raw.astype(np.float64)
    rows = list_value_rows(data.eeg)
    wrong = next((i for i, row in enumerate(rows) if len(row) != channels), None)
    if wrong is not None:
        raise InvalidParameter(
            f"data.eeg row {wrong} has {len(rows[wrong])} values; every sample needs "
            f"{channels}, one per channel",
            parameter="data.eeg",
            row=wrong,
            channels=channels,
        )
    return as_matrix(rows, "samples", parameter="data.eeg").T


class NeuralServicer(neural_pb2_grpc.NeuralServiceServicer):
    def __init__(
        self,
        devices: DeviceManager,
        sessions: SessionManager,
        slots: StreamSlots,
        device_control: DeviceControlServicer,
    ) -> None:
        self._devices = devices
        self._sessions = sessions
        self._slots = slots
        self._device_control = device_control

    # ------------------------------------------------------------ streaming

    async def _stream_source(self, request: pb.StreamRequest) -> tuple[DeviceController, str]:
        account = current_account()
        device_ids = [d for d in (request.device_id, *request.device_ids) if d]
        if request.session_id:
            if device_ids:
                raise InvalidParameter(
                    "stream a session or a device, not both", parameter="device_id"
                )
            return await self._sessions.controller_of(
                account, request.session_id
            ), request.session_id
        if len(set(device_ids)) != 1:
            raise InvalidParameter(
                "name one device (device_id) or a session (session_id)"
                if not device_ids
                else "one device per stream: open one stream per device",
                parameter="device_ids",
                value=device_ids,
            )
        return await self._devices.controller(account, device_ids[0]), ""

    def _shape(
        self, request: pb.StreamRequest, controller: DeviceController, session_id: str
    ) -> PacketShape:
        streamed = list(controller.config.channels)
        wanted = chosen_channels(
            request.channels, streamed, "channel {} is not in the device's stream"
        )
        block_size = request.block_size or DEFAULT_BLOCK_SIZE
        if not 1 <= block_size <= MAX_BLOCK_SIZE:
            raise InvalidParameter(
                f"block_size must be between 1 and {MAX_BLOCK_SIZE}",
                parameter="block_size",
                value=request.block_size,
            )
        block_ms = block_size / controller.config.sample_rate * 1000
        latency_ms = request.max_latency_ms or block_ms + DEFAULT_LATENCY_SLACK * 1000
        if not 1 <= latency_ms <= MAX_LATENCY_MS:
            raise InvalidParameter(
                f"max_latency_ms must be between 1 and {MAX_LATENCY_MS}",
                parameter="max_latency_ms",
                value=request.max_latency_ms,
            )
        encoding = request.sample_encoding or "float64"
        if encoding not in ENCODINGS:
            raise InvalidParameter(
                f"unknown sample_encoding {encoding!r}",
                parameter="sample_encoding",
                valid_choices=list(ENCODINGS),
            )
        if request.after_sequence:
            raise InvalidParameter(
                "resuming after a sequence number is not supported yet",
                parameter="after_sequence",
                value=request.after_sequence,
            )
        return PacketShape(
            device_id=controller.info.device_id,
            session_id=session_id,
            sample_rate=controller.config.sample_rate,
            channel_numbers=tuple(wanted),
            columns=tuple(streamed.index(c) for c in wanted),
            block_size=block_size,
            max_latency=latency_ms / 1000,
            encoding=encoding,
        )

    async def StreamNeuralData(
        self, request: pb.StreamRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[pb.NeuralDataPacket]:
        controller, session_id = await self._stream_source(request)
        shape = self._shape(request, controller, session_id)
        if controller.state is not DeviceState.STREAMING or controller.hub is None:
            raise StreamUnavailable(
                f"device {controller.info.device_id} is not streaming; start its stream first",
                parameter="device_id",
                value=controller.info.device_id,
                state=controller.state.value,
            )
        with self._slots.hold(current_principal()):
            subscription = controller.hub.subscribe()
            packetizer = Packetizer(shape, quality=lambda: controller.channel_qualities()[1])
            try:
                async for packet in packets(subscription, packetizer):
                    yield packet
            finally:
                subscription.close()
        if subscription.ended is not None and (error := _end_error(subscription.ended)):
            raise error

    async def DeviceControl(
        self, request_iterator: AsyncIterator[Any], context: grpc.aio.ServicerContext
    ) -> AsyncIterator[Any]:
        session = ControlSession(self._device_control, current_account())
        async for response in session.run(request_iterator):
            yield response

    # ------------------------------------------------------------ analysis

    async def AnalyzeData(
        self, request: pb.AnalysisRequest, context: grpc.aio.ServicerContext
    ) -> pb.AnalysisResult:
        if request.analysis_type not in ANALYSES:
            raise InvalidParameter(
                f"unknown analysis_type {request.analysis_type!r}",
                parameter="analysis_type",
                valid_choices=list(ANALYSES),
            )
        window = request.window_seconds or 4.0
        if not 0.5 <= window <= 600:
            raise InvalidParameter(
                "window_seconds must be between 0.5 and 600",
                parameter="window_seconds",
                value=window,
            )
        account = current_account()
        if request.session_id:
            recording = await self._sessions.recording(account, request.session_id)
            numbers, rate = list(recording.channel_numbers), recording.sample_rate
            data = recording.samples[-int(window * rate) :]
        else:
            controller = await self._devices.controller(account, request.device_id)
            numbers, rate = list(controller.config.channels), controller.config.sample_rate
            data = controller.recent(window)
        wanted = chosen_channels(request.channels, numbers, "there is no channel {} to analyse")
        data = data[:, [numbers.index(c) for c in wanted]]
        if len(data) < rate * 0.5:
            raise StreamUnavailable(
                "not enough recent samples to analyse", samples=len(data), needed=int(rate * 0.5)
            )
        if request.analysis_type == "band_power":
            powers = band_powers(data.T, rate, DEFAULT_BANDS)
            names = [name for name, _, _ in powers.bands]
            results = {
                "method": powers.method,
                "channels": [
                    {
                        "channel": number,
                        "absolute": dict(zip(names, powers.absolute[i].tolist(), strict=True)),
                        "relative": dict(zip(names, powers.relative[i].tolist(), strict=True)),
                    }
                    for i, number in enumerate(wanted)
                ],
            }
        else:
            grades = {number: channel_quality(data[:, i], rate) for i, number in enumerate(wanted)}
            results = {
                "overall": overall_quality([g.quality for g in grades.values()]),
                "channels": [
                    {
                        "channel": n,
                        "quality": g.quality,
                        "rms_uv": g.rms,
                        "line_noise_ratio": g.line_noise_ratio,
                        "reasons": list(g.reasons),
                    }
                    for n, g in grades.items()
                ],
            }
        results["window_seconds"] = len(data) / rate
        return pb.AnalysisResult(
            analysis_type=request.analysis_type,
            results=struct(results),
            computed_at=timestamp(datetime.now(UTC)),
        )

    # ------------------------------------------------------------ ingestion

    async def _ingest(self, request: pb.IngestNeuralDataRequest) -> IngestResult:
        session = await self._sessions.ingest_session(current_account(), request.session_id)
        raw = ingest_samples(request.data, len(session.channel_numbers))
        start = request.timestamp.ToDatetime(tzinfo=UTC) if request.HasField("timestamp") else None
        return await self._sessions.ingest(
            session,
            request.device_id,
            raw,
            request.data.sample_rate,
            list(request.data.channels),
            start,
            request.ingestion_id,
            request.sequence,
        )

    async def IngestNeuralData(
        self, request: pb.IngestNeuralDataRequest, context: grpc.aio.ServicerContext
    ) -> pb.IngestNeuralDataResponse:
        result = await self._ingest(request)
        return pb.IngestNeuralDataResponse(
            status=result.status,
            ingestion_id=result.ingestion_id,
            processing_time_ms=round(result.processing_ms, 3),
            samples=result.samples,
        )

    async def IngestNeuralDataStream(
        self, request_iterator: AsyncIterator[Any], context: grpc.aio.ServicerContext
    ) -> pb.IngestNeuralDataStreamResponse:
        began = time.perf_counter()
        messages = samples = duplicates = 0
        async for request in request_iterator:
            result = await self._ingest(request)
            messages += 1
            if result.status == "duplicate":
                duplicates += 1
            else:
                samples += result.samples
        return pb.IngestNeuralDataStreamResponse(
            status="accepted",
            messages=messages,
            samples=samples,
            duplicates=duplicates,
            processing_time_ms=round((time.perf_counter() - began) * 1000, 3),
        )

    # ------------------------------------------------------------ sessions

    async def CreateSession(
        self, request: pb.CreateSessionRequest, context: grpc.aio.ServicerContext
    ) -> pb.CreateSessionResponse:
        session = await self._sessions.create(
            current_account(),
            request.device_id,
            request.subject_id,
            request.experiment_type,
            request.duration_minutes,
            list(request.tags),
            request.dataset_id,
        )
        return fill(pb.CreateSessionResponse, session_fields(session))

    async def GetSession(
        self, request: pb.GetSessionRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetSessionResponse:
        session = await self._sessions.get(current_account(), request.session_id)
        return fill(pb.GetSessionResponse, session_fields(session))

    async def ListSessions(
        self, request: pb.ListSessionsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListSessionsResponse:
        filters = SessionFilter(
            device_id=request.device_id,
            status=request.status,
            tag=request.tag,
            started_after=request.started_after.ToDatetime(tzinfo=UTC)
            if request.HasField("started_after")
            else None,
            started_before=request.started_before.ToDatetime(tzinfo=UTC)
            if request.HasField("started_before")
            else None,
        )
        page = await self._sessions.page(
            current_account(), filters, page_size(request.page_size), request.page_token
        )
        return pb.ListSessionsResponse(
            sessions=[fill(pb.Session, session_fields(s)) for s in page.sessions],
            total=page.total,
            next_page_token=page.next_page_token,
        )

    async def StopSession(
        self, request: pb.StopSessionRequest, context: grpc.aio.ServicerContext
    ) -> pb.StopSessionResponse:
        session = await self._sessions.stop(current_account(), request.session_id)
        fields = session_fields(session)
        return fill(pb.StopSessionResponse, fields)

    async def DeleteSession(
        self, request: pb.DeleteSessionRequest, context: grpc.aio.ServicerContext
    ) -> pb.DeleteSessionResponse:
        await self._sessions.delete(current_account(), request.session_id)
        return pb.DeleteSessionResponse(session_id=request.session_id)

    async def ExportSession(
        self, request: pb.ExportSessionRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[httpbody_pb2.HttpBody]:
        exported = await self._sessions.export(
            current_account(), request.session_id, request.format.strip().lower()
        )
        current_call().response_headers["content-disposition"] = (
            f'attachment; filename="{exported.filename}"'
        )
        data = exported.data
        for offset in range(0, max(len(data), 1), EXPORT_CHUNK_BYTES):
            yield httpbody_pb2.HttpBody(
                content_type=exported.content_type,
                data=data[offset : offset + EXPORT_CHUNK_BYTES],
            )
