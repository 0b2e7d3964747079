"""URL policy: only http(s) with a host; hosts resolving to loopback,
link-local, private, multicast, unspecified or reserved addresses refused
unless allowed; resolution through the event loop (monkeypatched here)."""

from __future__ import annotations

import asyncio
import socket

import pytest

from neurogate.server.errors import InvalidParameter
from neurogate.server.webhooks import urls
from neurogate.server.webhooks.urls import AddressRefused, allowed_addresses, check_url


@pytest.fixture
async def dns(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[str]]:
    """Host name -> addresses, answered by the running loop's getaddrinfo."""
    table: dict[str, list[str]] = {}
    loop = asyncio.get_running_loop()

    async def getaddrinfo(host, port, *, type=0, **_):
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


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "224.0.0.1",
        "240.0.0.1",
        "::1",
        "fe80::1",
        "fc00::1",
        "::ffff:127.0.0.1",
        "ff02::1",
        "::",
    ],
)
async def test_hosts_resolving_to_non_public_addresses_are_refused(dns, address):
    dns["receiver.example"] = [address]

    with pytest.raises(InvalidParameter) as raised:
        await check_url("https://receiver.example/hook", allow_private=False)

    assert raised.value.details["parameter"] == "url"
    assert "not a public address" in raised.value.message


async def test_one_private_address_among_public_ones_is_enough_to_refuse(dns):
    dns["mixed.example"] = ["93.184.216.34", "10.0.0.5"]

    with pytest.raises(AddressRefused, match=r"10\.0\.0\.5"):
        await allowed_addresses("mixed.example", 443, allow_private=False)


async def test_public_hosts_are_allowed(dns):
    dns["receiver.example"] = ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"]

    assert await check_url("https://receiver.example:8443/h?x=1", allow_private=False)


async def test_private_addresses_are_allowed_when_the_operator_says_so(dns):
    dns["intranet.example"] = ["10.0.0.5"]

    assert await check_url("http://intranet.example/hook", allow_private=True)


async def test_a_literal_loopback_address_is_refused_without_resolving():
    with pytest.raises(InvalidParameter, match=r"127\.0\.0\.1"):
        await check_url("http://127.0.0.1:9/hook", allow_private=False)


async def test_a_host_that_does_not_resolve_is_refused(dns):
    with pytest.raises(InvalidParameter, match="does not resolve"):
        await check_url("https://nowhere.example/hook", allow_private=False)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("", "required"),
        ("ftp://receiver.example/hook", "scheme"),
        ("file:///etc/passwd", "scheme"),
        ("javascript:alert(1)", "scheme"),
        ("receiver.example/hook", "scheme"),
        ("https:///hook", "no host"),
        ("http://receiver.example:99999/", "not a valid URL"),
        ("https://receiver.example/" + "a" * urls.MAX_URL, "longer than"),
    ],
)
async def test_malformed_urls_are_refused(url, message):
    with pytest.raises(InvalidParameter, match=message) as raised:
        await check_url(url, allow_private=True)

    assert raised.value.details["parameter"] == "url"
