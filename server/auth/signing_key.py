"""The HS256 signing key: ``NEUROGATE_JWT_SECRET``, or a random key generated
on first start and kept in the data dir with mode 0600 (so tokens survive a
restart, and replicas sharing the data dir share the key)."""

from __future__ import annotations

import logging
import os
import secrets
import stat
from pathlib import Path

from neurogate.server.settings import ConfigurationError, Settings

KEY_FILE = "jwt_secret"
_MIN_LENGTH = 32
log = logging.getLogger(__name__)


def load_signing_key(settings: Settings) -> str:
    if settings.jwt_secret is not None:
        if len(settings.jwt_secret) < _MIN_LENGTH:
            raise ConfigurationError(
                f"NEUROGATE_JWT_SECRET must be at least {_MIN_LENGTH} characters long"
            )
        return settings.jwt_secret
    path = settings.data_dir / KEY_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read_existing(path)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(secrets.token_urlsafe(48))
    log.info("generated a JWT signing key", extra={"path": str(path)})
    return _read_existing(path)


def _read_existing(path: Path) -> str:
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        path.chmod(0o600)
        log.warning(
            "tightened permissions of the JWT signing key to 0600",
            extra={"path": str(path), "was": oct(mode)},
        )
    key = path.read_text().strip()
    if len(key) < _MIN_LENGTH:
        raise ConfigurationError(f"{path} holds no usable signing key; delete it to regenerate")
    return key
