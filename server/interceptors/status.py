"""Turns the outcome of a call into what the caller receives.

Success: the gathered response headers go out as initial metadata just
before the (first) response, so Envoy turns them into HTTP headers. Failure:
the domain error becomes a gRPC status with rich details, and the headers,
the envelope and the HTTP status go out as trailing metadata of a
trailers-only response (no initial metadata was sent), which Envoy also turns
into HTTP headers. Unexpected exceptions are logged with their traceback and
answered as INTERNAL without one; a failing database or a full disk is
logged with its cause (the caller only sees UNAVAILABLE).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any, NoReturn

import grpc

from neurogate.server.context import CallContext, current_call
from neurogate.server.error_mapping import as_neurogate_error, bounded, error_trailers
from neurogate.server.errors import InternalError, NeuroGateError
from neurogate.server.interceptors._base import CallInterceptor, Invoke, InvokeStream

log = logging.getLogger(__name__)


async def _abort(
    call: CallContext, context: grpc.aio.ServicerContext, raised: Exception
) -> NoReturn:
    answered = as_neurogate_error(raised, call.service_method, call.request_id)
    error = bounded(answered)
    where = {"request_id": call.request_id, "method": call.service_method}
    if isinstance(answered, InternalError) and answered is not raised:
        log.error("unhandled error", exc_info=raised, extra=where)
    elif not isinstance(raised, NeuroGateError | NotImplementedError):
        log.warning(
            "infrastructure failure", extra={**where, "cause": f"{type(raised).__name__}: {raised}"}
        )
    call.status = error.grpc_status.name
    call.error_code = error.code
    await context.abort(
        error.grpc_status,
        error.message,
        trailing_metadata=(*call.response_headers.items(), *error_trailers(error, call.request_id)),
    )
    raise AssertionError("context.abort returned")  # pragma: no cover


def _headers(call: CallContext) -> tuple[tuple[str, str], ...]:
    return tuple(call.response_headers.items())


class StatusInterceptor(CallInterceptor):
    async def around(self, method: str, context: grpc.aio.ServicerContext, invoke: Invoke) -> Any:
        call = current_call()
        try:
            response = await invoke()
        except grpc.aio.AbortError:
            raise
        except Exception as raised:  # every failure is answered, none leaks a traceback
            await _abort(call, context, raised)
        await context.send_initial_metadata(_headers(call))
        return response

    async def around_stream(
        self, method: str, context: grpc.aio.ServicerContext, invoke: InvokeStream
    ) -> AsyncIterator[Any]:
        call = current_call()
        headers_sent = False
        try:
            async for item in invoke():
                if not headers_sent:
                    await context.send_initial_metadata(_headers(call))
                    headers_sent = True
                yield item
        except grpc.aio.AbortError:
            raise
        except Exception as raised:
            await _abort(call, context, raised)
        if not headers_sent:
            await context.send_initial_metadata(_headers(call))
