"""Fitted models as bytes only this server can have written.

A fitted scikit-learn estimator is stored pickled, because that is the only
format that keeps every estimator whole; but unpickling runs code, so the
server never unpickles bytes it cannot prove it wrote. Every artifact carries
an HMAC-SHA256 tag under the model key (``NEUROGATE_MODEL_KEY``), checked in
constant time before anything is unpickled: a row changed in the database,
or bytes from anywhere else, are refused. Callers cannot upload models.
"""

from __future__ import annotations

import hashlib
import hmac
import pickle

from neurogate.server.errors import InternalError

_TAG_BYTES = hashlib.sha256().digest_size
_VERSION = b"ngm1"


def _tag(payload: bytes, key: str) -> bytes:
    return hmac.new(key.encode(), _VERSION + payload, hashlib.sha256).digest()


def seal(model: object, key: str) -> bytes:
    """``model`` pickled, behind its tag."""
    payload = pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL)
    return _VERSION + _tag(payload, key) + payload


def unseal(artifact: bytes, key: str) -> object:
    """The model in ``artifact``, if its tag proves this server sealed it."""
    version, tag = artifact[: len(_VERSION)], artifact[len(_VERSION) : len(_VERSION) + _TAG_BYTES]
    payload = artifact[len(_VERSION) + _TAG_BYTES :]
    if version != _VERSION or not hmac.compare_digest(tag, _tag(payload, key)):
        raise InternalError(
            "a stored model failed its integrity check and was not loaded; "
            "it was changed outside the server or sealed under another model key"
        )
    return pickle.loads(payload)  # authenticated above
