"""``client.webhooks`` and ``client.auth`` (API keys) against the shared stack."""

from __future__ import annotations

import asyncio

import pytest
from sdk_support import client_for, measurements, new_account

from conftest import Stack
from neurogate.client import AuthenticationError, Client, InvalidRequestError, NotFoundError

#: A public address (the shared stack refuses private ones) whose discard
#: port answers nothing: deliveries are logged, pending or failing.
RECEIVER = "http://93.184.215.14:9/neurogate"


async def test_a_webhook_is_created_listed_logs_its_deliveries_and_is_deleted(stack: Stack):
    with client_for(stack.grpc_target, await new_account(stack)) as client:
        webhook = client.webhooks.create(RECEIVER, ["analysis.complete"], secret="s" * 32)
        assert [w.id for w in client.webhooks.list()] == [webhook.id]
        dataset = client.data.upload(measurements(), name="hooked")
        client.spc.control_chart(dataset_id=dataset.id, column="value", chart_type="i_mr")
        for _ in range(50):  # the delivery is recorded after the answer
            deliveries = client.webhooks.deliveries(webhook.id)
            if deliveries:
                break
            await asyncio.sleep(0.1)
        client.webhooks.delete(webhook.id)
        assert client.webhooks.list() == []
        with pytest.raises(NotFoundError):
            client.webhooks.deliveries(webhook.id)
    assert webhook.secret == "s" * 32
    assert (webhook.url, webhook.events) == (RECEIVER, ["analysis.complete"])
    assert [d.event for d in deliveries] == ["analysis.complete"]
    assert deliveries[0].status in ("pending", "failed", "delivered")
    assert deliveries[0].created_at is not None


async def test_a_loopback_webhook_is_refused_as_not_public(stack: Stack):
    account = await new_account(stack)
    with client_for(stack.grpc_target, account) as client, pytest.raises(InvalidRequestError) as e:
        client.webhooks.create("http://127.0.0.1:9/hook", ["analysis.complete"])
    assert "not a public address" in e.value.message
    assert "NEUROGATE_WEBHOOK_ALLOW_PRIVATE" in e.value.details["suggestion"]


async def test_a_webhook_url_of_another_scheme_is_refused_naming_the_url(stack: Stack):
    account = await new_account(stack)
    with client_for(stack.grpc_target, account) as client, pytest.raises(InvalidRequestError) as e:
        client.webhooks.create("ftp://hooks.example.com/", ["analysis.complete"])
    assert e.value.details["parameter"] == "url"


async def test_an_api_key_works_as_a_bearer_token_until_it_is_revoked(stack: Stack):
    with client_for(stack.grpc_target, await new_account(stack)) as client:
        key = client.auth.create_api_key("ci", scopes=["data.read", "apikeys.read"])
        with Client(api_key=key.key, target=stack.grpc_target) as keyed:
            assert keyed.data.list() == []
            listed = keyed.auth.list_api_keys()
            client.auth.revoke_api_key(key.id)
            with pytest.raises(AuthenticationError):
                keyed.data.list()
        revoked = {k.id: k for k in client.auth.list_api_keys()}[key.id]
    assert key.key and key.name == "ci"
    assert sorted(key.scopes) == ["apikeys.read", "data.read"]
    assert [(k.id, k.key, k.name) for k in listed] == [(key.id, None, "ci")]
    assert revoked.revoked_at is not None


async def test_an_api_key_client_cannot_create_keys(stack: Stack):
    with (
        Client(api_key="ng_any", target=stack.grpc_target) as client,
        pytest.raises(ValueError, match="client_id"),
    ):
        client.auth.create_api_key("nested", scopes=["data.read"])
