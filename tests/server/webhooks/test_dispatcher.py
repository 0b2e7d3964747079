"""Delivery, in process, against a real local receiver: signed bodies of the
documented shape, retries after failures until a 2xx, failure after the last
attempt, redirects not followed, private addresses refused at delivery time."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from webhook_receiver import HANG, Receiver

from neurogate.server.auth.accounts import AccountAdmin
from neurogate.server.auth.tiers import Tier
from neurogate.server.errors import InvalidParameter
from neurogate.server.storage.database import Database
from neurogate.server.storage.models import WebhookDelivery
from neurogate.server.webhooks.dispatcher import Dispatcher
from neurogate.server.webhooks.events import ANALYSIS_COMPLETE, SPC_OUT_OF_CONTROL
from neurogate.server.webhooks.retry import RetryPolicy
from neurogate.server.webhooks.sealing import SecretBox
from neurogate.server.webhooks.signing import verify
from neurogate.server.webhooks.store import DELIVERED, FAILED, PENDING, WebhookStore

SECRET = "receiver-secret-" + "x" * 16
WEBHOOK_KEY = "server-webhook-key-" + "w" * 32
DATA = {
    "analysis_id": "spc_1",
    "type": "control_chart",
    "status": "complete",
    "alerts": [{"type": "out_of_control", "point": 7, "value": 12.5, "rule": "nelson_1"}],
}


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[Database]:
    db = Database(f"sqlite:///{tmp_path / 'hooks.db'}")
    await db.migrate()
    yield db
    await db.close()


@pytest.fixture
async def account(database) -> str:
    return (await AccountAdmin(database).create_account("hooks", Tier.PRO)).account_id


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    async with Receiver() as running:
        yield running


def dispatcher(db: Database, *, allow_private: bool = True, attempts: int = 8) -> Dispatcher:
    return Dispatcher(
        WebhookStore(db, SecretBox(WEBHOOK_KEY)),
        allow_private=allow_private,
        retry=RetryPolicy(base_seconds=0.02, max_attempts=attempts),
        poll_seconds=0.02,
        timeout_seconds=0.5,
    )


@pytest.fixture
async def running(database) -> AsyncIterator[Dispatcher]:
    started = dispatcher(database)
    started.start()
    yield started
    await started.close()


async def settled(
    store: WebhookStore, delivery_id: str, done: Callable[[WebhookDelivery], bool]
) -> WebhookDelivery:
    """The delivery's row once ``done`` holds for it (polled; 10 s at most)."""
    deadline = time.monotonic() + 10
    while True:
        row = await store.delivery(delivery_id)
        if row is not None and done(row):
            return row
        assert time.monotonic() < deadline, f"delivery never settled: {row}"
        await asyncio.sleep(0.02)


async def test_a_published_event_arrives_signed_in_the_documented_shape(
    database, account, receiver, running
):
    store = WebhookStore(database, SecretBox(WEBHOOK_KEY))
    await store.create(account, receiver.url, [SPC_OUT_OF_CONTROL], SECRET)

    [delivery_id] = await running.publish(account, SPC_OUT_OF_CONTROL, DATA)
    [request] = await receiver.wait_for(1)

    body = json.loads(request.body)
    assert (request.method, request.path) == ("POST", "/hook")
    assert request.headers["content-type"] == "application/json"
    assert request.headers["x-neurogate-event"] == SPC_OUT_OF_CONTROL
    assert request.headers["x-neurogate-delivery"] == delivery_id
    assert verify(SECRET, request.headers["x-neurogate-signature"], request.body)
    assert not verify("another" + SECRET, request.headers["x-neurogate-signature"], request.body)
    assert set(body) == {"event", "timestamp", "data"}
    assert body["event"] == SPC_OUT_OF_CONTROL and body["data"] == DATA
    assert body["timestamp"].endswith("Z")
    row = await settled(store, delivery_id, lambda row: row.status != PENDING)
    assert (row.status, row.attempts, row.last_status_code) == (DELIVERED, 1, 200)


async def test_publishing_reaches_only_subscribed_webhooks(database, account, receiver, running):
    store = WebhookStore(database, SecretBox(WEBHOOK_KEY))
    await store.create(account, receiver.url, [ANALYSIS_COMPLETE], SECRET)

    assert await running.publish(account, SPC_OUT_OF_CONTROL, DATA) == []


async def test_publishing_an_unknown_event_or_non_json_data_is_refused(account, running):
    with pytest.raises(InvalidParameter):
        await running.publish(account, "analysis.done", DATA)
    with pytest.raises(ValueError, match="JSON"):
        await running.publish(account, ANALYSIS_COMPLETE, {"value": float("nan")})


async def test_a_receiver_answering_500_twice_gets_it_on_the_third_attempt(
    database, account, receiver, running
):
    store = WebhookStore(database, SecretBox(WEBHOOK_KEY))
    await store.create(account, receiver.url, [ANALYSIS_COMPLETE], SECRET)
    receiver.statuses = [500, 500]

    [delivery_id] = await running.publish(account, ANALYSIS_COMPLETE, DATA)
    requests = await receiver.wait_for(3)

    row = await settled(store, delivery_id, lambda row: row.status != PENDING)
    assert (row.status, row.attempts, row.last_status_code, row.last_error) == (
        DELIVERED,
        3,
        200,
        "",
    )
    assert {r.headers["x-neurogate-delivery"] for r in requests} == {delivery_id}
    assert len({r.body for r in requests}) == 1
    assert all(verify(SECRET, r.headers["x-neurogate-signature"], r.body) for r in requests)


async def test_a_delivery_fails_after_its_last_attempt(database, account, receiver):
    store = WebhookStore(database, SecretBox(WEBHOOK_KEY))
    await store.create(account, receiver.url, [ANALYSIS_COMPLETE], SECRET)
    receiver.statuses = [503, 503, 503]
    sender = dispatcher(database, attempts=2)
    sender.start()
    try:
        [delivery_id] = await sender.publish(account, ANALYSIS_COMPLETE, DATA)
        row = await settled(store, delivery_id, lambda row: row.status != PENDING)
    finally:
        await sender.close()

    assert (row.status, row.attempts, row.last_status_code, row.last_error) == (
        FAILED,
        2,
        503,
        "HTTP 503",
    )
    assert len(receiver.requests) == 2


async def test_redirects_are_not_followed(database, account, receiver, running):
    store = WebhookStore(database, SecretBox(WEBHOOK_KEY))
    await store.create(account, receiver.url, [ANALYSIS_COMPLETE], SECRET)
    receiver.statuses = [302] * 100

    [delivery_id] = await running.publish(account, ANALYSIS_COMPLETE, DATA)

    row = await settled(store, delivery_id, lambda row: row.attempts >= 1)
    assert row.last_status_code == 302
    assert "redirects are not followed" in row.last_error


async def test_a_receiver_that_is_down_gets_the_delivery_when_it_comes_up(
    database, account, running
):
    store = WebhookStore(database, SecretBox(WEBHOOK_KEY))
    receiver = Receiver()
    await store.create(account, receiver.url, [ANALYSIS_COMPLETE], SECRET)

    [delivery_id] = await running.publish(account, ANALYSIS_COMPLETE, DATA)
    down = await settled(store, delivery_id, lambda row: row.attempts >= 2)
    async with receiver:
        [request] = await receiver.wait_for(1)
        row = await settled(store, delivery_id, lambda row: row.status == DELIVERED)

    assert down.status == PENDING and down.last_status_code is None
    assert "ConnectError" in down.last_error
    assert request.headers["x-neurogate-delivery"] == delivery_id
    assert row.attempts > down.attempts


async def test_private_addresses_are_refused_at_delivery_time(database, account, receiver):
    store = WebhookStore(database, SecretBox(WEBHOOK_KEY))
    # As if the host had resolved to a public address when it was created.
    await store.create(account, receiver.url, [ANALYSIS_COMPLETE], SECRET)
    sender = dispatcher(database, allow_private=False)
    sender.start()
    try:
        [delivery_id] = await sender.publish(account, ANALYSIS_COMPLETE, DATA)
        row = await settled(store, delivery_id, lambda row: row.attempts >= 1)
    finally:
        await sender.close()

    assert row.status == PENDING and row.last_status_code is None
    assert row.last_error.startswith("refused: 127.0.0.1 resolves to 127.0.0.1")
    assert receiver.requests == []


async def test_a_receiver_that_does_not_answer_in_time_fails_the_attempt(
    database, account, receiver
):
    store = WebhookStore(database, SecretBox(WEBHOOK_KEY))
    await store.create(account, receiver.url, [ANALYSIS_COMPLETE], SECRET)
    receiver.statuses = [HANG]
    sender = dispatcher(database, attempts=1)
    sender.start()
    try:
        [delivery_id] = await sender.publish(account, ANALYSIS_COMPLETE, DATA)
        row = await settled(store, delivery_id, lambda row: row.status != PENDING)
    finally:
        await sender.close()

    assert (row.status, row.attempts, row.last_status_code) == (FAILED, 1, None)
    assert row.last_error == "no answer within 0.5 s"
    assert len(receiver.requests) == 1


async def test_a_secret_the_servers_key_does_not_open_fails_the_attempt_with_the_reason(
    database, account, receiver, running
):
    written = WebhookStore(database, SecretBox("an-earlier-webhook-key-" + "e" * 32))
    await written.create(account, receiver.url, [ANALYSIS_COMPLETE], SECRET)

    [delivery_id] = await running.publish(account, ANALYSIS_COMPLETE, DATA)
    store = WebhookStore(database, SecretBox(WEBHOOK_KEY))
    row = await settled(store, delivery_id, lambda row: row.attempts >= 1)

    assert "NEUROGATE_WEBHOOK_KEY" in row.last_error
    assert row.last_status_code is None
    assert receiver.requests == []  # nothing goes out unsigned
