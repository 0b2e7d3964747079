"""The network address of the client behind a call.

A call that comes straight to the gRPC server is from its peer. A call that
comes through the Envoy beside the server (a loopback peer) is from the
address Envoy appended to ``x-forwarded-for``: Envoy runs with
``use_remote_address``, so the last entry is the one it saw on its own
socket, whatever the client put before it. Only a loopback peer is trusted to
say so; anyone else's ``x-forwarded-for`` is ignored.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import unquote

import grpc

_FORWARDED_FOR = "x-forwarded-for"


def _peer_host(peer: str) -> str | None:
    """``127.0.0.1`` of ``ipv4:127.0.0.1:5000``, ``::1`` of ``ipv6:%5B::1%5D:5000``
    (gRPC percent-encodes the brackets)."""
    kind, _, rest = peer.partition(":")
    if kind not in ("ipv4", "ipv6"):
        return None  # a Unix socket: no network address
    host = unquote(rest).rpartition(":")[0].strip("[]")
    return host.split("%")[0] or None  # without an IPv6 zone


def _last_forwarded(context: grpc.aio.ServicerContext) -> str | None:
    values = [v for k, v in context.invocation_metadata() or () if k == _FORWARDED_FOR]
    if not values or not isinstance(values[-1], str):
        return None
    last = values[-1].rsplit(",", 1)[-1].strip()
    try:
        return str(ipaddress.ip_address(last))
    except ValueError:
        return None


def client_address(context: grpc.aio.ServicerContext) -> str | None:
    """The caller's address (see the module docstring); None if unknown."""
    peer = _peer_host(context.peer() or "")
    if peer is None:
        return None
    try:
        loopback = ipaddress.ip_address(peer).is_loopback
    except ValueError:
        return None
    return (_last_forwarded(context) or peer) if loopback else peer
