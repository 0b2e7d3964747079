"""HTTP/1.1 over plain blocking sockets, for clients that behave as no HTTP
library lets them: one that never reads its response, one that is still
sending its body when the response comes. Responses are parsed with h11."""

from __future__ import annotations

import socket
import time

import h11
import httpx


def open_request(port: int, head: str, receive_buffer: int | None = None) -> socket.socket:
    """A loopback connection to ``port`` that has sent ``head`` (request line
    and headers, CRLF-separated, without the blank line that ends them)."""
    client = socket.socket()
    if receive_buffer is not None:
        client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
    client.connect(("127.0.0.1", port))
    client.sendall(head.encode() + b"\r\n\r\n")
    return client


def read_response(client: socket.socket, deadline: float) -> httpx.Response | None:
    """The response on ``client``, read until it ends, the peer closes or
    ``time.monotonic()`` passes ``deadline``: its head and the body read so
    far; None if not even the head came."""
    parser = h11.Connection(h11.CLIENT)
    parser.send(h11.Request(method="GET", target="/", headers=[("host", "127.0.0.1")]))
    parser.send(h11.EndOfMessage())
    head: h11.Response | None = None
    body = bytearray()
    while True:
        try:
            event = parser.next_event()
        except h11.RemoteProtocolError:  # closed in the middle of the body
            break
        if event is h11.NEED_DATA:
            client.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                parser.receive_data(client.recv(1 << 20))
            except TimeoutError:
                break
            except ConnectionError:
                parser.receive_data(b"")
        elif isinstance(event, h11.Response):
            head = event
        elif isinstance(event, h11.Data):
            body += event.data
        elif isinstance(event, h11.EndOfMessage | h11.ConnectionClosed):
            break
    if head is None:
        return None
    return httpx.Response(head.status_code, headers=head.headers, content=bytes(body))
