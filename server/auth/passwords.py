"""Salted slow hashes for client secrets and passwords (scrypt, RFC 7914).

Encoded as ``scrypt$<n>$<r>$<p>$<salt b64>$<hash b64>`` so the cost can be
raised later without invalidating stored hashes. n=2**14, r=8, p=1 costs
about 16 MiB and tens of milliseconds per check: cheap for a login, slow for
an offline guesser. Callers on the event loop use the ``*_async`` variants,
which run in a worker thread.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import os

_N, _R, _P = 2**14, 8, 1
_SALT_BYTES = 16
_KEY_BYTES = 32


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def hash_secret(secret: str) -> str:
    salt = os.urandom(_SALT_BYTES)
    key = hashlib.scrypt(secret.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=_KEY_BYTES)
    return f"scrypt${_N}${_R}${_P}${_b64(salt)}${_b64(key)}"


def verify_secret(secret: str, encoded: str) -> bool:
    try:
        scheme, n, r, p, salt, expected = encoded.split("$")
        if scheme != "scrypt":
            return False
        expected_key = base64.b64decode(expected)
        key = hashlib.scrypt(
            secret.encode(),
            salt=base64.b64decode(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=len(expected_key),
        )
    except ValueError:
        return False
    return hmac.compare_digest(key, expected_key)


async def hash_secret_async(secret: str) -> str:
    return await asyncio.to_thread(hash_secret, secret)


async def verify_secret_async(secret: str, encoded: str) -> bool:
    return await asyncio.to_thread(verify_secret, secret, encoded)
