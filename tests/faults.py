"""Real network faults for tests: a loopback TCP proxy in front of a real
server (PostgreSQL) that forwards, refuses or black-holes connections on
command, in the test's own event loop.

- :meth:`FaultProxy.refuse`: the listener closes (new connections get
  ECONNREFUSED) and open connections are reset (RST), as when the database
  host is up but the database is down.
- :meth:`FaultProxy.black_hole`: connections are accepted (the kernel still
  completes the handshake) but nothing is forwarded either way, and open
  connections freeze with their sockets left open, as behind a firewall that
  drops packets or a hung database.
- :meth:`FaultProxy.resume`: forwarding again; frozen connections are closed
  (the database would long have dropped them), new ones are forwarded.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
from dataclasses import dataclass, field
from typing import Any


@dataclass(eq=False)
class _Link:
    """One client connection and, while forwarding, its upstream and pumps."""

    client: asyncio.StreamWriter
    upstream: asyncio.StreamWriter | None = None
    pumps: list[asyncio.Task[None]] = field(default_factory=list)

    def writers(self) -> list[asyncio.StreamWriter]:
        return [w for w in (self.client, self.upstream) if w is not None]


def _reset(writer: asyncio.StreamWriter) -> None:
    """Closes with an RST instead of a FIN (SO_LINGER with a zero timeout)."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


async def _pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(ConnectionError, OSError):
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    with contextlib.suppress(ConnectionError, OSError, RuntimeError):
        writer.close()


class FaultProxy:
    """Forwards 127.0.0.1:<port> to ``upstream_host:upstream_port``."""

    def __init__(self, upstream_host: str, upstream_port: int) -> None:
        self.upstream = (upstream_host, upstream_port)
        self.port = 0
        self.mode = "forward"
        self._server: asyncio.Server | None = None
        self._links: set[_Link] = set()
        self._handlers: set[asyncio.Task[Any]] = set()

    async def start(self) -> FaultProxy:
        await self._listen()
        return self

    async def _listen(self) -> None:
        self._server = await asyncio.start_server(
            self._accept, "127.0.0.1", self.port, reuse_address=True
        )
        self.port = self._server.sockets[0].getsockname()[1]

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        handler = asyncio.current_task()
        if handler is not None:
            self._handlers.add(handler)
            handler.add_done_callback(self._handlers.discard)
        link = _Link(writer)
        self._links.add(link)
        if self.mode != "forward":
            return  # held open, nothing forwarded
        try:
            up_reader, link.upstream = await asyncio.open_connection(*self.upstream)
        except OSError:
            _reset(writer)
            self._links.discard(link)
            return
        link.pumps = [
            asyncio.create_task(_pump(reader, link.upstream)),
            asyncio.create_task(_pump(up_reader, writer)),
        ]
        await asyncio.gather(*link.pumps, return_exceptions=True)
        if not any(pump.cancelled() for pump in link.pumps):
            self._links.discard(link)  # ended by either side; a frozen one is closed later

    async def _stop_listening(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    def _freeze_links(self) -> None:
        for link in self._links:
            for pump in link.pumps:
                pump.cancel()

    async def refuse(self) -> None:
        """New connections are refused, open ones reset."""
        self.mode = "refuse"
        self._freeze_links()
        for link in list(self._links):
            for writer in link.writers():
                _reset(writer)
        self._links.clear()
        await self._stop_listening()

    async def black_hole(self) -> None:
        """Connections are accepted and kept open, and nothing is forwarded."""
        self.mode = "black_hole"
        self._freeze_links()
        if self._server is None:
            await self._listen()

    async def resume(self) -> None:
        """Forwarding again; connections frozen by a fault are closed."""
        self._freeze_links()
        for link in list(self._links):
            for writer in link.writers():
                writer.transport.abort()
        self._links.clear()
        self.mode = "forward"
        if self._server is None:
            await self._listen()

    async def close(self) -> None:
        await self.refuse()
        await asyncio.gather(*self._handlers, return_exceptions=True)


@contextlib.asynccontextmanager
async def fault_proxy(upstream_host: str, upstream_port: int):
    proxy = await FaultProxy(upstream_host, upstream_port).start()
    try:
        yield proxy
    finally:
        await proxy.close()
