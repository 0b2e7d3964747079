"""Name resolution a test controls, so no test resolves a real name or sends
anything to the addresses it names. A test module makes its ``dns`` fixture
from :func:`controlled_resolution`."""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import socket

import pytest


def controlled_resolution(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[str]]:
    """A table host name -> addresses that the running loop's getaddrinfo
    answers from from now on (a literal address, like the real one, resolves
    to itself); a name not in it does not resolve."""
    table: dict[str, list[str]] = {}
    loop = asyncio.get_running_loop()

    async def getaddrinfo(host, port, *, type=0, **_):
        with contextlib.suppress(ValueError):
            table.setdefault(host, [str(ipaddress.ip_address(host))])
        if host not in table:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [
            (
                socket.AF_INET6 if ":" in address else socket.AF_INET,
                type,
                6,
                "",
                (address, port),
            )
            for address in table[host]
        ]

    monkeypatch.setattr(loop, "getaddrinfo", getaddrinfo)
    return table
