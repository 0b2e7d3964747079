"""Domain errors: each class fixes the documented code and HTTP/gRPC statuses
(the table in the module docstring), and survives the trip back from a
worker process (pickling)."""

from __future__ import annotations

import pickle

import grpc
import pytest

from neurogate.server import errors
from neurogate.server.errors import NeuroGateError

#: The table from ``errors.py``'s docstring (and docs/rest.md).
TABLE = [
    (errors.InvalidParameter, "INVALID_PARAMETER", 400, grpc.StatusCode.INVALID_ARGUMENT),
    (errors.InsufficientData, "INSUFFICIENT_DATA", 400, grpc.StatusCode.FAILED_PRECONDITION),
    (errors.InvalidConfiguration, "INVALID_CONFIGURATION", 400, grpc.StatusCode.INVALID_ARGUMENT),
    (errors.PayloadTooLarge, "PAYLOAD_TOO_LARGE", 413, grpc.StatusCode.RESOURCE_EXHAUSTED),
    (errors.Unauthorized, "UNAUTHORIZED", 401, grpc.StatusCode.UNAUTHENTICATED),
    (errors.InvalidToken, "INVALID_TOKEN", 401, grpc.StatusCode.UNAUTHENTICATED),
    (
        errors.InsufficientPermissions,
        "INSUFFICIENT_PERMISSIONS",
        403,
        grpc.StatusCode.PERMISSION_DENIED,
    ),
    (errors.NotFound, "NOT_FOUND", 404, grpc.StatusCode.NOT_FOUND),
    (errors.DatasetNotFound, "INVALID_DATASET", 404, grpc.StatusCode.NOT_FOUND),
    (errors.ApiKeyNotFound, "API_KEY_NOT_FOUND", 404, grpc.StatusCode.NOT_FOUND),
    (errors.AccountNotFound, "ACCOUNT_NOT_FOUND", 404, grpc.StatusCode.NOT_FOUND),
    (errors.DeviceNotFound, "DEVICE_NOT_FOUND", 404, grpc.StatusCode.NOT_FOUND),
    (errors.SessionNotFound, "SESSION_NOT_FOUND", 404, grpc.StatusCode.NOT_FOUND),
    (errors.ModelNotFound, "MODEL_NOT_FOUND", 404, grpc.StatusCode.NOT_FOUND),
    (errors.WebhookNotFound, "WEBHOOK_NOT_FOUND", 404, grpc.StatusCode.NOT_FOUND),
    (errors.Conflict, "CONFLICT", 409, grpc.StatusCode.ABORTED),
    (errors.DeviceBusy, "DEVICE_BUSY", 409, grpc.StatusCode.ABORTED),
    (errors.StreamUnavailable, "STREAM_UNAVAILABLE", 422, grpc.StatusCode.FAILED_PRECONDITION),
    (errors.RateLimitExceeded, "RATE_LIMIT_EXCEEDED", 429, grpc.StatusCode.RESOURCE_EXHAUSTED),
    (errors.SlowConsumer, "SLOW_CONSUMER", 429, grpc.StatusCode.RESOURCE_EXHAUSTED),
    (errors.Unimplemented, "UNIMPLEMENTED", 501, grpc.StatusCode.UNIMPLEMENTED),
    (errors.ModelTrainingFailed, "MODEL_TRAINING_FAILED", 500, grpc.StatusCode.INTERNAL),
    (errors.InternalError, "INTERNAL", 500, grpc.StatusCode.INTERNAL),
    (errors.Unavailable, "UNAVAILABLE", 503, grpc.StatusCode.UNAVAILABLE),
    (errors.StorageFull, "UNAVAILABLE", 503, grpc.StatusCode.UNAVAILABLE),
]
CLASSES = [row[0] for row in TABLE]


def _all_subclasses(cls: type) -> set[type]:
    found = set()
    for sub in cls.__subclasses__():
        found |= {sub, *_all_subclasses(sub)}
    return found


def _make(cls: type[NeuroGateError], message: str = "it broke", **details) -> NeuroGateError:
    if cls is errors.RateLimitExceeded:
        return cls(message, retry_after=7, **details)
    return cls(message, **details)


@pytest.mark.parametrize(
    ("cls", "code", "http_status", "grpc_status"), TABLE, ids=[cls.__name__ for cls in CLASSES]
)
def test_each_error_has_its_documented_code_and_statuses(cls, code, http_status, grpc_status):
    error = _make(cls)

    assert (error.code, error.http_status, error.grpc_status) == (code, http_status, grpc_status)


def test_the_table_lists_every_error_class():
    # Subclasses elsewhere (auth.throttle.SignInLocked) only add context to
    # one of these codes.
    defined_here = {
        cls for cls in _all_subclasses(NeuroGateError) if cls.__module__ == errors.__name__
    }
    assert defined_here == set(CLASSES)


@pytest.mark.parametrize(
    "cls", [errors.DatasetNotFound, errors.ApiKeyNotFound, errors.AccountNotFound]
)
def test_specific_not_found_errors_are_not_found_errors(cls):
    assert issubclass(cls, errors.NotFound)


def test_an_error_keeps_its_message_and_details():
    error = errors.InvalidParameter("column 'x' does not exist", parameter="column", value="x")

    assert error.message == "column 'x' does not exist"
    assert str(error) == "column 'x' does not exist"
    assert error.details == {"parameter": "column", "value": "x"}


def test_rate_limit_exceeded_reports_retry_after_in_its_details():
    error = errors.RateLimitExceeded("slow down", retry_after=12, window="minute")

    assert error.retry_after == 12
    assert error.details == {"retry_after": 12, "window": "minute"}


def test_the_base_error_is_internal():
    error = NeuroGateError("unexpected")

    assert (error.code, error.http_status, error.grpc_status) == (
        "INTERNAL",
        500,
        grpc.StatusCode.INTERNAL,
    )


@pytest.mark.parametrize("cls", CLASSES, ids=lambda cls: cls.__name__)
def test_an_error_survives_pickling_with_message_and_details(cls):
    error = _make(cls, "bad column", parameter="column", value="x", valid_choices=["a", "b"])

    copy = pickle.loads(pickle.dumps(error))

    assert type(copy) is cls
    assert copy.message == "bad column"
    assert copy.details == error.details
    assert copy.code == error.code


def test_an_empty_id_is_required_and_any_other_is_the_resources_not_found():
    empty = errors.not_found(errors.ModelNotFound, "model", "")
    unknown = errors.not_found(errors.ModelNotFound, "model", "mdl_1")

    assert (type(empty), empty.message, empty.details) == (
        errors.InvalidParameter,
        "model_id is required",
        {"parameter": "model_id"},
    )
    assert (type(unknown), unknown.message, unknown.details) == (
        errors.ModelNotFound,
        "no model 'mdl_1'",
        {"parameter": "model_id", "value": "mdl_1"},
    )
