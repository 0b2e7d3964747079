"""Every exception class of the SDK, raised by a real call to the real
server, carrying the documented code, message, details and request id."""

from __future__ import annotations

import time

import grpc
import pytest
from sdk_support import client_for, measurements, new_account

from conftest import Stack
from neurogate.client import (
    AuthenticationError,
    Client,
    ConflictError,
    DeadlineExceededError,
    InvalidRequestError,
    NeuroGateError,
    NotFoundError,
    PermissionDeniedError,
)
from neurogate.server.auth.tiers import Tier


async def test_a_missing_dataset_raises_not_found_with_code_details_and_request_id(stack: Stack):
    account = await new_account(stack)
    with client_for(stack.grpc_target, account) as client, pytest.raises(NotFoundError) as raised:
        client.data.get("ds_missing")
    error = raised.value
    assert error.code == "INVALID_DATASET"
    assert error.status is grpc.StatusCode.NOT_FOUND
    assert error.details == {"parameter": "dataset_id", "value": "ds_missing"}
    assert error.request_id.startswith("req_")
    assert "ds_missing" in error.message
    assert error.retry_after is None
    assert error.request_id in str(error)


async def test_an_unknown_column_raises_invalid_request_naming_the_parameter(stack: Stack):
    with client_for(stack.grpc_target, await new_account(stack)) as client:
        dataset = client.data.upload(measurements(), name="errors")
        with pytest.raises(InvalidRequestError) as raised:
            client.analysis.descriptive(dataset_id=dataset.id, columns=["nope"])
    assert raised.value.code == "INVALID_PARAMETER"
    assert raised.value.status is grpc.StatusCode.INVALID_ARGUMENT
    assert raised.value.details["value"] == "nope"


async def test_details_keep_their_json_types(stack: Stack):
    """ErrorInfo metadata are strings; the SDK returns the details as sent."""
    account = await new_account(stack)
    with (
        client_for(stack.grpc_target, account) as client,
        pytest.raises(InvalidRequestError) as raised,
    ):
        client.auth.create_api_key("no scopes")
    assert isinstance(raised.value.details["valid_choices"], list)
    assert "data.read" in raised.value.details["valid_choices"]


async def test_a_bad_api_key_raises_authentication_error(stack: Stack):
    with (
        Client(api_key="ng_not-a-key", target=stack.grpc_target) as client,
        pytest.raises(AuthenticationError) as raised,
    ):
        client.data.list()
    assert raised.value.status is grpc.StatusCode.UNAUTHENTICATED
    assert raised.value.code in ("INVALID_TOKEN", "UNAUTHORIZED")


async def test_wrong_client_credentials_raise_authentication_error(stack: Stack):
    account = await new_account(stack)
    with (
        Client(client_id=account.client_id, client_secret="wrong", target=stack.grpc_target) as c,
        pytest.raises(AuthenticationError),
    ):
        c.devices.list()


async def test_the_free_tier_raises_permission_denied(stack: Stack):
    account = await new_account(stack, Tier.FREE)
    with (
        client_for(stack.grpc_target, account) as client,
        pytest.raises(PermissionDeniedError) as raised,
    ):
        client.data.list()
    assert raised.value.code == "INSUFFICIENT_PERMISSIONS"


async def test_a_key_without_the_scope_raises_permission_denied(stack: Stack):
    with client_for(stack.grpc_target, await new_account(stack)) as client:
        key = client.auth.create_api_key("read only", scopes=["data.read"])
    with Client(api_key=key.key, target=stack.grpc_target) as limited:
        assert limited.data.list() == []
        with pytest.raises(PermissionDeniedError):
            limited.devices.list()


async def test_a_second_session_on_a_recording_device_raises_conflict(stack: Stack):
    with client_for(stack.grpc_target, await new_account(stack)) as client:
        device = client.devices.list()[0]
        client.devices.connect(device.id)
        client.devices.start_stream(device.id)
        session = client.sessions.create(device_id=device.id)
        try:
            with pytest.raises(ConflictError) as raised:
                client.sessions.create(device_id=device.id)
        finally:
            client.sessions.stop(session.id)
            client.devices.stop_stream(device.id)
    assert raised.value.code == "DEVICE_BUSY"
    assert raised.value.status is grpc.StatusCode.ABORTED


async def test_a_call_longer_than_its_timeout_raises_deadline_exceeded(stack: Stack):
    account = await new_account(stack)
    with client_for(stack.grpc_target, account, timeout=0.001, max_retries=0) as hurried:
        started = time.monotonic()
        with pytest.raises(DeadlineExceededError) as raised:
            hurried.devices.list()
    assert raised.value.code == "DEADLINE_EXCEEDED"
    assert time.monotonic() - started < 5


def test_every_error_is_a_neurogate_error_and_an_exception():
    for cls in (NotFoundError, InvalidRequestError, AuthenticationError, ConflictError):
        assert issubclass(cls, NeuroGateError)
        assert issubclass(cls, Exception)
