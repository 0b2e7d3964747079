"""One structured log line per call, written when the call ends.

Fields: ``request_id``, ``method``, ``account``, ``status`` (gRPC code),
``error_code`` (NeuroGate code, if any) and ``latency_ms``. Built from the
call context only, so no request body, token or secret can reach the log.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from typing import Any

import grpc

from neurogate.server.context import CallContext, current_call
from neurogate.server.interceptors._base import CallInterceptor, Invoke, InvokeStream

log = logging.getLogger("neurogate.access")


def _write(call: CallContext) -> None:
    log.info(
        "call",
        extra={
            "request_id": call.request_id,
            "method": call.service_method,
            "account": call.principal.account_id if call.principal else None,
            "status": call.status,
            "error_code": call.error_code or None,
            "latency_ms": round((time.perf_counter() - call.started) * 1000, 3),
        },
    )


class AccessLogInterceptor(CallInterceptor):
    async def around(self, method: str, context: grpc.aio.ServicerContext, invoke: Invoke) -> Any:
        call = current_call()
        try:
            return await invoke()
        except asyncio.CancelledError:
            call.status = "CANCELLED"
            raise
        finally:
            _write(call)

    async def around_stream(
        self, method: str, context: grpc.aio.ServicerContext, invoke: InvokeStream
    ) -> AsyncIterator[Any]:
        call = current_call()
        try:
            async for item in invoke():
                yield item
        except (asyncio.CancelledError, GeneratorExit):
            call.status = "CANCELLED"
            raise
        finally:
            _write(call)
