"""Writes one session's samples into chunked storage.

Board devices: the controller hands every raw block to :meth:`Recorder.write`
on the event loop; blocks are buffered and committed as one chunk about once
a second, so a crash loses at most the last second (the session is then
marked interrupted at the next start, with what was committed). External
devices: :meth:`Recorder.ingest` commits each ingested block before the
caller is answered, once, whatever the retries.

Sample indices in storage count from the recording's first sample.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

import numpy as np

from neurogate.server.devices.controller import DeviceController
from neurogate.server.sessions.quality import QualityTracker
from neurogate.server.sessions.store import SessionStore
from neurogate.server.shielded import runs_to_completion
from neurogate.server.storage.models import Ingestion
from neurogate.server.streaming.hub import Block, StreamEnd, StreamEvent

log = logging.getLogger(__name__)

FLUSH_SECONDS = 1.0


class Recorder:
    def __init__(
        self,
        session_id: str,
        store: SessionStore,
        sample_rate: float,
        channels: int,
        on_stream_end: Callable[[StreamEnd], Awaitable[None]],
    ) -> None:
        self.session_id = session_id
        self._store = store
        self._on_stream_end = on_stream_end
        self._buffer: list[Block] = []
        self._offset: int | None = None
        self._next_index = 0
        self._chunks = 0
        self._quality = QualityTracker(sample_rate, channels)
        self._lock = asyncio.Lock()
        self._flusher = asyncio.create_task(self._flush_every_second(), name=f"record {session_id}")

    @property
    def data_points(self) -> int:
        return self._next_index

    def quality(self) -> dict[str, float | str]:
        return self._quality.metrics()

    def _relative(self, block: Block) -> Block:
        """The block with sample indices counted from the recording's start."""
        if self._offset is None:
            self._offset = block.first_sample_index
        offset = self._offset
        return Block(
            block.first_sample_index - offset,
            block.timestamps,
            block.samples,
            tuple(
                StreamEvent(e.sample_index - offset, e.timestamp, e.type, e.metadata)
                for e in block.events
            ),
        )

    # ------------------------------------------------------------ board streams

    def write(self, block: Block) -> None:
        self._buffer.append(self._relative(block))

    def stream_ended(self, end: StreamEnd) -> None:
        asyncio.get_running_loop().create_task(self._on_stream_end(end))

    async def _flush_every_second(self) -> None:
        while True:
            await asyncio.sleep(FLUSH_SECONDS)
            try:
                await self.flush()
            except Exception:  # storage trouble: keep the samples, retry next second
                log.exception(
                    "committing a recording chunk failed", extra={"session_id": self.session_id}
                )

    # Every commit here runs to completion, so the chunk counters always
    # follow what was stored, even when a stop races the once-a-second flush
    # or a client hangs up mid-ingest.
    @runs_to_completion
    async def flush(self) -> None:
        async with self._lock:
            blocks, self._buffer = self._buffer, []
            if not blocks:
                return
            chunk = Block(
                blocks[0].first_sample_index,
                np.concatenate([b.timestamps for b in blocks]),
                np.concatenate([b.samples for b in blocks]),
                tuple(e for b in blocks for e in b.events),
            )
            quality = self._quality.copy()
            quality.add(chunk.samples)
            try:
                await self._store.append(self.session_id, self._chunks, chunk, quality.metrics())
            except Exception:
                self._buffer[:0] = blocks  # kept for the next attempt
                raise
            self._quality = quality
            self._chunks += 1
            self._next_index = chunk.end_index

    async def close(self) -> None:
        """Commits what is buffered and stops the once-a-second flushing."""
        self._flusher.cancel()
        await asyncio.gather(self._flusher, return_exceptions=True)
        await self.flush()

    # ------------------------------------------------------------ ingestion

    @runs_to_completion
    async def ingest(
        self,
        ingestion: Ingestion,
        raw: np.ndarray,
        timestamps: np.ndarray,
        controller: DeviceController,
    ) -> bool:
        """Commits an ingested block (with the markers inserted since the last
        one) unless it was stored already, then publishes it to the device's
        live subscribers; True if it was new."""
        async with self._lock:
            markers = controller.take_markers()
            events = tuple(
                StreamEvent(self._next_index, float(timestamps[0]), kind, metadata)
                for kind, metadata in markers
            )
            block = Block(self._next_index, timestamps, raw, events)
            stored = await self._store.ingest(self.session_id, ingestion, self._chunks, block)
            if not stored:
                controller.return_markers(markers)
                return False
            self._chunks += 1
            self._next_index = block.end_index
            self._quality.add(raw)
            controller.ingest(raw, timestamps, markers)
            return True
