"""URL policy: only http(s) with a host; hosts resolving to loopback,
link-local, private, multicast, unspecified or reserved addresses refused
unless allowed; resolution through the event loop (the ``dns`` fixture
answers it, so nothing is ever sent to these addresses)."""

from __future__ import annotations

import pytest

from controlled_dns import controlled_resolution
from neurogate.server.errors import InvalidParameter
from neurogate.server.webhooks import urls
from neurogate.server.webhooks.urls import AddressRefused, allowed_addresses, check_url


@pytest.fixture
async def dns(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[str]]:
    return controlled_resolution(monkeypatch)


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


# IPv6 transition addresses carry an IPv4 address: they are judged by it, so
# none of them is a way around the IPv4 rules.
@pytest.mark.parametrize(
    ("address", "why"),
    [
        ("2002:7f00:1::", "6to4 wrapping 127.0.0.1"),
        ("2002:a00:1::1", "6to4 wrapping 10.0.0.1"),
        ("2002:a9fe:a9fe::", "6to4 wrapping 169.254.169.254 (cloud metadata)"),
        ("2002:c0a8:101:1::1", "6to4 wrapping 192.168.1.1"),
        ("2002::", "6to4 wrapping 0.0.0.0"),
        ("64:ff9b::7f00:1", "NAT64 wrapping 127.0.0.1"),
        ("64:ff9b::a9fe:a9fe", "NAT64 wrapping 169.254.169.254"),
        ("64:ff9b:1::5db8:d822", "local-use NAT64 prefix (RFC 8215), never public"),
        ("::ffff:7f00:1", "IPv4-mapped 127.0.0.1"),
        ("::ffff:a9fe:a9fe", "IPv4-mapped 169.254.169.254"),
        ("::ffff:0:7f00:1", "IPv4-translated (SIIT) 127.0.0.1"),
        ("::7f00:1", "IPv4-compatible 127.0.0.1"),
        ("::a00:1", "IPv4-compatible 10.0.0.1"),
        ("2001:0:4136:e378:8000:63bf:80ff:fffe", "Teredo, client 127.0.0.1"),
        ("2001:0:7f00:1:8000:63bf:a2c7:2b21", "Teredo, server 127.0.0.1"),
        ("2001:db8::5efe:7f00:1", "ISATAP interface wrapping 127.0.0.1"),
        ("2606:4700::200:5efe:a00:1", "ISATAP interface wrapping 10.0.0.1"),
        ("fec0::1", "site-local (deprecated, still routed by some stacks)"),
    ],
)
async def test_ipv6_wrappings_of_non_public_ipv4_addresses_are_refused(dns, address, why):
    dns["receiver.example"] = [address]

    with pytest.raises(InvalidParameter, match="not a public address"):
        await check_url("https://receiver.example/hook", allow_private=False)
    with pytest.raises(InvalidParameter, match="not a public address"):
        await check_url(f"https://[{address}]/hook", allow_private=False)


@pytest.mark.parametrize(
    ("address", "why"),
    [
        ("2002:5db8:d822::1", "6to4 wrapping public 93.184.216.34"),
        ("64:ff9b::5db8:d822", "NAT64 wrapping public 93.184.216.34"),
        ("::ffff:5db8:d822", "IPv4-mapped public 93.184.216.34"),
        ("2001:0:4136:e378:8000:63bf:a247:27dd", "Teredo, server and client public"),
        ("2606:2800:220:1:248:1893:25c8:1946", "native global IPv6"),
    ],
)
async def test_ipv6_wrappings_of_public_ipv4_addresses_are_allowed(dns, address, why):
    dns["receiver.example"] = [address]

    assert await check_url("https://receiver.example/hook", allow_private=False)


async def test_wrapped_loopback_is_allowed_when_the_operator_allows_private_addresses(dns):
    dns["receiver.example"] = ["2002:7f00:1::"]

    assert await check_url("https://receiver.example/hook", allow_private=True)


@pytest.mark.parametrize(
    ("url", "character"),
    [
        ("http://receiver.example/hook\r\nX-Injected: 1", "U+000D"),
        ("http://receiver.example/hook\nX-Injected: 1", "U+000A"),
        ("http://receiver.ex\r\nample/hook", "U+000D"),
        ("http://receiver.example/ho ok", "U+0020"),
        ("http://receiver.example/hook\t", "U+0009"),
        (" http://receiver.example/hook", "U+0020"),
        ("http://receiver.example/hook\x00", "U+0000"),
        ("http://receiver.example/hook\x7f", "U+007F"),
        ("http://receiver.example/hook\x85", "U+0085"),
        ("http://receiver.example/hook\u00a0", "U+00A0"),
        ("http://receiver.example/hook\u2028", "U+2028"),
        ("http://receiver.example/\u202ekooh", "U+202E"),
    ],
)
async def test_urls_with_control_characters_or_whitespace_are_refused_before_resolving(
    dns, url, character
):
    dns["receiver.example"] = ["93.184.216.34"]

    with pytest.raises(InvalidParameter, match="control character or whitespace") as raised:
        await check_url(url, allow_private=True)

    assert raised.value.details == {"parameter": "url", "value": character}
