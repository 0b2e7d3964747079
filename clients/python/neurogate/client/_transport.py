"""Transports: the sync one over ``grpc.Channel``, the asyncio one over
``grpc.aio.Channel``. Both execute the call plans of :mod:`._calls` with the
same rules, written once in :class:`Attempts` (retry, backoff, token
renewal) and :class:`Settings` (target, TLS, timeouts); only the loops that
wait differ.

Targets: ``"host:port"`` (port 50051 when left out, 443 with ``tls=True``),
``"http://host[:port]"`` (plaintext, port 80 by default) or
``"https://host[:port]"`` (TLS, port 443 by default). ``tls=None`` means TLS
when the scheme is https or the port is 443; ``root_certificates`` (PEM)
replaces the system's roots, e.g. for a private CA. Channels reconnect with
gRPC's own backoff, capped at :data:`MAX_RECONNECT_BACKOFF_MS` so that a
restarted server is found again within seconds, not minutes.
"""

from __future__ import annotations

import asyncio
import copy
import logging
import time
from dataclasses import dataclass, field
from typing import Any

import grpc
from google.protobuf.message import Message

from neurogate.client._auth import Credentials
from neurogate.client._calls import (
    Download,
    Paged,
    Plan,
    Then,
    Unary,
    Upload,
    method_path,
    response_class,
)
from neurogate.client._progress import bar
from neurogate.client._retry import RetryPolicy
from neurogate.client.errors import from_rpc_error

logger = logging.getLogger("neurogate.client")

DEFAULT_PORT = 50051
TLS_PORT = 443
HTTP_PORT = 80
MAX_RECONNECT_BACKOFF_MS = 5000
#: Datasets' previews and exports can exceed gRPC's 4 MiB default.
MAX_MESSAGE_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class Target:
    address: str
    tls: bool


def parse_target(target: str, tls: bool | None = None) -> Target:
    """``host:port``, ``http://host:port`` or ``https://host[:port]``."""
    scheme, _, rest = target.rpartition("://")
    if scheme not in ("", "http", "https"):
        raise ValueError(f"unsupported scheme {scheme!r} in target {target!r}: use http or https")
    rest = rest.rstrip("/")
    host, _, port = rest.rpartition(":")
    if not host or "]" in port:  # no port (an IPv6 literal's colons are not one)
        host = rest
        if scheme:
            port = str(TLS_PORT if scheme == "https" else HTTP_PORT)
        else:
            port = str(TLS_PORT if tls else DEFAULT_PORT)
    if not host or not port.isdigit():
        raise ValueError(f"target {target!r} is not host:port")
    secure = tls if tls is not None else scheme == "https" or int(port) == TLS_PORT
    return Target(f"{host}:{port}", secure)


@dataclass
class Settings:
    target: Target
    credentials: Credentials
    timeout: float
    retry: RetryPolicy
    progress: bool
    root_certificates: bytes | None = field(default=None, repr=False)

    def channel_arguments(self) -> list[tuple[str, Any]]:
        return [
            ("grpc.max_reconnect_backoff_ms", MAX_RECONNECT_BACKOFF_MS),
            ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
            ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
        ]

    def channel_credentials(self) -> grpc.ChannelCredentials:
        return grpc.ssl_channel_credentials(root_certificates=self.root_certificates)


def _itself(reply: Any) -> Any:
    return reply


def _serialize(message: Message) -> bytes:
    return message.SerializeToString()


class Attempts:
    """The attempts of one call: renews the token once on UNAUTHENTICATED,
    then retries as :class:`RetryPolicy` says; raises the typed error when the
    call is not retried."""

    def __init__(self, settings: Settings, retryable: bool, authenticated: bool = True) -> None:
        self._settings = settings
        self._retryable = retryable
        self._authenticated = authenticated
        self._renewed = False
        self.retries = 0

    def after(self, failure: grpc.RpcError) -> float:
        error = from_rpc_error(failure)
        if (
            error.status is grpc.StatusCode.UNAUTHENTICATED
            and self._authenticated
            and not self._renewed
            and self._settings.credentials.invalidate()
        ):
            self._renewed = True
            return 0.0
        delay = self._settings.retry.delay(self.retries, error, self._retryable)
        if delay is None:
            raise error from failure
        self.retries += 1
        logger.info("retrying after %s in %.2f s (retry %d)", error.code, delay, self.retries)
        return delay


def _authorization(token: str) -> tuple[tuple[str, str], ...]:
    return (("authorization", f"Bearer {token}"),)


class SyncTransport:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        arguments = settings.channel_arguments()
        if settings.target.tls:
            self.channel = grpc.secure_channel(
                settings.target.address, settings.channel_credentials(), arguments
            )
        else:
            self.channel = grpc.insecure_channel(settings.target.address, arguments)

    def close(self) -> None:
        self.channel.close()

    def run(self, plan: Plan[Any]) -> Any:
        if isinstance(plan, Unary):
            return self._unary(plan)
        if isinstance(plan, Paged):
            return self._paged(plan)
        if isinstance(plan, Upload):
            return self._upload(plan)
        if isinstance(plan, Download):
            return self._download(plan)
        if isinstance(plan, Then):
            return self.run(plan.next(self.run(plan.first)))
        raise TypeError(f"not a call plan: {plan!r}")

    def metadata(self, authenticated: bool = True) -> tuple[tuple[str, str], ...]:
        if not authenticated:
            return ()
        credentials = self.settings.credentials
        return _authorization(credentials.token() or self._unary(credentials.issue()))

    def _unary(self, plan: Unary[Any]) -> Any:
        call = self.channel.unary_unary(
            method_path(plan.method), _serialize, response_class(plan.method).FromString
        )
        attempts = Attempts(self.settings, plan.idempotent, plan.authenticated)
        with _training_bar(self.settings, plan):
            while True:
                try:
                    response = call(
                        plan.request,
                        timeout=self.settings.timeout,
                        metadata=self.metadata(plan.authenticated),
                    )
                    return plan.convert(response)
                except grpc.RpcError as failure:
                    time.sleep(attempts.after(failure))

    def _paged(self, plan: Paged[Any]) -> list[Any]:
        items: list[Any] = []
        request = copy.deepcopy(plan.request)
        while True:
            page = self._unary(Unary(plan.method, request, _itself, idempotent=True))
            items.extend(plan.items(page))
            if not page.next_page_token:
                return items
            request.page_token = page.next_page_token  # type: ignore[attr-defined]

    def _upload(self, plan: Upload[Any]) -> Any:
        call = self.channel.stream_unary(
            method_path(plan.method), _serialize, response_class(plan.method).FromString
        )
        attempts = Attempts(self.settings, retryable=False)
        while True:
            with bar(self.settings.progress, plan.label, plan.total_bytes) as progress:
                try:
                    response = call(
                        _counted(plan.messages(), progress),
                        timeout=self.settings.timeout,
                        metadata=self.metadata(),
                    )
                    return plan.convert(response)
                except grpc.RpcError as failure:
                    delay = attempts.after(failure)
            time.sleep(delay)

    def _download(self, plan: Download) -> Any:
        call = self.channel.unary_stream(
            method_path(plan.method), _serialize, response_class(plan.method).FromString
        )
        attempts = Attempts(self.settings, retryable=True)
        while True:
            with bar(self.settings.progress, plan.label) as progress, plan.path.open("wb") as sink:
                try:
                    chunks = call(
                        plan.request, timeout=self.settings.timeout, metadata=self.metadata()
                    )
                    for chunk in chunks:
                        sink.write(chunk.data)
                        progress.update(len(chunk.data))
                    return plan.convert(plan.path)
                except grpc.RpcError as failure:
                    plan.path.unlink(missing_ok=True)
                    delay = attempts.after(failure)
            time.sleep(delay)

    def wait_ready(self, timeout: float) -> None:
        """Waits (at most ``timeout``) for the channel to connect."""
        try:
            grpc.channel_ready_future(self.channel).result(timeout=timeout)
        except grpc.FutureTimeoutError:
            logger.info("%s not reachable after %.1f s", self.settings.target.address, timeout)


class AsyncTransport:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        arguments = settings.channel_arguments()
        if settings.target.tls:
            self.channel = grpc.aio.secure_channel(
                settings.target.address, settings.channel_credentials(), arguments
            )
        else:
            self.channel = grpc.aio.insecure_channel(settings.target.address, arguments)

    async def close(self) -> None:
        await self.channel.close()

    async def run(self, plan: Plan[Any]) -> Any:
        if isinstance(plan, Unary):
            return await self._unary(plan)
        if isinstance(plan, Paged):
            return await self._paged(plan)
        if isinstance(plan, Upload):
            return await self._upload(plan)
        if isinstance(plan, Download):
            return await self._download(plan)
        if isinstance(plan, Then):
            return await self.run(plan.next(await self.run(plan.first)))
        raise TypeError(f"not a call plan: {plan!r}")

    async def metadata(self, authenticated: bool = True) -> tuple[tuple[str, str], ...]:
        if not authenticated:
            return ()
        credentials = self.settings.credentials
        return _authorization(credentials.token() or await self._unary(credentials.issue()))

    async def _unary(self, plan: Unary[Any]) -> Any:
        call = self.channel.unary_unary(
            method_path(plan.method), _serialize, response_class(plan.method).FromString
        )
        attempts = Attempts(self.settings, plan.idempotent, plan.authenticated)
        with _training_bar(self.settings, plan):
            while True:
                try:
                    response = await call(
                        plan.request,
                        timeout=self.settings.timeout,
                        metadata=await self.metadata(plan.authenticated),
                    )
                    return plan.convert(response)
                except grpc.RpcError as failure:
                    await asyncio.sleep(attempts.after(failure))

    async def _paged(self, plan: Paged[Any]) -> list[Any]:
        items: list[Any] = []
        request = copy.deepcopy(plan.request)
        while True:
            page = await self._unary(Unary(plan.method, request, _itself, idempotent=True))
            items.extend(plan.items(page))
            if not page.next_page_token:
                return items
            request.page_token = page.next_page_token  # type: ignore[attr-defined]

    async def _upload(self, plan: Upload[Any]) -> Any:
        call = self.channel.stream_unary(
            method_path(plan.method), _serialize, response_class(plan.method).FromString
        )
        attempts = Attempts(self.settings, retryable=False)
        while True:
            with bar(self.settings.progress, plan.label, plan.total_bytes) as progress:
                try:
                    response = await call(
                        _counted(plan.messages(), progress),
                        timeout=self.settings.timeout,
                        metadata=await self.metadata(),
                    )
                    return plan.convert(response)
                except grpc.RpcError as failure:
                    delay = attempts.after(failure)
            await asyncio.sleep(delay)

    async def _download(self, plan: Download) -> Any:
        call = self.channel.unary_stream(
            method_path(plan.method), _serialize, response_class(plan.method).FromString
        )
        attempts = Attempts(self.settings, retryable=True)
        while True:
            with bar(self.settings.progress, plan.label) as progress, plan.path.open("wb") as sink:
                try:
                    chunks = call(
                        plan.request, timeout=self.settings.timeout, metadata=await self.metadata()
                    )
                    async for chunk in chunks:
                        sink.write(chunk.data)
                        progress.update(len(chunk.data))
                    return plan.convert(plan.path)
                except grpc.RpcError as failure:
                    plan.path.unlink(missing_ok=True)
                    delay = attempts.after(failure)
            await asyncio.sleep(delay)

    async def wait_ready(self, timeout: float) -> None:
        try:
            await asyncio.wait_for(self.channel.channel_ready(), timeout)
        except TimeoutError:
            logger.info("%s not reachable after %.1f s", self.settings.target.address, timeout)


def _training_bar(settings: Settings, plan: Unary[Any]) -> Any:
    return bar(settings.progress and plan.progress is not None, plan.progress or "", None, "it")


def _counted(messages: Any, progress: Any) -> Any:
    for message in messages:
        yield message
        progress.update(message.ByteSize())
