"""The SDK's public surface, its configuration (targets, TLS, environment)
and its refusal of incomplete credentials."""

from __future__ import annotations

import pytest
from sdk_support import client_for, new_account

import neurogate.client
from conftest import Stack, free_port
from neurogate.client import Client, UnavailableError
from neurogate.client._transport import parse_target

PUBLIC = {
    "AnalyticsSummary",
    "ApiKey",
    "AsyncClient",
    "AsyncPacketStream",
    "AuthenticationError",
    "BandPowers",
    "Client",
    "Clustering",
    "ConflictError",
    "ControlChart",
    "Dataset",
    "DeadlineExceededError",
    "Device",
    "DeviceStatus",
    "Diagnosis",
    "FilteredSignal",
    "Forecast",
    "HypothesisTestResult",
    "Inference",
    "IngestResult",
    "InvalidRequestError",
    "Marker",
    "Model",
    "NeuroGateError",
    "NotFoundError",
    "Packet",
    "PacketStream",
    "PermissionDeniedError",
    "Predictions",
    "Prescription",
    "RateLimitError",
    "Recording",
    "ServerError",
    "Session",
    "Statistics",
    "StreamGap",
    "StreamInfo",
    "UnavailableError",
    "Webhook",
    "WebhookDelivery",
}
NAMESPACES = {
    "auth": {"create_api_key", "list_api_keys", "revoke_api_key"},
    "data": {"upload", "list", "get", "delete"},
    "analysis": {"descriptive", "hypothesis_test"},
    "analytics": {"descriptive", "predictive", "diagnostic", "prescriptive"},
    "segmentation": {"cluster"},
    "ml": {"train", "list", "get", "delete", "predict", "train_eeg", "infer"},
    "devices": {
        "list",
        "get",
        "status",
        "register",
        "delete",
        "connect",
        "disconnect",
        "start_stream",
        "stop_stream",
        "update_config",
        "insert_marker",
        "stream",
    },
    "sessions": {"create", "get", "list", "stop", "delete", "stream", "export", "recording"},
    "ingest": {"neural_data"},
    "processing": {"filter", "band_power"},
    "spc": {"control_chart", "control_chart_image"},
    "webhooks": {"create", "list", "delete", "deliveries"},
}


def test_the_public_surface_is_exactly_all():
    assert set(neurogate.client.__all__) == PUBLIC
    for name in PUBLIC:
        assert getattr(neurogate.client, name) is not None


def test_every_error_class_derives_from_the_root():
    for name in PUBLIC:
        value = getattr(neurogate.client, name)
        if name.endswith("Error") and name != "NeuroGateError":
            assert issubclass(value, neurogate.client.NeuroGateError)


async def test_both_clients_have_every_documented_namespace_method():
    sync = neurogate.client.Client(api_key="ng_unused", target="127.0.0.1:1")
    asynchronous = neurogate.client.AsyncClient(api_key="ng_unused", target="127.0.0.1:1")
    for client in (sync, asynchronous):
        for namespace, methods in NAMESPACES.items():
            for method in methods:
                assert callable(getattr(getattr(client, namespace), method)), (namespace, method)
    sync.close()
    await asynchronous.close()


@pytest.mark.parametrize(
    ("target", "tls", "address", "secure"),
    [
        ("localhost:50051", None, "localhost:50051", False),
        ("http://api.example.org:8443", None, "api.example.org:8443", False),
        ("http://api.example.org", None, "api.example.org:80", False),
        ("api.example.org", True, "api.example.org:443", True),
        ("https://api.example.org", None, "api.example.org:443", True),
        ("https://api.example.org:9443/", None, "api.example.org:9443", True),
        ("api.example.org:443", None, "api.example.org:443", True),
        ("api.example.org", None, "api.example.org:50051", False),
        ("localhost:50051", True, "localhost:50051", True),
        ("https://api.example.org", False, "api.example.org:443", False),
        ("[::1]:50051", None, "[::1]:50051", False),
    ],
)
def test_targets_name_the_address_and_whether_to_use_tls(target, tls, address, secure):
    parsed = parse_target(target, tls)
    assert (parsed.address, parsed.tls) == (address, secure)


@pytest.mark.parametrize("target", ["ftp://host:21", "host:port", ""])
def test_a_malformed_target_is_refused(target):
    with pytest.raises(ValueError, match=r"target|scheme"):
        parse_target(target)


def test_a_client_without_credentials_is_refused_saying_what_to_pass():
    with pytest.raises(ValueError, match="api_key"):
        Client(target="localhost:50051")
    with pytest.raises(ValueError, match="client_secret"):
        Client(client_id="only-the-id")


def test_from_env_reads_the_key_the_target_and_tls():
    client = Client.from_env(
        {"NEUROGATE_API_KEY": "ng_x", "NEUROGATE_TARGET": "example.org:7000", "NEUROGATE_TLS": "1"}
    )
    settings = client._transport.settings
    assert settings.credentials.token() == "ng_x"
    assert (settings.target.address, settings.target.tls) == ("example.org:7000", True)
    client.close()
    default = Client.from_env({"NEUROGATE_CLIENT_ID": "id", "NEUROGATE_CLIENT_SECRET": "s"})
    assert default.target == "localhost:50051"
    assert not default._transport.settings.target.tls
    default.close()


async def test_async_from_env_builds_an_async_client():
    client = neurogate.client.AsyncClient.from_env({"NEUROGATE_API_KEY": "ng_x"})
    assert isinstance(client, neurogate.client.AsyncClient)
    assert client.target == "localhost:50051"
    await client.close()


async def test_from_env_with_client_credentials_reaches_a_real_server(stack: Stack):
    account = await new_account(stack)
    environ = {
        "NEUROGATE_CLIENT_ID": account.client_id,
        "NEUROGATE_CLIENT_SECRET": account.client_secret,
        "NEUROGATE_TARGET": stack.grpc_target,
    }
    with Client.from_env(environ, progress=False) as client:
        assert client.data.list() == []


async def test_tls_asked_of_a_plaintext_server_fails_as_unavailable(stack: Stack):
    account = await new_account(stack)
    with (
        client_for(stack.grpc_target, account, tls=True, max_retries=0, timeout=5) as client,
        pytest.raises(UnavailableError) as raised,
    ):
        client.devices.list()
    assert raised.value.code == "UNAVAILABLE"


def test_a_target_where_nothing_listens_is_unavailable_after_the_retries():
    with (
        Client(api_key="ng_x", target=f"127.0.0.1:{free_port()}", max_retries=1) as client,
        pytest.raises(UnavailableError),
    ):
        client.data.list()
