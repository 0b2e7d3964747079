"""Domain errors: raised once, where the problem is found, and turned into a
gRPC status (with ``google.rpc.ErrorInfo``) and a REST error envelope by the
status interceptor. Each class fixes the documented code and its statuses.

Exception tree::

    NeuroGateError
    ├── InvalidParameter          INVALID_PARAMETER          400  INVALID_ARGUMENT
    ├── InsufficientData          INSUFFICIENT_DATA          400  FAILED_PRECONDITION
    ├── InvalidConfiguration      INVALID_CONFIGURATION      400  INVALID_ARGUMENT
    ├── PayloadTooLarge           PAYLOAD_TOO_LARGE          413  RESOURCE_EXHAUSTED
    ├── Unauthorized              UNAUTHORIZED               401  UNAUTHENTICATED
    ├── InvalidToken              INVALID_TOKEN              401  UNAUTHENTICATED
    ├── InsufficientPermissions   INSUFFICIENT_PERMISSIONS   403  PERMISSION_DENIED
    ├── NotFound                                             404  NOT_FOUND
    │   ├── DatasetNotFound       INVALID_DATASET
    │   ├── ApiKeyNotFound        API_KEY_NOT_FOUND
    │   ├── AccountNotFound       ACCOUNT_NOT_FOUND
    │   ├── DeviceNotFound        DEVICE_NOT_FOUND
    │   ├── SessionNotFound       SESSION_NOT_FOUND
    │   ├── ModelNotFound         MODEL_NOT_FOUND
    │   └── WebhookNotFound       WEBHOOK_NOT_FOUND
    ├── Conflict                  CONFLICT                   409  ABORTED
    │   └── DeviceBusy            DEVICE_BUSY
    ├── StreamUnavailable         STREAM_UNAVAILABLE         422  FAILED_PRECONDITION
    ├── RateLimitExceeded         RATE_LIMIT_EXCEEDED        429  RESOURCE_EXHAUSTED
    ├── SlowConsumer              SLOW_CONSUMER              429  RESOURCE_EXHAUSTED
    ├── Unimplemented             UNIMPLEMENTED              501  UNIMPLEMENTED
    ├── ModelTrainingFailed       MODEL_TRAINING_FAILED      500  INTERNAL
    ├── InternalError             INTERNAL                   500  INTERNAL
    └── Unavailable               UNAVAILABLE                503  UNAVAILABLE
        └── StorageFull           UNAVAILABLE
"""

from __future__ import annotations

from typing import Any, ClassVar

import grpc


class NeuroGateError(Exception):
    """An error a caller can act on: a documented code, a message and details.

    ``details`` name the offending parameter and value and, where useful, a
    suggestion or the valid choices; they must be JSON-serialisable.
    """

    code: ClassVar[str] = "INTERNAL"
    http_status: ClassVar[int] = 500
    grpc_status: ClassVar[grpc.StatusCode] = grpc.StatusCode.INTERNAL

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details

    def __reduce__(self) -> tuple[Any, ...]:
        # Errors raised in compute workers cross a process boundary; rebuild
        # them from message and details, whatever the subclass's signature.
        return (_restore, (type(self), self.message, self.details))


def _restore(cls: type[NeuroGateError], message: str, details: dict[str, Any]) -> NeuroGateError:
    error = cls.__new__(cls)
    NeuroGateError.__init__(error, message, **details)
    if isinstance(error, RateLimitExceeded):
        error.retry_after = details["retry_after"]
    return error


class InvalidParameter(NeuroGateError):
    code = "INVALID_PARAMETER"
    http_status = 400
    grpc_status = grpc.StatusCode.INVALID_ARGUMENT


class InsufficientData(NeuroGateError):
    code = "INSUFFICIENT_DATA"
    http_status = 400
    grpc_status = grpc.StatusCode.FAILED_PRECONDITION


class InvalidConfiguration(NeuroGateError):
    code = "INVALID_CONFIGURATION"
    http_status = 400
    grpc_status = grpc.StatusCode.INVALID_ARGUMENT


class PayloadTooLarge(NeuroGateError):
    code = "PAYLOAD_TOO_LARGE"
    http_status = 413
    grpc_status = grpc.StatusCode.RESOURCE_EXHAUSTED


class Unauthorized(NeuroGateError):
    code = "UNAUTHORIZED"
    http_status = 401
    grpc_status = grpc.StatusCode.UNAUTHENTICATED


class InvalidToken(NeuroGateError):
    code = "INVALID_TOKEN"
    http_status = 401
    grpc_status = grpc.StatusCode.UNAUTHENTICATED


class InsufficientPermissions(NeuroGateError):
    code = "INSUFFICIENT_PERMISSIONS"
    http_status = 403
    grpc_status = grpc.StatusCode.PERMISSION_DENIED


class NotFound(NeuroGateError):
    """A resource that does not exist, or belongs to another account: callers
    cannot tell the two apart."""

    code = "NOT_FOUND"
    http_status = 404
    grpc_status = grpc.StatusCode.NOT_FOUND


class DatasetNotFound(NotFound):
    code = "INVALID_DATASET"


class ApiKeyNotFound(NotFound):
    code = "API_KEY_NOT_FOUND"


class AccountNotFound(NotFound):
    code = "ACCOUNT_NOT_FOUND"


class DeviceNotFound(NotFound):
    code = "DEVICE_NOT_FOUND"


class SessionNotFound(NotFound):
    code = "SESSION_NOT_FOUND"


class ModelNotFound(NotFound):
    code = "MODEL_NOT_FOUND"


class WebhookNotFound(NotFound):
    code = "WEBHOOK_NOT_FOUND"


def not_found(error: type[NotFound], noun: str, resource_id: str) -> NeuroGateError:
    """What to raise for an id that names none of the caller's resources:
    INVALID_PARAMETER when it is empty, otherwise ``error``; the parameter is
    ``<noun>_id``."""
    parameter = f"{noun}_id"
    if not resource_id:
        return InvalidParameter(f"{parameter} is required", parameter=parameter)
    return error(f"no {noun} {resource_id!r}", parameter=parameter, value=resource_id)


class Conflict(NeuroGateError):
    code = "CONFLICT"
    http_status = 409
    grpc_status = grpc.StatusCode.ABORTED


class DeviceBusy(Conflict):
    """The device is doing something that excludes the request (streaming
    with another configuration, recording another session)."""

    code = "DEVICE_BUSY"


class StreamUnavailable(NeuroGateError):
    """There is no stream to give: the device is not streaming, or cannot."""

    code = "STREAM_UNAVAILABLE"
    http_status = 422
    grpc_status = grpc.StatusCode.FAILED_PRECONDITION


class RateLimitExceeded(NeuroGateError):
    code = "RATE_LIMIT_EXCEEDED"
    http_status = 429
    grpc_status = grpc.StatusCode.RESOURCE_EXHAUSTED

    def __init__(self, message: str, *, retry_after: int, **details: Any) -> None:
        super().__init__(message, retry_after=retry_after, **details)
        self.retry_after = retry_after


class SlowConsumer(NeuroGateError):
    """A stream subscriber that stayed too far behind (the hub's policy)."""

    code = "SLOW_CONSUMER"
    http_status = 429
    grpc_status = grpc.StatusCode.RESOURCE_EXHAUSTED


class Unimplemented(NeuroGateError):
    code = "UNIMPLEMENTED"
    http_status = 501
    grpc_status = grpc.StatusCode.UNIMPLEMENTED


class ModelTrainingFailed(NeuroGateError):
    """The estimator could not be fitted to the data; nothing was stored."""

    code = "MODEL_TRAINING_FAILED"
    http_status = 500
    grpc_status = grpc.StatusCode.INTERNAL


class InternalError(NeuroGateError):
    code = "INTERNAL"
    http_status = 500
    grpc_status = grpc.StatusCode.INTERNAL


class Unavailable(NeuroGateError):
    code = "UNAVAILABLE"
    http_status = 503
    grpc_status = grpc.StatusCode.UNAVAILABLE


class StorageFull(Unavailable):
    """The server's disk or database is full: the write was rolled back, so
    nothing was half-written, and it may succeed once an operator frees
    space. The documented ``UNAVAILABLE`` (503) rather than a new code for HTTP's
    507: clients already read 503 as "try again later", and 507 belongs to
    WebDAV."""
