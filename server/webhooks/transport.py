"""The HTTP client deliveries are sent with.

Its connections are made by :class:`GuardedBackend`, which resolves the host
itself, checks every address (:func:`.urls.allowed_addresses`) and connects
to a checked address: the address that was checked is the one connected to,
so DNS rebinding between a check and the connection cannot reach a private
address. TLS still verifies the certificate against the URL's host name
(httpcore takes the SNI name from the request, not from the socket).

Redirects are not followed (a public receiver could otherwise bounce a
delivery to a private address) and proxy variables from the environment are
ignored.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any

import httpcore
import httpx

from neurogate.server.webhooks.urls import allowed_addresses

#: Longest a delivery attempt may take, connection included.
TIMEOUT_SECONDS = 10.0
USER_AGENT = "NeuroGate-Webhooks/1"


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """Connects only to checked addresses; ``network`` makes the connections
    (the real sockets unless a test records them instead)."""

    def __init__(
        self, *, allow_private: bool, network: httpcore.AsyncNetworkBackend | None = None
    ) -> None:
        self._allow_private = allow_private
        self._inner = network or httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            addresses = await asyncio.wait_for(
                allowed_addresses(host, port, allow_private=self._allow_private), timeout
            )
        except TimeoutError:
            raise httpcore.ConnectTimeout(f"resolving {host} took over {timeout} s") from None
        last: Exception | None = None
        for address in addresses:
            try:
                return await self._inner.connect_tcp(
                    str(address), port, timeout, local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as error:
                last = error
        assert last is not None
        raise last

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("webhooks are delivered over TCP only")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class GuardedTransport(httpx.AsyncHTTPTransport):
    """httpx's transport over a connection pool that connects through
    :class:`GuardedBackend`."""

    def __init__(
        self, *, allow_private: bool, network: httpcore.AsyncNetworkBackend | None = None
    ) -> None:
        super().__init__(trust_env=False)
        # httpx builds its pool without a way to pass a network backend:
        # replace it with the same pool over the guarded backend.
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            max_connections=100,
            max_keepalive_connections=20,
            keepalive_expiry=5.0,
            network_backend=GuardedBackend(allow_private=allow_private, network=network),
        )


def delivery_client(*, allow_private: bool, timeout: float = TIMEOUT_SECONDS) -> httpx.AsyncClient:
    """A client for deliveries; ``timeout`` bounds connecting (resolution
    included), sending and waiting for each read of the answer."""
    return httpx.AsyncClient(
        transport=GuardedTransport(allow_private=allow_private),
        timeout=timeout,
        follow_redirects=False,
        trust_env=False,
        headers={"user-agent": USER_AGENT},
    )
