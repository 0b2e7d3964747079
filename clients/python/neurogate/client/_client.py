"""``Client`` and ``AsyncClient``: one surface, two transports.

Both build the same namespaces over a transport: ``Client`` over a
``grpc.Channel`` (methods return results), ``AsyncClient`` over a
``grpc.aio.Channel`` (methods return coroutines, streams are async
iterators). Construction only stores settings and opens a lazy channel;
nothing is sent until the first call, so a wrong target or credentials show
up as a typed error on that call.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any, Self

from neurogate.client._analysis import (
    AnalysisNamespace,
    AnalyticsNamespace,
    SegmentationNamespace,
)
from neurogate.client._apikeys import AuthNamespace
from neurogate.client._auth import Credentials
from neurogate.client._data import DataNamespace
from neurogate.client._devices import DevicesNamespace
from neurogate.client._ml import ModelsNamespace
from neurogate.client._processing import ProcessingNamespace
from neurogate.client._progress import default_progress
from neurogate.client._retry import RetryPolicy
from neurogate.client._sessions import IngestNamespace, SessionsNamespace
from neurogate.client._spc import SpcNamespace
from neurogate.client._transport import AsyncTransport, Settings, SyncTransport, parse_target
from neurogate.client._webhooks import WebhooksNamespace

DEFAULT_TARGET = "localhost:50051"


def _settings(
    target: str,
    api_key: str | None,
    client_id: str | None,
    client_secret: str | None,
    tls: bool | None,
    root_certificates: bytes | None,
    timeout: float,
    max_retries: int,
    progress: bool | None,
) -> Settings:
    if max_retries < 0:
        raise ValueError("max_retries must be >= 0")
    return Settings(
        target=parse_target(target, tls),
        credentials=Credentials(api_key, client_id, client_secret),
        timeout=timeout,
        retry=RetryPolicy(max_retries),
        progress=default_progress() if progress is None else progress,
        root_certificates=root_certificates,
    )


def environment(environ: Mapping[str, str]) -> dict[str, Any]:
    """The client's keyword arguments that the environment gives, and only
    those: NEUROGATE_API_KEY, NEUROGATE_CLIENT_ID and _SECRET,
    NEUROGATE_TARGET, and NEUROGATE_TLS=1 (also "true" or "yes")."""
    given = {
        "api_key": environ.get("NEUROGATE_API_KEY"),
        "client_id": environ.get("NEUROGATE_CLIENT_ID"),
        "client_secret": environ.get("NEUROGATE_CLIENT_SECRET"),
        "target": environ.get("NEUROGATE_TARGET"),
        "tls": environ.get("NEUROGATE_TLS", "").lower() in ("1", "true", "yes"),
    }
    return {name: value for name, value in given.items() if value}


class _Namespaces:
    """What both clients share: the namespaces over a transport, the
    environment configuration and the target."""

    _transport: SyncTransport | AsyncTransport

    def _bind(self, transport: SyncTransport | AsyncTransport) -> None:
        self._transport = transport
        self.auth = AuthNamespace(transport)
        self.data = DataNamespace(transport)
        self.analysis = AnalysisNamespace(transport)
        self.analytics = AnalyticsNamespace(transport)
        self.segmentation = SegmentationNamespace(transport)
        self.ml = ModelsNamespace(transport)
        self.devices = DevicesNamespace(transport)
        self.sessions = SessionsNamespace(transport)
        self.ingest = IngestNamespace(transport)
        self.processing = ProcessingNamespace(transport)
        self.spc = SpcNamespace(transport)
        self.webhooks = WebhooksNamespace(transport)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Self:
        """A client configured by NEUROGATE_API_KEY (or NEUROGATE_CLIENT_ID and
        NEUROGATE_CLIENT_SECRET), NEUROGATE_TARGET (default localhost:50051) and
        NEUROGATE_TLS=1; keyword arguments override them."""
        return cls(**{**environment(os.environ if environ is None else environ), **overrides})

    @property
    def target(self) -> str:
        """The ``host:port`` the client calls."""
        return self._transport.settings.target.address


class Client(_Namespaces):
    """The NeuroGate API over gRPC. ``Client(api_key=..., target="host:port")``,
    ``Client(client_id=..., client_secret=..., target=...)`` or
    ``Client.from_env()``; use it as a context manager or ``close()`` it."""

    def __init__(
        self,
        api_key: str | None = None,
        *,
        client_id: str | None = None,
        client_secret: str | None = None,
        target: str = DEFAULT_TARGET,
        tls: bool | None = None,
        root_certificates: bytes | None = None,
        timeout: float = 60.0,
        max_retries: int = 4,
        progress: bool | None = None,
    ) -> None:
        transport = SyncTransport(
            _settings(
                target,
                api_key,
                client_id,
                client_secret,
                tls,
                root_certificates,
                timeout,
                max_retries,
                progress,
            )
        )
        self._bind(transport)

    def close(self) -> None:
        self._transport.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncClient(_Namespaces):
    """``Client``'s surface for asyncio: methods are coroutines, streams async
    iterators; ``async with AsyncClient(...) as client`` or ``await close()``."""

    def __init__(
        self,
        api_key: str | None = None,
        *,
        client_id: str | None = None,
        client_secret: str | None = None,
        target: str = DEFAULT_TARGET,
        tls: bool | None = None,
        root_certificates: bytes | None = None,
        timeout: float = 60.0,
        max_retries: int = 4,
        progress: bool | None = None,
    ) -> None:
        transport = AsyncTransport(
            _settings(
                target,
                api_key,
                client_id,
                client_secret,
                tls,
                root_certificates,
                timeout,
                max_retries,
                progress,
            )
        )
        self._bind(transport)

    async def close(self) -> None:
        await self._transport.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
