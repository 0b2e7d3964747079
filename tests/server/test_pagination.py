"""AIP-158 pagination: page sizes and opaque, scope-bound cursor tokens."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

from neurogate.server.errors import InvalidParameter
from neurogate.server.pagination import (
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    Cursor,
    decode_cursor,
    encode_cursor,
    page_size,
)

CURSOR = Cursor(datetime(2026, 3, 14, 12, 30, 5, 123456, tzinfo=UTC), "ds_0123456789abcdef")
SCOPE = "acc_1|eeg"


def _token(payload: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


def test_page_size_zero_means_the_default():
    assert page_size(0) == DEFAULT_PAGE_SIZE


@pytest.mark.parametrize("requested", [1, 7, MAX_PAGE_SIZE])
def test_page_size_within_range_is_kept(requested):
    assert page_size(requested) == requested


@pytest.mark.parametrize("requested", [MAX_PAGE_SIZE + 1, 10**9])
def test_page_size_is_capped_at_the_maximum(requested):
    assert page_size(requested) == MAX_PAGE_SIZE


@pytest.mark.parametrize("requested", [-1, -500])
def test_negative_page_size_is_refused(requested):
    with pytest.raises(InvalidParameter) as raised:
        page_size(requested)

    assert raised.value.details == {"parameter": "page_size", "value": requested}


def test_a_cursor_survives_a_round_trip_through_its_token():
    token = encode_cursor(CURSOR, SCOPE)

    assert decode_cursor(token, SCOPE) == CURSOR


def test_a_decoded_cursor_keeps_its_time_zone():
    local = Cursor(datetime(2026, 1, 1, 8, tzinfo=timezone(timedelta(hours=2))), "ds_1")

    decoded = decode_cursor(encode_cursor(local, SCOPE), SCOPE)

    assert decoded is not None
    assert decoded.created_at == local.created_at
    assert decoded.created_at.utcoffset() == timedelta(hours=2)


def test_a_token_is_url_safe_and_unpadded():
    token = encode_cursor(CURSOR, "acc_?/+|" * 5)

    assert token
    assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def test_an_empty_token_is_the_first_page():
    assert decode_cursor("", SCOPE) is None


def test_a_token_issued_for_another_scope_is_refused():
    token = encode_cursor(CURSOR, "acc_1|")

    with pytest.raises(InvalidParameter) as raised:
        decode_cursor(token, "acc_2|")

    assert raised.value.details == {"parameter": "page_token"}


def test_a_token_for_the_same_account_with_another_filter_is_refused():
    token = encode_cursor(CURSOR, "acc_1|eeg")

    with pytest.raises(InvalidParameter) as raised:
        decode_cursor(token, "acc_1|")

    assert raised.value.details == {"parameter": "page_token"}


def _tampered() -> str:
    token = encode_cursor(CURSOR, SCOPE)
    return token[:5] + ("A" if token[5] != "A" else "B") + token[6:]


@pytest.mark.parametrize(
    "token",
    [
        pytest.param("garbage!", id="not-base64"),
        pytest.param("a", id="impossible-length"),
        pytest.param("bm90IGpzb24", id="base64-not-json"),
        pytest.param(_tampered(), id="tampered-byte"),
        pytest.param(encode_cursor(CURSOR, SCOPE)[:-6], id="truncated"),
        pytest.param(_token([1, 2]), id="json-list"),
        pytest.param(_token("text"), id="json-string"),
        pytest.param(_token(42), id="json-number"),
        pytest.param(_token({"t": CURSOR.created_at.isoformat(), "i": "x"}), id="no-scope"),
        pytest.param(_token({"s": SCOPE, "i": "x"}), id="no-time"),
        pytest.param(_token({"s": SCOPE, "t": "yesterday", "i": "x"}), id="bad-time"),
        pytest.param(_token({"s": SCOPE, "t": 1700000000, "i": "x"}), id="numeric-time"),
        pytest.param(_token({"s": SCOPE, "t": CURSOR.created_at.isoformat()}), id="no-id"),
        pytest.param("ümläut", id="non-ascii"),
    ],
)
def test_a_token_this_list_did_not_return_is_refused(token):
    with pytest.raises(InvalidParameter) as raised:
        decode_cursor(token, SCOPE)

    assert raised.value.details == {"parameter": "page_token"}
    assert raised.value.code == "INVALID_PARAMETER"
