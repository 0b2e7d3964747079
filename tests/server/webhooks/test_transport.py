"""The delivery client checks, at send time, the very address it connects to.

Nothing here connects anywhere: the guarded backend's network is a recorder
that notes each connection it is asked for and refuses it, and names resolve
through the ``dns`` fixture (tests/controlled_dns.py). A refusal therefore shows as an error AND an
empty record: no connection was even attempted.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import httpcore
import httpx
import pytest

from controlled_dns import controlled_resolution
from neurogate.server.webhooks.transport import GuardedBackend, GuardedTransport
from neurogate.server.webhooks.urls import AddressRefused, check_url


class RecordingNetwork(httpcore.AsyncNetworkBackend):
    """Records every connection asked for and makes none."""

    def __init__(self) -> None:
        self.targets: list[tuple[str, int]] = []

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        self.targets.append((host, port))
        raise httpcore.ConnectError("recorded, not connected")

    async def sleep(self, seconds: float) -> None:
        raise AssertionError("deliveries never sleep in these tests")


@pytest.fixture
async def dns(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[str]]:
    return controlled_resolution(monkeypatch)


@pytest.fixture
def network() -> RecordingNetwork:
    return RecordingNetwork()


async def _post(url: str, network: RecordingNetwork, *, allow_private: bool = False) -> None:
    transport = GuardedTransport(allow_private=allow_private, network=network)
    async with httpx.AsyncClient(transport=transport) as client:
        await client.post(url, content=b"{}")


async def test_a_host_rebound_to_loopback_after_creation_is_refused_without_connecting(
    dns, network
):
    dns["rebind.example"] = ["93.184.216.34"]
    await check_url("https://rebind.example/hook", allow_private=False)
    dns["rebind.example"] = ["127.0.0.1"]

    with pytest.raises(AddressRefused, match=r"127\.0\.0\.1"):
        await _post("https://rebind.example/hook", network)

    assert network.targets == []


@pytest.mark.parametrize(
    "address", ["2002:7f00:1::", "64:ff9b::a9fe:a9fe", "::ffff:0:7f00:1", "fec0::1"]
)
async def test_an_ipv6_wrapping_of_a_private_address_is_refused_at_send_time(dns, network, address):
    dns["rebind.example"] = [address]

    with pytest.raises(AddressRefused, match="not a public address"):
        await _post("http://rebind.example/hook", network)
    with pytest.raises(AddressRefused, match="not a public address"):
        await _post(f"http://[{address}]:8080/hook", network)

    assert network.targets == []


async def test_the_connection_goes_to_the_address_that_was_checked(dns, network):
    dns["receiver.example"] = ["93.184.216.34"]

    with pytest.raises(httpx.ConnectError, match="recorded"):
        await _post("https://receiver.example:8443/hook", network)

    assert network.targets == [("93.184.216.34", 8443)]


async def test_private_addresses_are_connected_to_when_the_operator_allows_them(dns, network):
    dns["intranet.example"] = ["2002:7f00:1::"]

    with pytest.raises(httpx.ConnectError):
        await _post("http://intranet.example/hook", network, allow_private=True)

    assert network.targets == [("2002:7f00:1::", 80)]


async def test_unix_sockets_are_never_used():
    backend = GuardedBackend(allow_private=True, network=RecordingNetwork())

    with pytest.raises(httpcore.ConnectError, match="TCP only"):
        await backend.connect_unix_socket("/var/run/docker.sock")
