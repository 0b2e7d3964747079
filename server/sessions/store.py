"""Recording sessions in the database: the session rows, their samples in
chunks (float32 samples, float64 timestamps, little-endian, one row per
chunk rather than per sample), markers, and ingestion records."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
from sqlalchemy import func, or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, and_, col, select

from neurogate.server.errors import InvalidParameter, SessionNotFound, not_found
from neurogate.server.ids import new_id
from neurogate.server.pagination import Cursor, decode_cursor, encode_cursor
from neurogate.server.recordings.recording import Marker, Recording
from neurogate.server.storage.database import Database
from neurogate.server.storage.models import (
    Ingestion,
    RecordingChunk,
    RecordingMarker,
    RecordingSession,
    utc_now,
)
from neurogate.server.streaming.hub import Block

RECORDING = "recording"
STATUSES = ("recording", "completed", "stopped", "interrupted")


@dataclass(frozen=True)
class SessionFilter:
    device_id: str = ""
    status: str = ""
    started_after: datetime | None = None
    started_before: datetime | None = None
    tag: str = ""

    def scope(self) -> str:
        return "|".join(
            str(v)
            for v in (
                self.device_id,
                self.status,
                self.started_after,
                self.started_before,
                self.tag,
            )
        )


@dataclass(frozen=True)
class SessionPage:
    sessions: list[RecordingSession]
    total: int
    next_page_token: str


def chunk_row(session_id: str, chunk_index: int, block: Block) -> RecordingChunk:
    return RecordingChunk(
        session_id=session_id,
        chunk_index=chunk_index,
        first_sample=block.first_sample_index,
        sample_count=block.size,
        samples=np.ascontiguousarray(block.samples, dtype="<f4").tobytes(),
        timestamps=np.ascontiguousarray(block.timestamps, dtype="<f8").tobytes(),
    )


def marker_rows(session_id: str, block: Block) -> list[RecordingMarker]:
    return [
        RecordingMarker(
            id=event.metadata.get("marker_id") or new_id("mrk"),
            session_id=session_id,
            sample_index=event.sample_index,
            timestamp=event.timestamp,
            type=event.type,
            metadata_=dict(event.metadata),
        )
        for event in block.events
    ]


def _last_sample_time(s: Session, row: RecordingSession) -> datetime:
    """When the last committed sample of a session was taken, kept within
    the session's life: ingested samples carry the producer's clock, which
    may run behind the start or ahead of now. The start time when none was
    committed."""
    timestamps = s.exec(
        select(RecordingChunk.timestamps)
        .where(RecordingChunk.session_id == row.id)
        .order_by(col(RecordingChunk.chunk_index).desc())
        .limit(1)
    ).first()
    if not timestamps:
        return row.start_time
    last = datetime.fromtimestamp(float(np.frombuffer(timestamps, "<f8")[-1]), UTC)
    return min(max(last, row.start_time), utc_now())


class SessionStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(self, session: RecordingSession) -> RecordingSession:
        await self._db.run(lambda s: s.add(session))
        return session

    async def get(self, account_id: str, session_id: str) -> RecordingSession:
        row = await self._db.run(lambda s: s.get(RecordingSession, session_id))
        if row is None or row.account_id != account_id:
            raise not_found(SessionNotFound, "session", session_id)
        return row

    async def page(
        self, account_id: str, filters: SessionFilter, size: int, token: str
    ) -> SessionPage:
        scope = f"{account_id}|{filters.scope()}"
        cursor = decode_cursor(token, scope)
        wanted = [RecordingSession.account_id == account_id]
        if filters.device_id:
            wanted.append(RecordingSession.device_id == filters.device_id)
        if filters.status:
            if filters.status not in STATUSES:
                raise InvalidParameter(
                    f"unknown status {filters.status!r}",
                    parameter="status",
                    value=filters.status,
                    valid_choices=list(STATUSES),
                )
            wanted.append(RecordingSession.status == filters.status)
        if filters.started_after:
            wanted.append(col(RecordingSession.start_time) >= filters.started_after)
        if filters.started_before:
            wanted.append(col(RecordingSession.start_time) < filters.started_before)
        query = select(RecordingSession).where(*wanted)
        if cursor is not None:
            query = query.where(
                or_(
                    col(RecordingSession.start_time) < cursor.created_at,
                    and_(
                        RecordingSession.start_time == cursor.created_at,
                        col(RecordingSession.id) < cursor.id,
                    ),
                )
            )
        query = query.order_by(
            col(RecordingSession.start_time).desc(), col(RecordingSession.id).desc()
        )

        def read(s: Session) -> tuple[list[RecordingSession], int]:
            if not filters.tag:
                rows = list(s.exec(query.limit(size + 1)).all())
                return rows, s.exec(select(func.count()).where(*wanted)).one()
            # Tags are a JSON list: filter them here, portably across backends.
            tagged = [r for r in s.exec(query).all() if filters.tag in r.tags]
            total = sum(
                1
                for r in s.exec(select(RecordingSession).where(*wanted)).all()
                if filters.tag in r.tags
            )
            return tagged[: size + 1], total

        rows, total = await self._db.run(read)
        more = len(rows) > size
        rows = rows[:size]
        token = encode_cursor(Cursor(rows[-1].start_time, rows[-1].id), scope) if more else ""
        return SessionPage(rows, total, token)

    async def finish(
        self, session_id: str, status: str, quality: dict[str, Any], data_points: int
    ) -> None:
        def close(s: Session) -> None:
            row = s.get(RecordingSession, session_id)
            if row is not None and row.status == RECORDING:
                row.status = status
                row.end_time = utc_now()
                row.quality = quality
                row.data_points = data_points

        await self._db.run(close)

    async def append(
        self, session_id: str, chunk_index: int, block: Block, quality: dict[str, Any]
    ) -> None:
        """Commits a chunk (and its markers) and the session's new totals.
        Sample indices in ``block`` count from the recording's first sample."""
        chunk = chunk_row(session_id, chunk_index, block)
        markers = marker_rows(session_id, block)

        def write(s: Session) -> None:
            s.add(chunk)
            s.add_all(markers)
            s.exec(
                update(RecordingSession)
                .where(col(RecordingSession.id) == session_id)
                .values(data_points=block.end_index, quality=quality)
            )

        await self._db.run(write)

    async def ingest(
        self, session_id: str, ingestion: Ingestion, chunk_index: int, block: Block
    ) -> bool:
        """Commits an ingested block once: False if this ingestion id, or the
        same (timestamp, sequence), was already stored. The session's totals
        are written when it finishes (or recovered from its chunks)."""
        chunk = chunk_row(session_id, chunk_index, block)
        markers = marker_rows(session_id, block)

        def write(s: Session) -> bool:
            # The ingestion's keys are unique: inserting it first is the check.
            try:
                s.add(ingestion)
                s.flush()
            except IntegrityError:
                s.rollback()
                return False
            s.add_all([chunk, *markers])
            return True

        try:
            return await self._db.run(write)
        except IntegrityError:  # a concurrent retry won the race
            return False

    async def holds(self, ingestion: Ingestion) -> bool:
        """True if the session stored this ingestion id, or a block at the
        same (timestamp, sequence)."""
        query = select(func.count()).where(
            Ingestion.session_id == ingestion.session_id,
            or_(
                col(Ingestion.ingestion_id) == ingestion.ingestion_id,
                and_(
                    Ingestion.block_time_us == ingestion.block_time_us,
                    Ingestion.sequence == ingestion.sequence,
                ),
            ),
        )
        return await self._db.run(lambda s: s.exec(query).one() > 0)

    async def recording(self, account_id: str, session_id: str) -> Recording:
        row = await self.get(account_id, session_id)

        def read(s: Session) -> tuple[list[RecordingChunk], list[RecordingMarker]]:
            chunks = list(
                s.exec(
                    select(RecordingChunk)
                    .where(RecordingChunk.session_id == session_id)
                    .order_by(col(RecordingChunk.chunk_index))
                ).all()
            )
            markers = list(
                s.exec(
                    select(RecordingMarker)
                    .where(RecordingMarker.session_id == session_id)
                    .order_by(col(RecordingMarker.sample_index))
                ).all()
            )
            return chunks, markers

        chunks, markers = await self._db.run(read)
        channels = len(row.channel_numbers)
        samples = (
            np.concatenate(
                [np.frombuffer(c.samples, "<f4").reshape(-1, channels) for c in chunks]
            ).astype(np.float64)
            if chunks
            else np.empty((0, channels))
        )
        timestamps = (
            np.concatenate([np.frombuffer(c.timestamps, "<f8") for c in chunks])
            if chunks
            else np.empty(0)
        )
        return Recording(
            session_id=row.id,
            device_name=row.device_name,
            board_id=row.board_id,
            sample_rate=row.sample_rate,
            channel_numbers=tuple(row.channel_numbers),
            channel_names=tuple(row.channel_names),
            samples=samples,
            timestamps=timestamps,
            markers=tuple(
                Marker(
                    m.sample_index, m.timestamp, m.type, {k: str(v) for k, v in m.metadata_.items()}
                )
                for m in markers
            ),
            start_time=row.start_time,
            subject_pseudonym=row.subject_pseudonym,
            experiment_type=row.experiment_type,
        )

    async def chunk_count(self, session_id: str) -> int:
        return await self._db.run(
            lambda s: s.exec(
                select(func.count()).where(RecordingChunk.session_id == session_id)
            ).one()
        )

    async def delete(self, account_id: str, session_id: str) -> None:
        row = await self.get(account_id, session_id)
        await self._db.run(lambda s: s.delete(s.get(RecordingSession, row.id)))

    async def interrupt_unfinished(self) -> int:
        """Sessions left 'recording' by a server that died: 'interrupted',
        keeping the data up to the last committed chunk."""

        def mark(s: Session) -> int:
            rows = list(
                s.exec(select(RecordingSession).where(RecordingSession.status == RECORDING)).all()
            )
            for row in rows:
                row.status = "interrupted"
                row.end_time = _last_sample_time(s, row)
                committed = s.exec(
                    select(func.coalesce(func.sum(RecordingChunk.sample_count), 0)).where(
                        RecordingChunk.session_id == row.id
                    )
                ).one()
                row.data_points = int(committed)
            return len(rows)

        return await self._db.run(mark)
