"""Signatures: HMAC-SHA256 over "timestamp.body", verified by the helper
receivers copy, which refuses a changed body, another key and stale times."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from neurogate.server.errors import InvalidParameter
from neurogate.server.webhooks.signing import (
    TOLERANCE_SECONDS,
    check_secret,
    signature_header,
    verify,
)

SECRET = "s" * 32
BODY = b'{"event":"analysis.complete","timestamp":"2026-12-02T08:00:00.000Z","data":{}}'
NOW = 1_800_000_000


def test_the_signature_is_hmac_sha256_of_timestamp_dot_body():
    expected = hmac.new(SECRET.encode(), f"{NOW}.".encode() + BODY, hashlib.sha256).hexdigest()

    assert signature_header(SECRET, NOW, BODY) == f"t={NOW},v1={expected}"


def test_verify_accepts_a_fresh_signature():
    assert verify(SECRET, signature_header(SECRET, NOW, BODY), BODY, now=NOW + 10)


@pytest.mark.parametrize(
    ("secret", "body"),
    [("another-secret-of-some-length", BODY), (SECRET, BODY.replace(b"{}", b'{"x":1}'))],
    ids=["other-key", "changed-body"],
)
def test_verify_refuses_another_key_or_a_changed_body(secret, body):
    assert not verify(secret, signature_header(SECRET, NOW, BODY), body, now=NOW)


@pytest.mark.parametrize("skew", [-TOLERANCE_SECONDS - 1, TOLERANCE_SECONDS + 1])
def test_verify_refuses_timestamps_outside_the_tolerance(skew):
    assert not verify(SECRET, signature_header(SECRET, NOW, BODY), BODY, now=NOW + skew)


def test_verify_refuses_a_replayed_body_under_a_new_timestamp():
    old = signature_header(SECRET, NOW, BODY)
    forged = old.replace(f"t={NOW}", f"t={NOW + 600}")

    assert not verify(SECRET, forged, BODY, now=NOW + 600)


@pytest.mark.parametrize("header", ["", "v1=abc", "t=soon,v1=abc", "t=1800000000"])
def test_verify_refuses_malformed_headers(header):
    assert not verify(SECRET, header, BODY, now=NOW)


def test_an_empty_secret_is_generated_and_each_is_new():
    first, second = check_secret(""), check_secret("")

    assert first.startswith("whsec_") and len(first) > 40
    assert first != second


@pytest.mark.parametrize("secret", ["short", "x" * 201])
def test_secrets_of_the_wrong_length_are_refused(secret):
    with pytest.raises(InvalidParameter) as raised:
        check_secret(secret)

    assert raised.value.details["parameter"] == "secret"
