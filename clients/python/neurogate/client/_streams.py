"""Live packet streams that survive a dropped connection.

``StreamNeuralData`` is a server stream. When it fails with ``UNAVAILABLE``
(the connection dropped, or the server shut down: its last in-band packet
then says ``server_shutdown``), the iterator waits with backoff for the
channel to connect again and reopens the stream. The server cannot resume
after a sequence number today (``after_sequence`` must be 0), so the stream
starts afresh and the loss is reported instead: as a :class:`StreamGap` on
the first new packet (``packet.gap``), in the iterator's ``gaps`` list and
as a logged warning.

Sequence numbers count packets per subscriber, so every reopened stream
starts again at 0; continuity is judged on ``first_sample_index`` (samples
since the device's stream started) checked against the board clock: the
new packet is on the same device stream when its index is at or after the
expected one and agrees with the time that passed (within a second of
samples). Otherwise the device's stream restarted, e.g. with the server, and
the gap is a ``reset`` whose loss is unknown. Within one stream a skipped
sequence number means the subscriber fell behind (``lost``).

A stream that ends normally (stopped, session ended) ends the iteration;
any other failure (a lost or deleted device, a slow consumer cut off, a
refused request) raises the typed error. The bookkeeping is shared; the
sync and asyncio loops are the two small classes at the end.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import grpc

from neurogate.client._calls import method_path
from neurogate.client._transport import AsyncTransport, Attempts, SyncTransport
from neurogate.client.errors import from_rpc_error
from neurogate.client.models import Packet, StreamGap
from neurogate.v1 import neural_pb2

logger = logging.getLogger("neurogate.client")

METHOD = "NeuralService/StreamNeuralData"
#: Slack, in seconds of samples, between index and clock continuity.
CLOCK_TOLERANCE_SECONDS = 1.0


class _Tracker:
    """Packets in, typed packets (with any gap) out."""

    def __init__(self) -> None:
        self.gaps: list[StreamGap] = []
        self.last: Packet | None = None
        self.reopened = False
        #: Why the server ended the current stream, from its in-band last packet.
        self.end_reason: str | None = None

    def failed(self, failure: grpc.RpcError) -> None:
        """A stream failed: raises unless it is worth reopening, i.e. the
        connection dropped or the server shut down (not, say, a lost device)."""
        if self.end_reason not in (None, "server_shutdown"):
            raise from_rpc_error(failure) from failure
        self.reopened, self.end_reason = True, None

    def accept(self, message: neural_pb2.NeuralDataPacket) -> Packet | None:
        if message.HasField("end"):
            logger.info("stream ended by the server: %s", message.end.reason)
            self.end_reason = message.end.reason
            return None
        packet = Packet.from_proto(message)
        gap = self._gap(packet)
        if gap is not None:
            packet = Packet.from_proto(message, gap)
        self.last, self.reopened = packet, False
        return packet

    def _gap(self, packet: Packet) -> StreamGap | None:
        last = self.last
        if last is None:
            return None
        expected = last.first_sample_index + len(last.timestamps)
        skipped = packet.first_sample_index - expected
        if self.reopened:
            if not self._same_stream(last, packet, skipped):
                reason, lost = "reset", None
            elif skipped > 0:
                reason, lost = "reconnect", skipped
            else:
                return None
        elif packet.sequence != last.sequence + 1:
            reason, lost = "lost", skipped
        else:
            return None
        gap = StreamGap(
            reason, last.sequence, packet.sequence, expected - 1, packet.first_sample_index, lost
        )
        self.gaps.append(gap)
        logger.warning(
            "stream of %s: %s after sequence %d (sample %d), %s samples lost",
            packet.device_id or packet.session_id,
            reason,
            gap.last_sequence,
            gap.last_sample_index,
            "unknown" if lost is None else lost,
        )
        return gap

    @staticmethod
    def _same_stream(last: Packet, packet: Packet, skipped: int) -> bool:
        if skipped < 0 or not len(last.timestamps) or not len(packet.timestamps):
            return False
        rate = packet.sample_rate or last.sample_rate
        if not rate:
            return True
        by_clock = (packet.timestamps[0] - last.timestamps[-1]) * rate - 1
        return abs(skipped - by_clock) <= rate * CLOCK_TOLERANCE_SECONDS


class _Stream:
    def __init__(self, request: neural_pb2.StreamRequest) -> None:
        self.request = request
        self._tracker = _Tracker()
        self._closed = False

    @property
    def gaps(self) -> list[StreamGap]:
        """Every gap reported so far, oldest first."""
        return list(self._tracker.gaps)


class PacketStream(_Stream):
    """An iterator of :class:`Packet` (sync client). ``close()`` ends it."""

    def __init__(self, transport: SyncTransport, request: neural_pb2.StreamRequest) -> None:
        super().__init__(request)
        self._transport = transport
        self._call: Any = None
        self._attempts = Attempts(transport.settings, retryable=True)

    def __iter__(self) -> PacketStream:
        return self

    def __next__(self) -> Packet:
        while not self._closed:
            if self._call is None:
                self._call = self._transport.channel.unary_stream(
                    method_path(METHOD),
                    neural_pb2.StreamRequest.SerializeToString,
                    neural_pb2.NeuralDataPacket.FromString,
                )(self.request, metadata=self._transport.metadata())
            try:
                message = next(self._call)
            except StopIteration:
                break
            except grpc.RpcError as failure:
                self._call = None
                self._tracker.failed(failure)
                time.sleep(self._attempts.after(failure))
                self._transport.wait_ready(self._transport.settings.timeout)
                continue
            packet = self._tracker.accept(message)
            if packet is not None:
                self._attempts = Attempts(self._transport.settings, retryable=True)
                return packet
        self.close()
        raise StopIteration

    def close(self) -> None:
        self._closed = True
        if self._call is not None:
            self._call.cancel()
            self._call = None

    def __enter__(self) -> PacketStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncPacketStream(_Stream):
    """An async iterator of :class:`Packet` (asyncio client). ``await close()`` ends it."""

    def __init__(self, transport: AsyncTransport, request: neural_pb2.StreamRequest) -> None:
        super().__init__(request)
        self._transport = transport
        self._call: Any = None
        self._attempts = Attempts(transport.settings, retryable=True)

    def __aiter__(self) -> AsyncPacketStream:
        return self

    async def __anext__(self) -> Packet:
        while not self._closed:
            if self._call is None:
                self._call = self._transport.channel.unary_stream(
                    method_path(METHOD),
                    neural_pb2.StreamRequest.SerializeToString,
                    neural_pb2.NeuralDataPacket.FromString,
                )(self.request, metadata=await self._transport.metadata())
            try:
                message = await self._call.read()
            except grpc.RpcError as failure:
                self._call = None
                self._tracker.failed(failure)
                await asyncio.sleep(self._attempts.after(failure))
                await self._transport.wait_ready(self._transport.settings.timeout)
                continue
            if message is grpc.aio.EOF:
                break
            packet = self._tracker.accept(message)
            if packet is not None:
                self._attempts = Attempts(self._transport.settings, retryable=True)
                return packet
        await self.close()
        raise StopAsyncIteration

    async def close(self) -> None:
        self._closed = True
        if self._call is not None:
            self._call.cancel()
            self._call = None

    async def __aenter__(self) -> AsyncPacketStream:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
