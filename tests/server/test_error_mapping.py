"""How a domain error reaches callers: the documented REST envelope (carried
in a trailer for Envoy) and the gRPC rich status."""

from __future__ import annotations

import errno
import json
import math
from datetime import UTC, datetime

import grpc
import psycopg
import pytest
import sqlalchemy.exc
from google.protobuf import json_format
from google.rpc import error_details_pb2, status_pb2

from neurogate.server.error_mapping import (
    ENVELOPE_HEADER,
    ERROR_DOMAIN,
    HTTP_STATUS_HEADER,
    as_neurogate_error,
    envelope,
    envelope_json,
    error_trailers,
    rich_status,
)
from neurogate.server.errors import (
    DatasetNotFound,
    InternalError,
    InvalidParameter,
    NeuroGateError,
    RateLimitExceeded,
    Unauthorized,
    Unimplemented,
)
from neurogate.v1 import errors_pb2

REQUEST_ID = "req_0123456789abcdef"
#: gRPC clients refuse trailing metadata over this size by default
#: (grpc.max_metadata_size; soft limit 8 KiB, hard limit 16 KiB).
GRPC_DEFAULT_METADATA_LIMIT = 8 * 1024


def _unpack(status: status_pb2.Status, kind: type) -> list:
    found = []
    for detail in status.details:
        if detail.Is(kind.DESCRIPTOR):
            message = kind()
            detail.Unpack(message)
            found.append(message)
    return found


def test_the_envelope_has_the_documented_shape():
    error = DatasetNotFound("no dataset 'ds_1'", parameter="dataset_id", value="ds_1")
    now = datetime(2026, 3, 14, 9, 26, 53, 589793, tzinfo=UTC)

    body = envelope(error, REQUEST_ID, now=now)

    assert body == {
        "status": "error",
        "error": {
            "code": "INVALID_DATASET",
            "message": "no dataset 'ds_1'",
            "details": {"parameter": "dataset_id", "value": "ds_1"},
            "request_id": REQUEST_ID,
            "timestamp": "2026-03-14T09:26:53Z",
        },
    }


def test_the_envelope_timestamp_is_now_in_utc_to_the_second():
    before = datetime.now(UTC).replace(microsecond=0)

    stamp = envelope(InvalidParameter("x"), REQUEST_ID)["error"]["timestamp"]

    after = datetime.now(UTC)
    parsed = datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert before <= parsed <= after


def test_envelope_json_is_one_ascii_line_even_for_non_ascii_messages():
    error = InvalidParameter("Spalte „Größe“ fehlt — 脑电图 😀", parameter="Größe")

    text = envelope_json(error, REQUEST_ID)

    assert text.isascii()
    assert "\n" not in text
    parsed = json.loads(text)
    assert parsed["error"]["message"] == "Spalte „Größe“ fehlt — 脑电图 😀"
    assert parsed["error"]["details"] == {"parameter": "Größe"}
    assert parsed["error"]["code"] == "INVALID_PARAMETER"
    assert parsed["error"]["request_id"] == REQUEST_ID


def test_envelope_json_renders_values_json_cannot_hold_as_text():
    when = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    error = InvalidParameter("bad date", parameter="start", value=when)

    parsed = json.loads(envelope_json(error, REQUEST_ID))

    assert parsed["error"]["details"] == {"parameter": "start", "value": str(when)}


def test_long_lists_in_details_keep_their_first_items_and_count_the_rest():
    error = InvalidParameter("too many", parameter="columns", value=[f"c{i}" for i in range(1000)])

    parsed = json.loads(envelope_json(error, REQUEST_ID))

    assert parsed["error"]["details"]["value"] == [f"c{i}" for i in range(20)] + ["... 980 more"]
    assert parsed["error"]["message"] == "too many"


def test_long_strings_in_details_are_shortened():
    error = InvalidParameter("bad", parameter="name", value="n" * 5000)

    parsed = json.loads(envelope_json(error, REQUEST_ID))

    assert parsed["error"]["details"]["value"] == "n" * 200 + "..."


def test_details_still_too_large_are_truncated_keeping_the_parameter():
    error = InvalidParameter(
        "too many", parameter="columns", **{f"key_{i}": "v" * 150 for i in range(40)}
    )

    parsed = json.loads(envelope_json(error, REQUEST_ID))

    assert parsed["error"]["details"] == {"parameter": "columns", "truncated": True}


def test_details_still_too_large_without_a_parameter_keep_only_the_truncated_flag():
    error = InvalidParameter("too many", **{f"key_{i}": "v" * 150 for i in range(40)})

    parsed = json.loads(envelope_json(error, REQUEST_ID))

    assert parsed["error"]["details"] == {"truncated": True}


def test_a_very_long_message_is_shortened_in_the_envelope():
    parsed = json.loads(envelope_json(InvalidParameter("x" * 50_000), REQUEST_ID))

    message = parsed["error"]["message"]
    assert message == "x" * (len(message) - 3) + "..."
    assert len(json.dumps(message)) == 1000


@pytest.mark.parametrize("value", [math.inf, -math.inf, math.nan])
def test_envelope_json_is_strict_json_even_for_non_finite_details(value):
    error = InvalidParameter(
        "metadata.sampling_rate must be a positive number",
        parameter="metadata.sampling_rate",
        value=value,
    )

    text = envelope_json(error, REQUEST_ID)

    def refuse(constant: str) -> None:
        raise ValueError(f"{constant} is not JSON")

    json.loads(text, parse_constant=refuse)


def test_the_envelope_parses_into_the_published_error_envelope_message():
    error = InvalidParameter(
        "unsupported chart_type 'pie'",
        parameter="chart_type",
        value="pie",
        valid_choices=["xbar_r", "i_mr"],
        limit=3,
        nested={"a": [1, None, True]},
    )

    message = json_format.Parse(envelope_json(error, REQUEST_ID), errors_pb2.ErrorEnvelope())

    assert message.status == "error"
    assert message.error.code == "INVALID_PARAMETER"
    assert message.error.message == "unsupported chart_type 'pie'"
    assert message.error.request_id == REQUEST_ID
    assert message.error.timestamp.endswith("Z")
    assert json_format.MessageToDict(message.error.details) == {
        "parameter": "chart_type",
        "value": "pie",
        "valid_choices": ["xbar_r", "i_mr"],
        "limit": 3.0,
        "nested": {"a": [1.0, None, True]},
    }


def test_rich_status_carries_code_message_and_error_info():
    error = InvalidParameter(
        "unsupported chart_type 'pie'",
        parameter="chart_type",
        value="pie",
        valid_choices=["xbar_r", "i_mr"],
        limit=3,
        strict=True,
        nothing=None,
    )

    status = rich_status(error, REQUEST_ID)

    assert status.code == grpc.StatusCode.INVALID_ARGUMENT.value[0]
    assert status.message == "unsupported chart_type 'pie'"
    [info] = _unpack(status, error_details_pb2.ErrorInfo)
    assert info.reason == "INVALID_PARAMETER"
    assert info.domain == ERROR_DOMAIN
    assert dict(info.metadata) == {
        "parameter": "chart_type",
        "value": "pie",
        "valid_choices": '["xbar_r","i_mr"]',
        "limit": "3",
        "strict": "true",
        "nothing": "null",
    }
    assert json.loads(info.metadata["valid_choices"]) == ["xbar_r", "i_mr"]


def test_rich_status_carries_the_request_id():
    [request_info] = _unpack(
        rich_status(Unauthorized("no"), REQUEST_ID), error_details_pb2.RequestInfo
    )

    assert request_info.request_id == REQUEST_ID


def test_rich_status_has_a_bad_request_violation_when_a_parameter_is_named():
    error = InvalidParameter("alpha must be in (0, 1)", parameter="alpha", value=2)

    [bad_request] = _unpack(rich_status(error, REQUEST_ID), error_details_pb2.BadRequest)

    assert [(v.field, v.description) for v in bad_request.field_violations] == [
        ("alpha", "alpha must be in (0, 1)")
    ]


def test_rich_status_has_no_bad_request_without_a_parameter():
    status = rich_status(Unauthorized("invalid client credentials"), REQUEST_ID)

    assert _unpack(status, error_details_pb2.BadRequest) == []
    assert _unpack(status, error_details_pb2.RetryInfo) == []


def test_rich_status_of_a_rate_limit_carries_retry_info():
    error = RateLimitExceeded("60 calls per minute", retry_after=42, window="minute")

    status = rich_status(error, REQUEST_ID)

    assert status.code == grpc.StatusCode.RESOURCE_EXHAUSTED.value[0]
    [retry] = _unpack(status, error_details_pb2.RetryInfo)
    assert retry.retry_delay.seconds == 42
    [info] = _unpack(status, error_details_pb2.ErrorInfo)
    assert info.reason == "RATE_LIMIT_EXCEEDED"
    assert info.metadata["retry_after"] == "42"


def test_error_trailers_carry_rich_status_envelope_and_http_status():
    error = DatasetNotFound("no dataset 'ds_1'", parameter="dataset_id", value="ds_1")

    trailers = dict(error_trailers(error, REQUEST_ID))

    assert set(trailers) == {"grpc-status-details-bin", ENVELOPE_HEADER, HTTP_STATUS_HEADER}
    assert trailers[HTTP_STATUS_HEADER] == "404"
    assert status_pb2.Status.FromString(trailers["grpc-status-details-bin"]) == rich_status(
        error, REQUEST_ID
    )
    body = json.loads(trailers[ENVELOPE_HEADER])
    assert body["error"]["code"] == "INVALID_DATASET"
    assert body["error"]["request_id"] == REQUEST_ID


def test_error_trailers_of_a_rate_limit_carry_retry_after():
    trailers = dict(error_trailers(RateLimitExceeded("slow down", retry_after=17), REQUEST_ID))

    assert trailers[HTTP_STATUS_HEADER] == "429"
    assert trailers["retry-after"] == "17"


def test_error_trailers_are_valid_grpc_metadata():
    error = InvalidParameter("Größe fehlt", parameter="Größe")

    for key, value in error_trailers(error, REQUEST_ID):
        assert key == key.lower()
        assert key.isascii()
        if key.endswith("-bin"):
            assert isinstance(value, bytes)
        else:
            assert isinstance(value, str)
            assert value.isascii()
            assert value.isprintable()


def _metadata_size(trailers: list[tuple[str, str | bytes]]) -> int:
    # What gRPC core counts: key and value lengths plus 32 bytes per entry.
    return sum(len(key) + len(value) + 32 for key, value in trailers)


@pytest.mark.parametrize(
    "error",
    [
        pytest.param(
            InvalidParameter(
                "the form has no 'file' part",
                parameter="file",
                form_fields=[f"field_{i:04d}" for i in range(1000)],
            ),
            id="large-details",
        ),
        pytest.param(InvalidParameter("😀" * 1000, parameter="name"), id="non-ascii-message"),
    ],
)
def test_error_trailers_fit_the_metadata_size_grpc_clients_accept(error):
    trailers = error_trailers(error, REQUEST_ID)

    assert _metadata_size(trailers) <= GRPC_DEFAULT_METADATA_LIMIT


def test_a_domain_error_is_reported_as_itself():
    error = InvalidParameter("bad", parameter="x")

    assert as_neurogate_error(error, "/neurogate.v1.SPC/ControlChart", REQUEST_ID) is error


def test_not_implemented_becomes_unimplemented_naming_the_method():
    reported = as_neurogate_error(
        NotImplementedError(), "/neurogate.v1.SPC/ControlChart", REQUEST_ID
    )

    assert isinstance(reported, Unimplemented)
    assert reported.code == "UNIMPLEMENTED"
    assert reported.grpc_status == grpc.StatusCode.UNIMPLEMENTED
    assert "/neurogate.v1.SPC/ControlChart" in reported.message
    assert reported.details == {"method": "/neurogate.v1.SPC/ControlChart"}


@pytest.mark.parametrize(
    "raised",
    [
        KeyError("postgres password=hunter2"),
        ValueError("SELECT * FROM accounts WHERE secret='hunter2'"),
        RuntimeError("/srv/neurogate/data/jwt_secret: hunter2"),
        ZeroDivisionError("division by zero"),
    ],
    ids=["KeyError", "ValueError", "RuntimeError", "ZeroDivisionError"],
)
def test_any_other_exception_becomes_internal_without_leaking_its_text(raised):
    reported = as_neurogate_error(raised, "/neurogate.v1.DataService/GetDataset", REQUEST_ID)

    assert isinstance(reported, InternalError)
    assert reported.code == "INTERNAL"
    assert reported.http_status == 500
    assert REQUEST_ID in reported.message
    assert reported.details == {"request_id": REQUEST_ID}
    rendered = envelope_json(reported, REQUEST_ID) + str(rich_status(reported, REQUEST_ID))
    assert "hunter2" not in rendered
    assert str(raised) not in rendered
    assert type(raised).__name__ not in rendered


@pytest.mark.parametrize(
    ("raised", "reason"),
    [
        (
            sqlalchemy.exc.OperationalError(
                "SELECT * FROM accounts",
                {},
                psycopg.OperationalError(
                    'connection to server at "db.internal", port 5432 failed: Connection refused'
                ),
            ),
            "database_unavailable",
        ),
        (OSError(errno.ENOSPC, "No space left on device: '/srv/neurogate/data/x'"), "storage_full"),
    ],
    ids=["database refused", "disk full"],
)
def test_a_failing_database_or_full_disk_becomes_unavailable_without_internals(raised, reason):
    reported = as_neurogate_error(raised, "/neurogate.v1.AuthService/IssueToken", REQUEST_ID)

    assert (reported.code, reported.http_status) == ("UNAVAILABLE", 503)
    assert reported.grpc_status == grpc.StatusCode.UNAVAILABLE
    assert reported.details == {"reason": reason}
    rendered = envelope_json(reported, REQUEST_ID) + str(rich_status(reported, REQUEST_ID))
    for internal in ("db.internal", "5432", "SELECT", "/srv/neurogate", "psycopg"):
        assert internal not in rendered


def test_the_base_error_maps_to_internal():
    status = rich_status(NeuroGateError("oops"), REQUEST_ID)

    assert status.code == grpc.StatusCode.INTERNAL.value[0]
    [info] = _unpack(status, error_details_pb2.ErrorInfo)
    assert info.reason == "INTERNAL"
