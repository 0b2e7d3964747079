"""``client.sessions`` (recordings) and ``client.ingest`` (samples pushed
from an external device).

``export`` streams the recording file (EDF+, CSV or BrainFlow) to disk with
a progress bar; ``recording`` reads the CSV export into a
:class:`Recording` (``to_pandas()``, ``to_mne()``). Ingest is retried only
with an ``idempotency_key``: the server stores a block with a known
``ingestion_id`` once, however often it is sent.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from neurogate.client._calls import Download, Paged, Then, Unary
from neurogate.client._convert import rows_of
from neurogate.client._namespace import Namespace, stream_request
from neurogate.client.models import IngestResult, Recording, Session
from neurogate.v1 import neural_pb2

SERVICE = "NeuralService"
_EXTENSIONS = {"edf": ".edf", "csv": ".csv", "brainflow": ".brainflow.csv"}


def _get(session_id: str) -> Unary[Session]:
    return Unary(
        f"{SERVICE}/GetSession",
        neural_pb2.GetSessionRequest(session_id=session_id),
        Session.from_proto,
        idempotent=True,
    )


class SessionsNamespace(Namespace):
    def create(
        self,
        device_id: str,
        subject_id: str = "",
        experiment_type: str = "",
        duration_minutes: int | None = None,
        dataset_id: str = "",
        tags: list[str] | None = None,
    ) -> Session:
        """Starts recording the device (until stopped, or for ``duration_minutes``)."""
        request = neural_pb2.CreateSessionRequest(
            device_id=device_id,
            subject_id=subject_id,
            experiment_type=experiment_type,
            duration_minutes=duration_minutes or 0,
            dataset_id=dataset_id,
            tags=tags or [],
        )
        return self._run(
            Unary(f"{SERVICE}/CreateSession", request, Session.from_proto, idempotent=False)
        )

    def get(self, session_id: str) -> Session:
        return self._run(_get(session_id))

    def list(self, device_id: str = "", status: str = "", tag: str = "") -> list[Session]:
        """Every session of the account matching the filters (all pages)."""
        request = neural_pb2.ListSessionsRequest(
            page_size=500, device_id=device_id, status=status, tag=tag
        )
        return self._run(
            Paged(
                f"{SERVICE}/ListSessions",
                request,
                lambda page: [Session.from_proto(s) for s in page.sessions],
            )
        )

    def stop(self, session_id: str) -> Session:
        """Stops recording; the session as stopped (status, duration, data points)."""
        request = neural_pb2.StopSessionRequest(session_id=session_id)
        return self._run(
            Unary(
                f"{SERVICE}/StopSession",
                request,
                lambda reply: Session(
                    id=reply.session_id,
                    status=reply.status,
                    device_id="",
                    start_time=None,
                    duration_seconds=reply.duration_seconds,
                    data_points=reply.data_points,
                    raw=reply,
                ),
                idempotent=False,
            )
        )

    def delete(self, session_id: str) -> None:
        request = neural_pb2.DeleteSessionRequest(session_id=session_id)
        return self._run(
            Unary(f"{SERVICE}/DeleteSession", request, lambda _: None, idempotent=True)
        )

    def stream(
        self,
        session_id: str,
        channels: list[int] | None = None,
        block_size: int = 10,
        max_latency_ms: int = 0,
        sample_encoding: str = "float64",
    ) -> Any:
        """Live packets of the session's device while it records (see
        ``devices.stream``)."""
        return self._stream(
            stream_request(
                session_id=session_id,
                channels=channels,
                block_size=block_size,
                max_latency_ms=max_latency_ms,
                sample_encoding=sample_encoding,
            )
        )

    def export(self, session_id: str, format: str = "edf", path: str | Path | None = None) -> Path:
        """Writes the recording as ``edf``, ``csv`` or ``brainflow`` to ``path``
        (``<session_id><extension>`` in the working directory by default)."""
        target = Path(path) if path else Path(session_id + _EXTENSIONS.get(format, f".{format}"))
        request = neural_pb2.ExportSessionRequest(session_id=session_id, format=format)
        return self._run(
            Download(f"{SERVICE}/ExportSession", request, target, f"export {target.name}")
        )

    def recording(self, session_id: str) -> Recording:
        """The recorded samples, markers and sample rate (from the CSV export)."""

        def download(session: Session) -> Download:
            handle, name = tempfile.mkstemp(suffix=".csv", prefix="neurogate-")
            os.close(handle)

            def read(path: Path) -> Recording:
                try:
                    return Recording.from_csv(session.id, session.sample_rate, path)
                finally:
                    path.unlink()

            request = neural_pb2.ExportSessionRequest(session_id=session_id, format="csv")
            return Download(
                f"{SERVICE}/ExportSession", request, Path(name), f"read {session_id}", read
            )

        return self._run(Then(_get(session_id), download))


class IngestNamespace(Namespace):
    def neural_data(
        self,
        device_id: str,
        data: np.ndarray | list[list[float]],
        sample_rate: float,
        channels: list[str] | list[int] | None = None,
        session_id: str | None = None,
        metadata: Mapping[str, str] | None = None,
        idempotency_key: str | None = None,
        timestamp: datetime | None = None,
        sequence: int = 0,
    ) -> IngestResult:
        """Appends samples (samples x channels) to a session of an external
        device and publishes them live. With ``idempotency_key`` the call is
        retried on failure and a repeat is stored once (``status="duplicate"``)."""
        request = neural_pb2.IngestNeuralDataRequest(
            device_id=device_id,
            session_id=session_id or "",
            data=neural_pb2.IngestData(
                eeg=rows_of(data),
                sample_rate=sample_rate,
                channels=[str(c) for c in channels or []],
            ),
            metadata=neural_pb2.IngestMetadata(**dict(metadata or {})),
            ingestion_id=idempotency_key or "",
            sequence=sequence,
        )
        if timestamp is not None:
            request.timestamp.FromDatetime(timestamp)
        return self._run(
            Unary(
                f"{SERVICE}/IngestNeuralData",
                request,
                IngestResult.from_proto,
                idempotent=idempotency_key is not None,
            )
        )
