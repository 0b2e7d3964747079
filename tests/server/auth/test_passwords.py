"""Client secrets and passwords are kept as salted scrypt hashes."""

from __future__ import annotations

import base64
import hashlib

import pytest

from neurogate.server.auth.passwords import (
    hash_secret,
    hash_secret_async,
    verify_secret,
    verify_secret_async,
)

SECRET = "correct horse battery staple"


def test_a_hash_verifies_its_own_secret():
    assert verify_secret(SECRET, hash_secret(SECRET))


def test_a_hash_refuses_another_secret():
    encoded = hash_secret(SECRET)

    assert not verify_secret("correct horse battery stapler", encoded)
    assert not verify_secret("", encoded)


def test_the_hash_is_encoded_with_its_scheme_costs_and_salt():
    scheme, n, r, p, salt, key = hash_secret(SECRET).split("$")

    assert (scheme, n, r, p) == ("scrypt", str(2**14), "8", "1")
    assert len(base64.b64decode(salt)) == 16
    assert len(base64.b64decode(key)) == 32


def test_the_hash_does_not_contain_the_secret():
    encoded = hash_secret(SECRET)

    assert SECRET not in encoded
    assert base64.b64encode(SECRET.encode()).decode() not in encoded


def test_the_same_secret_hashes_differently_each_time():
    first, second = hash_secret(SECRET), hash_secret(SECRET)

    assert first != second
    assert verify_secret(SECRET, first)
    assert verify_secret(SECRET, second)


def test_non_ascii_secrets_are_supported():
    encoded = hash_secret("pässwörd-🔑")

    assert verify_secret("pässwörd-🔑", encoded)
    assert not verify_secret("passwort-🔑", encoded)


def test_a_hash_with_other_costs_still_verifies():
    # Stored hashes keep their own parameters, so the cost can be raised later.
    salt = b"0123456789abcdef"
    key = hashlib.scrypt(SECRET.encode(), salt=salt, n=2**10, r=4, p=2, dklen=24)
    b64 = base64.b64encode
    encoded = f"scrypt${2**10}$4$2${b64(salt).decode()}${b64(key).decode()}"

    assert verify_secret(SECRET, encoded)
    assert not verify_secret("other", encoded)


@pytest.mark.parametrize(
    "encoded",
    [
        "",
        "plaintext",
        "bcrypt$12$8$1$c2FsdA==$a2V5",
        "scrypt$16384$8$1$c2FsdA==",
        "scrypt$16384$8$1$c2FsdA==$a2V5$extra",
        "scrypt$many$8$1$c2FsdA==$a2V5",
        "scrypt$16384$8$1$!!!$a2V5",
        "scrypt$16384$8$1$c2FsdA==$%%%",
        "scrypt$1000$8$1$c2FsdA==$a2V5",
        "scrypt$16384$8$1$$",
    ],
    ids=[
        "empty",
        "plaintext",
        "other-scheme",
        "too-few-fields",
        "too-many-fields",
        "non-numeric-cost",
        "bad-salt",
        "bad-key",
        "n-not-power-of-two",
        "empty-key",
    ],
)
def test_a_malformed_hash_verifies_nothing(encoded):
    assert verify_secret(SECRET, encoded) is False


async def test_the_async_variants_agree_with_the_sync_ones():
    encoded = await hash_secret_async(SECRET)

    assert verify_secret(SECRET, encoded)
    assert await verify_secret_async(SECRET, encoded)
    assert not await verify_secret_async("wrong", encoded)
