"""Server configuration, read once at start-up from ``NEUROGATE_*`` variables.

- ``NEUROGATE_GRPC_HOST`` (``127.0.0.1``), ``NEUROGATE_GRPC_PORT`` (``50051``):
  where the gRPC server listens.
- ``NEUROGATE_HTTP_HOST`` (``127.0.0.1``), ``NEUROGATE_HTTP_PORT`` (``8080``):
  where Envoy serves REST, gRPC-Web and gRPC.
- ``NEUROGATE_ENVOY_ADMIN_PORT`` (``9901``): Envoy's admin interface, loopback only.
- ``NEUROGATE_DATA_DIR`` (``./data``): SQLite file, JWT key, Envoy config.
- ``NEUROGATE_DATABASE_URL`` (SQLite file in the data dir): ``sqlite:///...`` or
  ``postgresql://user@host:5432/db``.
- ``NEUROGATE_DATABASE_CONNECT_TIMEOUT`` (``5``),
  ``NEUROGATE_DATABASE_STATEMENT_TIMEOUT`` (``30``),
  ``NEUROGATE_DATABASE_LOCK_TIMEOUT`` (``10``), ``NEUROGATE_DATABASE_POOL_TIMEOUT``
  (``5``): seconds anything may wait on the database (opening a connection, a
  statement, a lock, a free pooled connection); past them a call answers
  UNAVAILABLE (:class:`neurogate.server.storage.database.DatabaseLimits`).
- ``NEUROGATE_JWT_SECRET`` (generated once, kept in the data dir, mode 0600):
  HS256 signing key, at least 32 characters.
- ``NEUROGATE_PSEUDONYM_KEY`` (generated once, kept in the data dir, mode 0600):
  key of the keyed hash that pseudonymises subject ids, at least 32 characters.
- ``NEUROGATE_MODEL_KEY`` (generated once, kept in the data dir, mode 0600):
  key that signs stored models, so the server only ever loads a model it
  wrote itself; at least 32 characters, shared by replicas.
- ``NEUROGATE_WEBHOOK_KEY`` (generated once, kept in the data dir, mode 0600):
  key that seals webhook secrets in the database; at least 32 characters,
  shared by replicas.
- ``NEUROGATE_PLAYBACK_DIR`` (``<data dir>/playback``): BrainFlow files that
  playback_file devices may replay.
- ``NEUROGATE_REDIS_URL`` (unset: counters in memory): rate-limit counters shared
  by replicas.
- ``NEUROGATE_ACCESS_TOKEN_TTL`` (``3600``): access-token lifetime in seconds.
- ``NEUROGATE_AUTH_FAILURES_PER_NAME`` (``5``), ``NEUROGATE_AUTH_FAILURES_PER_ADDRESS``
  (``30``), ``NEUROGATE_AUTH_FAILURE_WINDOW_SECONDS`` (``900``): failed password
  or client-secret checks allowed per email or client id, and per client
  address, in a window that opens with the first failure; past them every
  check is refused (429) until the window closes
  (:mod:`neurogate.server.auth.throttle`).
- ``NEUROGATE_LOG_LEVEL`` (``INFO``).
- ``NEUROGATE_SHUTDOWN_GRACE`` (``10``): seconds in-flight calls get after SIGTERM.
- ``NEUROGATE_COMPUTE_WORKERS`` (CPU count): processes for CPU-heavy work.
- ``NEUROGATE_COMPUTE_TIMEOUT`` (``600``, Envoy's limit on analysis routes):
  seconds one job may run in a compute worker before the worker is killed
  and the call answers INTERNAL (:mod:`neurogate.server.compute.pool`).
- ``NEUROGATE_STREAM_BUFFER_SECONDS`` (``5``), ``NEUROGATE_STREAM_GIVE_UP_SECONDS``
  (``10``): how much a stream subscriber may fall behind before it loses
  samples, and how long it may keep losing them before its stream is ended.
- ``NEUROGATE_TIER_LIMITS`` (the documented limits): per-tier overrides, e.g.
  ``pro=60/10000,enterprise=300/100000`` (calls per minute/per day).
- ``NEUROGATE_WEBHOOK_ALLOW_PRIVATE`` (``false``): let webhooks call loopback,
  link-local, private and other non-public addresses (a receiver on the
  operator's own network, or a test's local receiver). Off, such URLs are
  refused at creation and again at every delivery.
- ``NEUROGATE_WEBHOOK_RETRY_BASE_SECONDS`` (``10``): delay before a failed
  delivery's first retry; later ones grow from it
  (:mod:`neurogate.server.webhooks.retry`). Tests make it small.
- ``NEUROGATE_WEBHOOK_POLL_SECONDS`` (``1``): how often the delivery loop looks
  for due deliveries that another process queued or that a retry made due.
"""

from __future__ import annotations

import logging
import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

#: Largest dataset upload: 50 MB, decimal megabytes as the docs say (not MiB).
MAX_UPLOAD_BYTES = 50_000_000
JWT_ISSUER = "neurogate"
JWT_AUDIENCE = "neurogate-api"


class ConfigurationError(ValueError):
    """A ``NEUROGATE_*`` variable holds a value the server cannot use."""


def _log_level(raw: str) -> str:
    level = raw.upper()
    if level not in logging.getLevelNamesMapping():
        raise ConfigurationError(
            f"NEUROGATE_LOG_LEVEL={raw!r} is not a log level: use DEBUG, INFO, WARNING or ERROR"
        )
    return level


_TIER_LIMIT = re.compile(r"(pro|enterprise)=(\d+)/(\d+)")


def _tier_limits(raw: str) -> tuple[tuple[str, int, int], ...]:
    overrides = []
    for item in filter(None, (part.strip() for part in raw.split(","))):
        match = _TIER_LIMIT.fullmatch(item)
        if match is None or int(match[2]) < 1 or int(match[3]) < 1:
            raise ConfigurationError(
                f"NEUROGATE_TIER_LIMITS item {item!r} is not tier=per_minute/per_day "
                "with tier pro or enterprise and positive limits"
            )
        overrides.append((match[1], int(match[2]), int(match[3])))
    return tuple(overrides)


@dataclass(frozen=True)
class Settings:
    grpc_host: str = "127.0.0.1"
    grpc_port: int = 50051
    http_host: str = "127.0.0.1"
    http_port: int = 8080
    envoy_admin_port: int = 9901
    data_dir: Path = Path("data")
    database_url: str | None = None
    database_connect_timeout: float = 5.0
    database_statement_timeout: float = 30.0
    database_lock_timeout: float = 10.0
    database_pool_timeout: float = 5.0
    jwt_secret: str | None = None
    pseudonym_key: str | None = None
    model_key: str | None = None
    webhook_key: str | None = None
    playback_dir: Path | None = None
    redis_url: str | None = None
    access_token_ttl: int = 3600
    auth_failures_per_name: int = 5
    auth_failures_per_address: int = 30
    auth_failure_window_seconds: int = 900
    log_level: str = "INFO"
    shutdown_grace: float = 10.0
    compute_workers: int = os.cpu_count() or 1
    compute_timeout: float = 600.0
    stream_buffer_seconds: float = 5.0
    stream_give_up_seconds: float = 10.0
    #: (tier, per minute, per day) overrides of the tiers' rate limits.
    tier_limits: tuple[tuple[str, int, int], ...] = ()
    webhook_allow_private: bool = False
    webhook_retry_base_seconds: float = 10.0
    webhook_poll_seconds: float = 1.0

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env

        def text(name: str, default: str | None) -> str | None:
            value = env.get(f"NEUROGATE_{name}", "").strip()
            return value or default

        def number(name: str, default: float, kind: type = int, minimum: float = 0) -> float:
            raw = text(name, None)
            if raw is None:
                return default
            try:
                value = kind(raw)
            except ValueError:
                raise ConfigurationError(
                    f"NEUROGATE_{name}={raw!r} is not a valid {kind.__name__}"
                ) from None
            if not math.isfinite(value) or value < minimum:
                raise ConfigurationError(f"NEUROGATE_{name}={raw!r} must be at least {minimum}")
            return value

        def flag(name: str, default: bool) -> bool:
            raw = text(name, None)
            if raw is None:
                return default
            if raw.lower() in ("1", "true", "yes", "on"):
                return True
            if raw.lower() in ("0", "false", "no", "off"):
                return False
            raise ConfigurationError(f"NEUROGATE_{name}={raw!r} is not true or false")

        def port(name: str, default: int) -> int:
            value = int(number(name, default, int, 1))
            if value > 65535:
                raise ConfigurationError(f"NEUROGATE_{name}={value} is not a TCP port")
            return value

        return cls(
            grpc_host=text("GRPC_HOST", cls.grpc_host) or cls.grpc_host,
            grpc_port=port("GRPC_PORT", cls.grpc_port),
            http_host=text("HTTP_HOST", cls.http_host) or cls.http_host,
            http_port=port("HTTP_PORT", cls.http_port),
            envoy_admin_port=port("ENVOY_ADMIN_PORT", cls.envoy_admin_port),
            data_dir=Path(text("DATA_DIR", str(cls.data_dir)) or cls.data_dir),
            database_url=text("DATABASE_URL", None),
            database_connect_timeout=number(
                "DATABASE_CONNECT_TIMEOUT", cls.database_connect_timeout, float, 1
            ),
            database_statement_timeout=number(
                "DATABASE_STATEMENT_TIMEOUT", cls.database_statement_timeout, float, 0.1
            ),
            database_lock_timeout=number(
                "DATABASE_LOCK_TIMEOUT", cls.database_lock_timeout, float, 0.1
            ),
            database_pool_timeout=number(
                "DATABASE_POOL_TIMEOUT", cls.database_pool_timeout, float, 0.1
            ),
            jwt_secret=text("JWT_SECRET", None),
            pseudonym_key=text("PSEUDONYM_KEY", None),
            model_key=text("MODEL_KEY", None),
            webhook_key=text("WEBHOOK_KEY", None),
            playback_dir=Path(raw_playback)
            if (raw_playback := text("PLAYBACK_DIR", None))
            else None,
            redis_url=text("REDIS_URL", None),
            access_token_ttl=int(number("ACCESS_TOKEN_TTL", cls.access_token_ttl, int, 60)),
            auth_failures_per_name=int(
                number("AUTH_FAILURES_PER_NAME", cls.auth_failures_per_name, int, 1)
            ),
            auth_failures_per_address=int(
                number("AUTH_FAILURES_PER_ADDRESS", cls.auth_failures_per_address, int, 1)
            ),
            auth_failure_window_seconds=int(
                number("AUTH_FAILURE_WINDOW_SECONDS", cls.auth_failure_window_seconds, int, 1)
            ),
            log_level=_log_level(text("LOG_LEVEL", cls.log_level) or cls.log_level),
            shutdown_grace=number("SHUTDOWN_GRACE", cls.shutdown_grace, float, 0),
            compute_workers=int(number("COMPUTE_WORKERS", cls.compute_workers, int, 1)),
            compute_timeout=number("COMPUTE_TIMEOUT", cls.compute_timeout, float, 1),
            stream_buffer_seconds=number(
                "STREAM_BUFFER_SECONDS", cls.stream_buffer_seconds, float, 0.1
            ),
            stream_give_up_seconds=number(
                "STREAM_GIVE_UP_SECONDS", cls.stream_give_up_seconds, float, 0.1
            ),
            tier_limits=_tier_limits(text("TIER_LIMITS", "") or ""),
            webhook_allow_private=flag("WEBHOOK_ALLOW_PRIVATE", cls.webhook_allow_private),
            webhook_retry_base_seconds=number(
                "WEBHOOK_RETRY_BASE_SECONDS", cls.webhook_retry_base_seconds, float, 0.01
            ),
            webhook_poll_seconds=number(
                "WEBHOOK_POLL_SECONDS", cls.webhook_poll_seconds, float, 0.01
            ),
        )

    @property
    def resolved_database_url(self) -> str:
        """The database URL, defaulting to a SQLite file in the data dir."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'neurogate.db').resolve()}"

    @property
    def resolved_playback_dir(self) -> Path:
        return self.playback_dir or self.data_dir / "playback"

    @property
    def grpc_target(self) -> str:
        return f"{self.grpc_host}:{self.grpc_port}"
