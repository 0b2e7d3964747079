"""A small frame for server interceptors that act around a whole call.

gRPC hands interceptors a method handler of one of four arities. This module
re-wraps any of them so an interceptor writes its logic once, as
:meth:`CallInterceptor.around` for calls with one response and
:meth:`CallInterceptor.around_stream` for calls that stream responses. The
wrapped behaviour runs in the call's own task, so context variables set by an
outer interceptor are visible to inner ones and to the servicer.
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import grpc

Invoke = Callable[[], Awaitable[Any]]
InvokeStream = Callable[[], AsyncIterator[Any]]


async def _call_unary(behavior: Callable[..., Any], request: Any, context: Any) -> Any:
    result = behavior(request, context)
    if inspect.isawaitable(result):
        result = await result
    return result


async def _call_stream(
    behavior: Callable[..., Any], request: Any, context: Any
) -> AsyncIterator[Any]:
    result = behavior(request, context)
    if hasattr(result, "__aiter__"):
        async for item in result:
            yield item
    else:
        for item in result:
            yield item


class CallInterceptor(grpc.aio.ServerInterceptor):
    async def around(self, method: str, context: grpc.aio.ServicerContext, invoke: Invoke) -> Any:
        return await invoke()

    async def around_stream(
        self, method: str, context: grpc.aio.ServicerContext, invoke: InvokeStream
    ) -> AsyncIterator[Any]:
        async for item in invoke():
            yield item

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        handler = await continuation(handler_call_details)
        if handler is None:
            return None
        method = handler_call_details.method
        if handler.response_streaming:
            inner = handler.unary_stream or handler.stream_stream

            async def streaming(
                request: Any, context: grpc.aio.ServicerContext
            ) -> AsyncIterator[Any]:
                stream = self.around_stream(
                    method, context, lambda: _call_stream(inner, request, context)
                )
                async for item in stream:
                    yield item

            factory = (
                grpc.unary_stream_rpc_method_handler
                if handler.unary_stream
                else grpc.stream_stream_rpc_method_handler
            )
            behavior: Callable[..., Any] = streaming
        else:
            inner = handler.unary_unary or handler.stream_unary

            async def unary(request: Any, context: grpc.aio.ServicerContext) -> Any:
                return await self.around(
                    method, context, lambda: _call_unary(inner, request, context)
                )

            factory = (
                grpc.unary_unary_rpc_method_handler
                if handler.unary_unary
                else grpc.stream_unary_rpc_method_handler
            )
            behavior = unary
        return factory(
            behavior,
            request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer,
        )


class Guard:
    """A check that runs before a call: raising a domain error refuses it.
    Subclasses override :meth:`check`."""

    async def check(self, method: str, context: grpc.aio.ServicerContext) -> None:
        raise NotImplementedError


class GuardInterceptor(CallInterceptor):
    """Runs guards in order before each call, as ONE interceptor layer: each
    guard is its own concern and module, but a streamed response then passes
    through one forwarding generator instead of one per guard (measurable at
    thousands of packets a second)."""

    def __init__(self, guards: list[Guard]) -> None:
        self._guards = guards

    async def _check(self, method: str, context: grpc.aio.ServicerContext) -> None:
        for guard in self._guards:
            await guard.check(method, context)

    async def around(self, method: str, context: grpc.aio.ServicerContext, invoke: Invoke) -> Any:
        await self._check(method, context)
        return await invoke()

    async def around_stream(
        self, method: str, context: grpc.aio.ServicerContext, invoke: InvokeStream
    ) -> AsyncIterator[Any]:
        await self._check(method, context)
        async for item in invoke():
            yield item
