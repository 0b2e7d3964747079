"""Which URLs a webhook may call.

Only ``http`` and ``https``, with a host, at most :data:`MAX_URL` characters.
A server that POSTs wherever its callers ask is a tool for reaching what only
the server can reach (SSRF): cloud metadata at 169.254.169.254, databases on
localhost, the private network. So the host is resolved and every address it
resolves to must be public: loopback, link-local, private, shared (CGNAT),
multicast, unspecified, reserved and site-local addresses are refused, unless
the operator allows them (``NEUROGATE_WEBHOOK_ALLOW_PRIVATE``). An IPv6 address
that wraps an IPv4 one (IPv4-mapped, -translated and -compatible, NAT64, 6to4,
Teredo, ISATAP: :data:`IPV4_WRAPPINGS`) is judged by the IPv4 address it
wraps, since the network delivers to that address: ``[2002:7f00:1::]`` is
127.0.0.1. A URL holding any control, format or whitespace character is
refused before anything else: nothing in it may smuggle a header line into the
request or hide what it names.

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
import unicodedata
from collections.abc import Callable
from urllib.parse import urlsplit

from neurogate.server.errors import InvalidParameter

MAX_URL = 2048
SCHEMES = ("http", "https")

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class AddressRefused(Exception):
    """A delivery's host resolved to an address webhooks may not call."""


#: Unicode categories no URL may hold: controls (CR and LF among them), format
#: characters (bidirectional overrides, zero-width spaces) and separators.
_FORBIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Zs", "Zl", "Zp"})


def _forbidden_character(url: str) -> str | None:
    """The first control, format or whitespace character of ``url``, if any."""
    for character in url:
        if character.isspace() or unicodedata.category(character) in _FORBIDDEN_CATEGORIES:
            return character
    return None


def check_url_syntax(url: str) -> str:
    """``url`` if it is an absolute http(s) URL with a host, else INVALID_PARAMETER."""
    if not url:
        raise InvalidParameter("url is required", parameter="url")
    if len(url) > MAX_URL:
        raise InvalidParameter(
            f"url is longer than {MAX_URL} characters", parameter="url", value=len(url)
        )
    forbidden = _forbidden_character(url)
    if forbidden is not None:
        code_point = f"U+{ord(forbidden):04X}"
        raise InvalidParameter(
            f"url contains a control character or whitespace ({code_point}); "
            "percent-encode it if it belongs in the path or query",
            parameter="url",
            value=code_point,
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


Finder = Callable[[ipaddress.IPv6Address], list[ipaddress.IPv4Address]]


def _low_32_bits_in(network: str) -> Finder:
    """A finder for a prefix whose last 32 bits are the IPv4 address."""
    prefix = ipaddress.IPv6Network(network)

    def find(address: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
        return [ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)] if address in prefix else []

    return find


def _sixtofour(address: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    return [address.sixtofour] if address.sixtofour else []


def _teredo(address: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    return list(address.teredo or ())  # the relay server and the client behind it


def _isatap(address: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    # RFC 5214: an interface id of 0000:5efe or 0200:5efe, then the IPv4
    # address, under any prefix.
    if (int(address) >> 32) & 0xFDFFFFFF != 0x00005EFE:
        return []
    return [ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)]


#: IPv6 addresses that carry an IPv4 address the network delivers to, and how
#: to read it: each finder answers the wrapped addresses, or [] if it does not apply.
IPV4_WRAPPINGS: dict[str, Finder] = {
    "IPv4-mapped": _low_32_bits_in("::ffff:0:0/96"),
    "IPv4-translated (SIIT)": _low_32_bits_in("::ffff:0:0:0/96"),
    "IPv4-compatible": _low_32_bits_in("::/96"),
    "NAT64": _low_32_bits_in("64:ff9b::/96"),
    "6to4": _sixtofour,
    "Teredo": _teredo,
    "ISATAP": _isatap,
}

#: Non-public IPv6 ranges the standard library's tables do not flag on every
#: supported Python: local-use NAT64 (RFC 8215), whose IPv4 position is up
#: to each network.
_NOT_PUBLIC_IPV6 = (ipaddress.IPv6Network("64:ff9b:1::/48"),)


def _wrapped_ipv4(address: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    return [wrapped for find in IPV4_WRAPPINGS.values() for wrapped in find(address)]


def _is_global(address: Address) -> bool:
    return address.is_global and not (
        address.is_multicast or address.is_reserved or address.is_unspecified
    )


def is_public(address: Address) -> bool:
    """Whether webhooks may call ``address`` without the operator's say-so: a
    wrapping IPv6 address is as public as every IPv4 address it wraps."""
    if isinstance(address, ipaddress.IPv4Address):
        return _is_global(address)
    if address.is_site_local or any(address in network for network in _NOT_PUBLIC_IPV6):
        return False
    wrapped = _wrapped_ipv4(address)
    if wrapped:
        return all(_is_global(ipv4) for ipv4 in wrapped)
    return _is_global(address)


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
