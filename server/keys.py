"""Server secrets: the JWT signing key, the key that pseudonymises subject
ids, the key that signs stored models and the key that seals webhook secrets. Each comes from its
``NEUROGATE_*`` variable, or is generated on first start and kept in the data
dir with mode 0600 (so it survives a restart, and replicas sharing the data
dir share it)."""

from __future__ import annotations

import logging
import os
import secrets
import stat
from pathlib import Path

from neurogate.server.settings import ConfigurationError, Settings

KEY_FILE = "jwt_secret"
PSEUDONYM_KEY_FILE = "pseudonym_key"
MODEL_KEY_FILE = "model_key"
WEBHOOK_KEY_FILE = "webhook_key"
_MIN_LENGTH = 32
log = logging.getLogger(__name__)


def load_signing_key(settings: Settings) -> str:
    """HS256 key: ``NEUROGATE_JWT_SECRET`` or the data dir's ``jwt_secret``."""
    return _load(settings.jwt_secret, "NEUROGATE_JWT_SECRET", settings.data_dir / KEY_FILE)


def load_pseudonym_key(settings: Settings) -> str:
    """Subject-id hashing key: ``NEUROGATE_PSEUDONYM_KEY`` or the data dir's
    ``pseudonym_key``. Changing it changes every pseudonym from then on."""
    return _load(
        settings.pseudonym_key, "NEUROGATE_PSEUDONYM_KEY", settings.data_dir / PSEUDONYM_KEY_FILE
    )


def load_model_key(settings: Settings) -> str:
    """Model-artifact signing key: ``NEUROGATE_MODEL_KEY`` or the data dir's
    ``model_key``. Changing it makes every stored model unreadable."""
    return _load(settings.model_key, "NEUROGATE_MODEL_KEY", settings.data_dir / MODEL_KEY_FILE)


def load_webhook_key(settings: Settings) -> str:
    """Webhook-secret sealing key: ``NEUROGATE_WEBHOOK_KEY`` or the data dir's
    ``webhook_key``. Changing it makes every stored webhook secret unreadable."""
    return _load(
        settings.webhook_key, "NEUROGATE_WEBHOOK_KEY", settings.data_dir / WEBHOOK_KEY_FILE
    )


def _load(configured: str | None, variable: str, path: Path) -> str:
    if configured is not None:
        if len(configured) < _MIN_LENGTH:
            raise ConfigurationError(f"{variable} must be at least {_MIN_LENGTH} characters long")
        return configured
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read_existing(path)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(secrets.token_urlsafe(48))
    log.info("generated a key", extra={"path": str(path)})
    return _read_existing(path)


def _read_existing(path: Path) -> str:
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        path.chmod(0o600)
        log.warning(
            "tightened permissions of a key file to 0600",
            extra={"path": str(path), "was": oct(mode)},
        )
    key = path.read_text().strip()
    if len(key) < _MIN_LENGTH:
        raise ConfigurationError(f"{path} holds no usable key; delete it to regenerate")
    return key
