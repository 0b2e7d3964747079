"""From a subscription's blocks to the packets of docs/streaming.md.

A subscriber asks for ``block_size`` samples per packet. ``block_size`` 1
gives the documented single-sample packet (one ``ChannelData`` per channel,
with the channel's current signal quality); more gives the block form:
``sequence``, ``sample_rate``, ``channel_numbers``, ``sample_count``, the
samples row-major (as float64 ``samples`` or, on request, float32 bytes in
``samples_f32``) and a timestamp per sample. Markers travel as ``Event``s in
the packet holding their sample.

A partly filled block is sent once its oldest sample has waited
``max_latency`` (by default the block's own duration plus 50 ms, so blocks
fill unless the stream stalls). ``sequence`` counts packets per subscriber; when samples
were lost (the subscriber fell behind) the packets before the loss are sent,
one sequence number is skipped, and ``dropped_samples`` grows. Consecutive
packets otherwise continue exactly where the previous one ended
(``first_sample_index``).
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import numpy as np

from neurogate.server.streaming.hub import Block, StreamEnd, StreamEvent, Subscription
from neurogate.v1 import neural_pb2

ENCODINGS = ("float64", "float32")
DEFAULT_BLOCK_SIZE = 10
DEFAULT_MAX_LATENCY = 0.1
#: Added to a block's duration for the default max_latency.
DEFAULT_LATENCY_SLACK = 0.05
MAX_BLOCK_SIZE = 10_000


@dataclass(frozen=True)
class PacketShape:
    device_id: str
    session_id: str
    sample_rate: float
    #: Channel numbers sent, and their columns in the stream's blocks.
    channel_numbers: tuple[int, ...]
    columns: tuple[int, ...]
    block_size: int = DEFAULT_BLOCK_SIZE
    max_latency: float = DEFAULT_MAX_LATENCY
    encoding: str = "float64"


def _event(event: StreamEvent) -> neural_pb2.Event:
    metadata = {**event.metadata, "sample_index": str(event.sample_index)}
    return neural_pb2.Event(type=event.type, timestamp=event.timestamp, metadata=metadata)


def end_packet(shape: PacketShape, end: StreamEnd) -> neural_pb2.NeuralDataPacket:
    return neural_pb2.NeuralDataPacket(
        device_id=shape.device_id,
        session_id=shape.session_id,
        end=neural_pb2.StreamEnd(reason=end.reason, code=end.code, message=end.message),
    )


class Packetizer:
    """Cuts blocks into packets of ``shape.block_size`` samples."""

    def __init__(
        self,
        shape: PacketShape,
        quality: Callable[[], dict[int, str]] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.shape = shape
        self._quality = quality
        self._clock = clock
        self._columns = np.asarray(shape.columns, dtype=np.intp)
        # Most subscribers take every channel in order: no copy needed then.
        self._in_order = shape.columns == tuple(range(len(shape.columns)))
        self._pending: list[Block] = []
        self._pending_samples = 0
        self._pending_since = 0.0
        self._expected: int | None = None
        self.sequence = 0
        self.dropped_samples = 0

    def seconds_to_flush(self) -> float | None:
        """How long a partly filled block may still wait (None: nothing waits)."""
        if not self._pending_samples:
            return None
        return max(0.0, self._pending_since + self.shape.max_latency - self._clock())

    def add(self, block: Block, dropped_samples: int = 0) -> list[neural_pb2.NeuralDataPacket]:
        packets: list[neural_pb2.NeuralDataPacket] = []
        if self._expected is not None and block.first_sample_index != self._expected:
            packets.extend(self.flush())
            self.sequence += 1  # the gap a lost packet leaves
        self._expected = block.end_index
        self.dropped_samples = dropped_samples
        if not self._pending_samples:
            self._pending_since = self._clock()
        every_column = self._in_order and block.samples.shape[1] == len(self._columns)
        samples = block.samples if every_column else block.samples[:, self._columns]
        self._pending.append(
            Block(block.first_sample_index, block.timestamps, samples, block.events)
        )
        self._pending_samples += block.size
        if self._pending_samples >= self.shape.block_size:
            packets.extend(self._cut(whole_blocks_only=True))
        return packets

    def flush(self) -> list[neural_pb2.NeuralDataPacket]:
        """Everything pending, the last packet possibly short."""
        return self._cut(whole_blocks_only=False)

    def _cut(self, whole_blocks_only: bool) -> list[neural_pb2.NeuralDataPacket]:
        if not self._pending_samples:
            return []
        first = self._pending[0].first_sample_index
        timestamps = np.concatenate([b.timestamps for b in self._pending])
        samples = np.concatenate([b.samples for b in self._pending])
        events = [e for b in self._pending for e in b.events]
        size = self.shape.block_size
        count = len(timestamps) // size * size if whole_blocks_only else len(timestamps)
        packets = []
        for start in range(0, count, size):
            stop = min(start + size, count)
            packets.extend(
                self._packets(first + start, timestamps[start:stop], samples[start:stop], events)
            )
        rest = len(timestamps) - count
        if rest:
            self._pending = [
                Block(
                    first + count,
                    timestamps[count:],
                    samples[count:],
                    tuple(e for e in events if e.sample_index >= first + count),
                )
            ]
        else:
            self._pending = []
        self._pending_samples = rest
        return packets

    def _packets(
        self,
        first_index: int,
        timestamps: np.ndarray,
        samples: np.ndarray,
        events: list[StreamEvent],
    ) -> list[neural_pb2.NeuralDataPacket]:
        stop_index = first_index + len(timestamps)
        mine = [_event(e) for e in events if first_index <= e.sample_index < stop_index]
        shape = self.shape
        if shape.block_size == 1:
            return [self._single(first_index, timestamps, samples, mine)]
        packet = neural_pb2.NeuralDataPacket(
            device_id=shape.device_id,
            session_id=shape.session_id,
            timestamp=float(timestamps[0]),
            sequence=self.sequence,
            sample_rate=shape.sample_rate,
            channel_numbers=shape.channel_numbers,
            sample_count=len(timestamps),
            timestamps=timestamps.tolist(),
            first_sample_index=first_index,
            dropped_samples=self.dropped_samples,
            events=mine,
        )
        if shape.encoding == "float32":
            packet.samples_f32 = np.ascontiguousarray(samples, dtype="<f4").tobytes()
        else:
            packet.samples.extend(samples.ravel().tolist())
        self.sequence += 1
        return [packet]

    def _single(
        self,
        index: int,
        timestamps: np.ndarray,
        samples: np.ndarray,
        events: list[neural_pb2.Event],
    ) -> neural_pb2.NeuralDataPacket:
        quality = self._quality() if self._quality else {}
        packet = neural_pb2.NeuralDataPacket(
            device_id=self.shape.device_id,
            session_id=self.shape.session_id,
            timestamp=float(timestamps[0]),
            sequence=self.sequence,
            first_sample_index=index,
            sample_count=1,
            dropped_samples=self.dropped_samples,
            channels=[
                neural_pb2.ChannelData(
                    channel_number=number, value=float(value), quality=quality.get(number, "")
                )
                for number, value in zip(self.shape.channel_numbers, samples[0], strict=True)
            ],
            events=events,
        )
        self.sequence += 1
        return packet


async def packets(
    subscription: Subscription, packetizer: Packetizer
) -> AsyncIterator[neural_pb2.NeuralDataPacket]:
    """A subscription's packets until the stream ends; the last one carries
    the ``end`` saying why."""
    while True:
        block = await subscription.get(packetizer.seconds_to_flush())
        if block is not None:
            for packet in packetizer.add(block, subscription.dropped_samples):
                yield packet
            continue
        for packet in packetizer.flush():
            yield packet
        if subscription.ended is not None:
            yield end_packet(packetizer.shape, subscription.ended)
            return
