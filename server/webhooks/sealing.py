"""Webhook secrets at rest: sealed under a server key, opened only to sign.

A webhook's secret is the HMAC key its deliveries are signed with, so the
server must read it back; a hash will not do. It is stored sealed: Fernet
(AES-128-CBC with an HMAC-SHA256 tag, from ``cryptography``) under a key
derived with HKDF-SHA256 from ``NEUROGATE_WEBHOOK_KEY`` (generated once into
the data dir when unset, :mod:`neurogate.server.keys`). A copy of the
database alone then gives no receiver's secret away.

A sealed value reads ``sealed:v1:<token>``; the version leaves room for
another scheme. Secrets stored before sealing existed are plain text; the
server seals them when it starts (:meth:`.store.WebhookStore.seal_plain_secrets`).
A changed key makes sealed secrets unreadable: their deliveries then fail with
that reason rather than go out unsigned.
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

PREFIX = "sealed:v1:"
_CONTEXT = b"neurogate webhook secrets v1"


#: Why a delivery whose secret does not open fails.
UNREADABLE = (
    "the webhook's secret does not open with this server's webhook key "
    "(was NEUROGATE_WEBHOOK_KEY changed?)"
)


class SecretUnreadable(Exception):
    """A sealed secret that this server's key does not open."""


def is_sealed(stored: str) -> bool:
    return stored.startswith(PREFIX)


class SecretBox:
    """Seals and opens webhook secrets with one server key."""

    def __init__(self, key: str) -> None:
        derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_CONTEXT).derive(
            key.encode()
        )
        self._fernet = Fernet(base64.urlsafe_b64encode(derived))

    def seal(self, secret: str) -> str:
        return PREFIX + self._fernet.encrypt(secret.encode()).decode("ascii")

    def open(self, stored: str) -> str:
        """The secret ``stored`` seals; SecretUnreadable when this key does
        not open it. A plain-text value (not yet sealed) is returned as is."""
        if not is_sealed(stored):
            return stored
        try:
            return self._fernet.decrypt(stored.removeprefix(PREFIX).encode("ascii")).decode()
        except InvalidToken:
            raise SecretUnreadable(UNREADABLE) from None
