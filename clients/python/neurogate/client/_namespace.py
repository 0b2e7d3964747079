"""The base of the namespaces (``client.data``, ``client.ml``, ...).

A namespace method builds a call plan and returns ``self._run(plan)``: the
result with the sync transport, a coroutine of it with the asyncio one.
Methods are annotated with the sync result type; ``AsyncClient``'s return
awaitables of the same types.
"""

from __future__ import annotations

from typing import Any

from neurogate.client._calls import Plan
from neurogate.client._streams import AsyncPacketStream, PacketStream
from neurogate.client._transport import AsyncTransport, SyncTransport
from neurogate.v1 import neural_pb2

Transport = SyncTransport | AsyncTransport


class Namespace:
    def __init__(self, transport: Transport) -> None:
        self._transport = transport

    def _run(self, plan: Plan[Any]) -> Any:
        return self._transport.run(plan)

    def _stream(self, request: neural_pb2.StreamRequest) -> Any:
        if isinstance(self._transport, AsyncTransport):
            return AsyncPacketStream(self._transport, request)
        return PacketStream(self._transport, request)


def stream_request(
    *,
    device_id: str = "",
    session_id: str = "",
    channels: list[int] | None,
    block_size: int,
    max_latency_ms: int,
    sample_encoding: str,
) -> neural_pb2.StreamRequest:
    return neural_pb2.StreamRequest(
        device_id=device_id,
        session_id=session_id,
        channels=channels or [],
        block_size=block_size,
        max_latency_ms=max_latency_ms,
        sample_encoding=sample_encoding,
    )
