"""Requests whose bytes do not parse as the method's message.

gRPC decodes a request before any interceptor's behaviour runs, and answers
a decoding failure as UNKNOWN "Unexpected DecodeError" with no envelope (a
raw 500 to REST callers). That happens to well-formed JSON too: Envoy's
transcoder turns an object given where a map<string, string> expects a
string (``{"metadata": {"k": {}}}``) into corrupt protobuf. This interceptor
makes decoding tolerant: an undecodable request reaches the call as a
marker, and the call raises INVALID_PARAMETER, which the status interceptor
answers in the envelope like any bad input. It must be the innermost
interceptor, so the error is raised inside the status interceptor.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import grpc
from google.protobuf.message import DecodeError

from neurogate.server.errors import InvalidParameter


@dataclass(frozen=True)
class Undecodable:
    """The request of a call, which did not parse."""

    reason: str


def _tolerant(deserializer: Callable[[bytes], Any] | None) -> Callable[[bytes], Any] | None:
    if deserializer is None:
        return None

    def deserialize(data: bytes) -> Any:
        try:
            return deserializer(data)
        except DecodeError as error:
            return Undecodable(str(error))

    return deserialize


def _refuse(method: str, request: Undecodable) -> InvalidParameter:
    return InvalidParameter(
        "the request body could not be read as this method's message: check that every "
        "field has its documented type (map values such as metadata are strings)",
        parameter="body",
        method=method,
        reason=request.reason,
    )


def _checked(request: Any, method: str) -> Any:
    if isinstance(request, Undecodable):
        raise _refuse(method, request)
    return request


async def _checked_stream(requests: AsyncIterator[Any], method: str) -> AsyncIterator[Any]:
    async for request in requests:
        yield _checked(request, method)


class RequestDecodingInterceptor(grpc.aio.ServerInterceptor):
    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        handler = await continuation(handler_call_details)
        if handler is None:
            return None
        method = handler_call_details.method
        kind = ("stream" if handler.request_streaming else "unary") + (
            "_stream" if handler.response_streaming else "_unary"
        )
        inner = getattr(handler, kind)

        # The inner behaviour's result (a value, an awaitable or an async
        # iterator) is handed on untouched: streamed responses pay nothing.
        if handler.request_streaming:

            def behavior(requests: AsyncIterator[Any], context: grpc.aio.ServicerContext) -> Any:
                return inner(_checked_stream(requests, method), context)
        else:

            def behavior(request: Any, context: grpc.aio.ServicerContext) -> Any:
                return inner(_checked(request, method), context)

        return getattr(grpc, f"{kind}_rpc_method_handler")(
            behavior,
            request_deserializer=_tolerant(handler.request_deserializer),
            response_serializer=handler.response_serializer,
        )
