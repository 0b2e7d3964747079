"""The SDK's one exception hierarchy, built from the server's rich status.

The server answers a failed call with a gRPC status whose
``grpc-status-details-bin`` trailer holds a ``google.rpc.Status`` with
``ErrorInfo`` (reason = the documented code, metadata = the details),
``RequestInfo`` (the request id) and, where they apply, ``BadRequest`` and
``RetryInfo`` (the rate limiter's reset). :func:`from_rpc_error` decodes it
with ``grpc_status``. ErrorInfo metadata are strings only, so the exact JSON
details are taken from the ``x-neurogate-error`` trailer (the REST envelope
the server sends beside it) when present. Failures that never reached the
server (connection refused, deadline) carry the status name as their code.

Exception tree (by gRPC status)::

    NeuroGateError
    ├── InvalidRequestError     INVALID_ARGUMENT, FAILED_PRECONDITION, OUT_OF_RANGE
    ├── AuthenticationError     UNAUTHENTICATED
    ├── PermissionDeniedError   PERMISSION_DENIED
    ├── NotFoundError           NOT_FOUND
    ├── ConflictError           ALREADY_EXISTS, ABORTED
    ├── RateLimitError          RESOURCE_EXHAUSTED (429; .retry_after)
    ├── UnavailableError        UNAVAILABLE
    ├── DeadlineExceededError   DEADLINE_EXCEEDED
    └── ServerError             INTERNAL, UNKNOWN and anything else
"""

from __future__ import annotations

import json
from typing import Any

import grpc
from google.rpc import error_details_pb2
from grpc_status import rpc_status

__all__ = [
    "AuthenticationError",
    "ConflictError",
    "DeadlineExceededError",
    "InvalidRequestError",
    "NeuroGateError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "ServerError",
    "UnavailableError",
    "from_rpc_error",
]

_ENVELOPE_TRAILER = "x-neurogate-error"


class NeuroGateError(Exception):
    """A failed call: the documented ``code`` (e.g. ``"DATASET_NOT_FOUND"``),
    ``message``, ``details``, ``request_id``, the gRPC ``status`` and, when the
    server said when to come back, ``retry_after`` in seconds."""

    def __init__(
        self,
        message: str,
        *,
        code: str,
        status: grpc.StatusCode,
        details: dict[str, Any] | None = None,
        request_id: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status
        self.details = details or {}
        self.request_id = request_id
        self.retry_after = retry_after

    def __str__(self) -> str:
        request = f", request_id={self.request_id}" if self.request_id else ""
        return f"{self.code}: {self.message}{request}"


class InvalidRequestError(NeuroGateError):
    """The request was refused as it stands (bad parameter, wrong state)."""


class AuthenticationError(NeuroGateError):
    """Missing, invalid, expired or revoked credentials."""


class PermissionDeniedError(NeuroGateError):
    """The credentials lack a scope, or the tier may not call the API."""


class NotFoundError(NeuroGateError):
    """No such resource in the caller's account."""


class ConflictError(NeuroGateError):
    """The resource is busy or changed under the call."""


class RateLimitError(NeuroGateError):
    """Over the account's rate limit (HTTP 429); ``retry_after`` says when the
    window resets."""


class UnavailableError(NeuroGateError):
    """The server could not be reached or is shutting down."""


class DeadlineExceededError(NeuroGateError):
    """The call took longer than its timeout."""


class ServerError(NeuroGateError):
    """The server failed (INTERNAL, UNKNOWN, or a status the SDK does not map)."""


_CLASSES: dict[grpc.StatusCode, type[NeuroGateError]] = {
    grpc.StatusCode.INVALID_ARGUMENT: InvalidRequestError,
    grpc.StatusCode.FAILED_PRECONDITION: InvalidRequestError,
    grpc.StatusCode.OUT_OF_RANGE: InvalidRequestError,
    grpc.StatusCode.UNAUTHENTICATED: AuthenticationError,
    grpc.StatusCode.PERMISSION_DENIED: PermissionDeniedError,
    grpc.StatusCode.NOT_FOUND: NotFoundError,
    grpc.StatusCode.ALREADY_EXISTS: ConflictError,
    grpc.StatusCode.ABORTED: ConflictError,
    grpc.StatusCode.RESOURCE_EXHAUSTED: RateLimitError,
    grpc.StatusCode.UNAVAILABLE: UnavailableError,
    grpc.StatusCode.DEADLINE_EXCEEDED: DeadlineExceededError,
}


def _trailers(error: grpc.RpcError) -> dict[str, str | bytes]:
    trailing = getattr(error, "trailing_metadata", None)
    return {key: value for key, value in (trailing() if trailing else None) or ()}


def _envelope_details(trailers: dict[str, str | bytes]) -> dict[str, Any] | None:
    text = trailers.get(_ENVELOPE_TRAILER)
    if not isinstance(text, str):
        return None
    details = json.loads(text).get("error", {}).get("details")
    return details if isinstance(details, dict) else None


def from_rpc_error(error: grpc.RpcError) -> NeuroGateError:
    """The typed exception for a failed gRPC call (sync or asyncio)."""
    status: grpc.StatusCode = error.code()  # type: ignore[attr-defined]
    message: str = error.details() or status.name  # type: ignore[attr-defined]
    code, request_id, retry_after = status.name, None, None
    details: dict[str, Any] = {}
    rich = rpc_status.from_call(error) if hasattr(error, "trailing_metadata") else None  # type: ignore[arg-type]
    for packed in rich.details if rich else ():
        if packed.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            info = error_details_pb2.ErrorInfo()
            packed.Unpack(info)
            code, details = info.reason or code, dict(info.metadata)
        elif packed.Is(error_details_pb2.RequestInfo.DESCRIPTOR):
            request = error_details_pb2.RequestInfo()
            packed.Unpack(request)
            request_id = request.request_id or None
        elif packed.Is(error_details_pb2.RetryInfo.DESCRIPTOR):
            retry = error_details_pb2.RetryInfo()
            packed.Unpack(retry)
            retry_after = retry.retry_delay.ToTimedelta().total_seconds()
    details = _envelope_details(_trailers(error)) or details
    cls = _CLASSES.get(status, ServerError)
    return cls(
        message,
        code=code,
        status=status,
        details=details,
        request_id=request_id,
        retry_after=retry_after,
    )
