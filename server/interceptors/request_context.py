"""Opens the call context and its request id.

The id comes from the caller's ``x-request-id`` (Envoy sets one on every
REST call) when it is well-formed, else a new ``req_...`` id is made. It is
returned as the ``x-request-id`` response header and appears in the access
log and in every error envelope.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import AsyncIterator
from typing import Any

import grpc

from neurogate.server.context import CallContext, open_call
from neurogate.server.interceptors._base import CallInterceptor, Invoke, InvokeStream

_SAFE_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


def request_id_from(context: grpc.aio.ServicerContext) -> str:
    for key, value in context.invocation_metadata() or ():
        if key == "x-request-id" and isinstance(value, str) and _SAFE_ID.fullmatch(value):
            return value if value.startswith("req_") else f"req_{value.replace('-', '')}"
    return f"req_{secrets.token_hex(16)}"


class RequestContextInterceptor(CallInterceptor):
    def _open(self, method: str, context: grpc.aio.ServicerContext) -> None:
        call = CallContext(method=method, request_id=request_id_from(context))
        call.response_headers["x-request-id"] = call.request_id
        open_call(call)

    async def around(self, method: str, context: grpc.aio.ServicerContext, invoke: Invoke) -> Any:
        self._open(method, context)
        return await invoke()

    async def around_stream(
        self, method: str, context: grpc.aio.ServicerContext, invoke: InvokeStream
    ) -> AsyncIterator[Any]:
        self._open(method, context)
        async for item in invoke():
            yield item
