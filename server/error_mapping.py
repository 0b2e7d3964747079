"""How a domain error reaches callers.

gRPC callers get the status code, the message and a rich status
(``grpc-status-details-bin``) holding ``google.rpc.ErrorInfo`` (reason = our
code, metadata = the details), ``google.rpc.RequestInfo`` and, where they
apply, ``BadRequest`` and ``RetryInfo``. REST callers get the documented
envelope: the server sends it, already rendered, in the ``x-neurogate-error``
trailer together with the HTTP status in ``x-neurogate-http-status``; Envoy's
Lua filter swaps them into the response body and status line (see
``envoy/error_envelope.lua``).

All of it travels as metadata, which gRPC clients refuse beyond 8 KiB, so the
message and details are bounded once (:func:`bounded`) and every rendering
uses the bounded copy. Details are made strict JSON on the way (a non-finite
number becomes the string ``"inf"``, ``"-inf"`` or ``"nan"``).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import grpc
from google.protobuf import any_pb2, duration_pb2
from google.rpc import error_details_pb2, status_pb2

from neurogate.server.errors import InternalError, NeuroGateError, RateLimitExceeded, Unimplemented
from neurogate.server.storage import failures

ERROR_DOMAIN = "neurogate"
ENVELOPE_HEADER = "x-neurogate-error"
HTTP_STATUS_HEADER = "x-neurogate-http-status"
#: Escaped (ASCII) sizes: the message appears three times in the trailers
#: (grpc-message, envelope, rich status) and the details twice.
_MAX_MESSAGE_CHARS = 1000
_MAX_DETAILS_CHARS = 1500
_MAX_LIST_ITEMS = 20
_MAX_STRING_CHARS = 200


@dataclass(frozen=True)
class WireError:
    """A domain error as it goes on the wire: bounded and JSON-safe."""

    code: str
    message: str
    details: dict[str, Any]
    http_status: int
    grpc_status: grpc.StatusCode
    retry_after: int | None


def as_neurogate_error(error: BaseException, method_name: str, request_id: str) -> NeuroGateError:
    """The domain error to report for anything a call raised: itself for a
    domain error, UNAVAILABLE for a failing database or a full disk
    (:mod:`neurogate.server.storage.failures`), INTERNAL for anything else."""
    if isinstance(error, NeuroGateError):
        return error
    if isinstance(error, NotImplementedError):
        return Unimplemented(f"{method_name} is not implemented yet", method=method_name)
    if (infrastructure := failures.translate(error)) is not None:
        return infrastructure
    return InternalError(
        f"internal error; quote request id {request_id} when reporting it",
        request_id=request_id,
    )


def _escaped_length(text: str) -> int:
    return len(json.dumps(text))


def _bounded_message(message: str) -> str:
    if _escaped_length(message) <= _MAX_MESSAGE_CHARS:
        return message
    fits, too_long = 0, len(message)  # the longest prefix that fits, by bisection
    while too_long - fits > 1:
        middle = (fits + too_long) // 2
        if _escaped_length(message[:middle] + "...") <= _MAX_MESSAGE_CHARS:
            fits = middle
        else:
            too_long = middle
    return message[:fits] + "..."


def _json_safe(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, str):
        return value if len(value) <= _MAX_STRING_CHARS else value[:_MAX_STRING_CHARS] + "..."
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [_json_safe(v) for v in list(value)[:_MAX_LIST_ITEMS]]
        if len(value) > _MAX_LIST_ITEMS:
            items.append(f"... {len(value) - _MAX_LIST_ITEMS} more")
        return items
    if value is None or isinstance(value, bool | int | float):
        return value
    return _json_safe(str(value))


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=True, separators=(",", ":"), allow_nan=False)


def _bounded_details(details: dict[str, Any]) -> dict[str, Any]:
    safe = _json_safe(details)
    if len(_dumps(safe)) <= _MAX_DETAILS_CHARS:
        return safe
    kept = {key: safe[key] for key in ("parameter",) if key in safe}
    return {**kept, "truncated": True}


def bounded(error: NeuroGateError) -> WireError:
    return WireError(
        code=error.code,
        message=_bounded_message(error.message),
        details=_bounded_details(error.details),
        http_status=error.http_status,
        grpc_status=error.grpc_status,
        retry_after=error.retry_after if isinstance(error, RateLimitExceeded) else None,
    )


def _wire(error: NeuroGateError | WireError) -> WireError:
    return error if isinstance(error, WireError) else bounded(error)


def envelope(
    error: NeuroGateError | WireError, request_id: str, now: datetime | None = None
) -> dict[str, Any]:
    error = _wire(error)
    now = now or datetime.now(UTC)
    return {
        "status": "error",
        "error": {
            "code": error.code,
            "message": error.message,
            "details": error.details,
            "request_id": request_id,
            "timestamp": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        },
    }


def envelope_json(error: NeuroGateError | WireError, request_id: str) -> str:
    """The envelope as one strict-JSON ASCII line (it travels as a header value)."""
    return _dumps(envelope(error, request_id))


def _pack(message: Any) -> any_pb2.Any:
    packed = any_pb2.Any()
    packed.Pack(message)
    return packed


def rich_status(error: NeuroGateError | WireError, request_id: str) -> status_pb2.Status:
    error = _wire(error)
    metadata = {
        key: value if isinstance(value, str) else _dumps(value)
        for key, value in error.details.items()
    }
    details = [
        _pack(
            error_details_pb2.ErrorInfo(reason=error.code, domain=ERROR_DOMAIN, metadata=metadata)
        ),
        _pack(error_details_pb2.RequestInfo(request_id=request_id)),
    ]
    if "parameter" in error.details:
        violation = error_details_pb2.BadRequest.FieldViolation(
            field=str(error.details["parameter"]), description=error.message
        )
        details.append(_pack(error_details_pb2.BadRequest(field_violations=[violation])))
    if error.retry_after is not None:
        delay = duration_pb2.Duration(seconds=error.retry_after)
        details.append(_pack(error_details_pb2.RetryInfo(retry_delay=delay)))
    return status_pb2.Status(
        code=error.grpc_status.value[0], message=error.message, details=details
    )


def error_trailers(
    error: NeuroGateError | WireError, request_id: str
) -> list[tuple[str, str | bytes]]:
    error = _wire(error)
    trailers: list[tuple[str, str | bytes]] = [
        ("grpc-status-details-bin", rich_status(error, request_id).SerializeToString()),
        (ENVELOPE_HEADER, envelope_json(error, request_id)),
        (HTTP_STATUS_HEADER, str(error.http_status)),
    ]
    if error.retry_after is not None:
        trailers.append(("retry-after", str(error.retry_after)))
    return trailers
