"""Which URLs a webhook may call.

Only ``http`` and ``https``, with a host, at most :data:`MAX_URL` characters.
A server that POSTs wherever its callers ask is a tool for reaching what only
the server can reach (SSRF): cloud metadata at 169.254.169.254, databases on
localhost, the private network. So the host is resolved and every address it
resolves to must be public: loopback, link-local, private, shared (CGNAT),
multicast, unspecified and reserved addresses are refused, unless the operator
allows them (``NEUROGATE_WEBHOOK_ALLOW_PRIVATE``).

The check runs at creation and again at every delivery, on the very address
the delivery then connects to (:mod:`.transport`), so a host that resolves to
a public address at creation and to a private one later (DNS rebinding) is
still refused. Resolution uses the event loop's ``getaddrinfo``, which runs in
a thread and never blocks the loop.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit

from neurogate.server.errors import InvalidParameter

MAX_URL = 2048
SCHEMES = ("http", "https")

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class AddressRefused(Exception):
    """A delivery's host resolved to an address webhooks may not call."""


def check_url_syntax(url: str) -> str:
    """``url`` if it is an absolute http(s) URL with a host, else INVALID_PARAMETER."""
    if not url:
        raise InvalidParameter("url is required", parameter="url")
    if len(url) > MAX_URL:
        raise InvalidParameter(
            f"url is longer than {MAX_URL} characters", parameter="url", value=len(url)
        )
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise InvalidParameter(f"url is not a valid URL: {error}", parameter="url") from None
    if parts.scheme.lower() not in SCHEMES:
        raise InvalidParameter(
            f"url scheme {parts.scheme!r} is not allowed",
            parameter="url",
            value=parts.scheme,
            valid_choices=list(SCHEMES),
        )
    if not parts.hostname:
        raise InvalidParameter("url has no host", parameter="url", value=url[:200])
    if port == 0:
        raise InvalidParameter("url port 0 is not a port", parameter="url", value=url[:200])
    return url


def is_public(address: Address) -> bool:
    """Whether webhooks may call ``address`` without the operator's say-so."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not (
        address.is_multicast or address.is_reserved or address.is_unspecified
    )


async def resolve(host: str, port: int) -> list[Address]:
    """Every address ``host`` resolves to, without blocking the event loop."""
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    # sockaddr[0] of an IPv6 link-local address may carry a "%zone" suffix.
    return list(dict.fromkeys(ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos))


async def allowed_addresses(host: str, port: int, *, allow_private: bool) -> list[Address]:
    """The addresses of ``host`` a delivery may connect to; AddressRefused
    when any of them is not public (and that is not allowed), OSError when
    it does not resolve."""
    addresses = await resolve(host, port)
    if not addresses:
        raise OSError(f"{host} resolves to no address")
    refused = [str(address) for address in addresses if not is_public(address)]
    if refused and not allow_private:
        raise AddressRefused(
            f"{host} resolves to {', '.join(refused)}, which is not a public address"
        )
    return addresses


def default_port(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    return parts.hostname or "", parts.port or (443 if parts.scheme.lower() == "https" else 80)


async def check_url(url: str, *, allow_private: bool) -> str:
    """``url`` if a webhook may call it (see the module docstring)."""
    check_url_syntax(url)
    host, port = default_port(url)
    try:
        await allowed_addresses(host, port, allow_private=allow_private)
    except AddressRefused as error:
        raise InvalidParameter(
            f"url is refused: {error}",
            parameter="url",
            value=url[:200],
            suggestion="use a publicly reachable receiver; an operator can allow "
            "private addresses with NEUROGATE_WEBHOOK_ALLOW_PRIVATE",
        ) from None
    except OSError as error:
        raise InvalidParameter(
            f"url host {host!r} does not resolve: {error}", parameter="url", value=url[:200]
        ) from None
    return url
