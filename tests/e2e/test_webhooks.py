"""WebhookService end to end: webhooks created, listed and deleted over REST
through Envoy and over gRPC, private to their account, refusals in the
envelope; events published to the outbox reach a real local receiver signed
and verifiable, after a 500 twice, after the receiver comes back up, and
across a server restart, exactly once.

The module's stack allows private addresses (the receiver is on loopback) and
retries after 0.05 s; events are published as the server itself will, with
the dispatcher writing to the server's database, while the delivery loop of
the real server process sends them.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import grpc
import httpx
import pandas as pd
import pytest
import pytest_asyncio
from webhook_receiver import Receiver

from conftest import (
    Caller,
    NewCaller,
    Stack,
    assert_envelope,
    grpc_token,
    server_process,
    sklearn_frame,
    start_stack,
    stop_stack,
    upload_frame,
)
from neurogate.server.auth.tiers import Tier
from neurogate.server.storage.database import Database
from neurogate.server.storage.models import WebhookDelivery
from neurogate.server.webhooks.dispatcher import Dispatcher
from neurogate.server.webhooks.events import ANALYSIS_COMPLETE, EVENTS, SPC_OUT_OF_CONTROL
from neurogate.server.webhooks.sealing import SecretBox
from neurogate.server.webhooks.signing import verify
from neurogate.server.webhooks.store import WebhookStore
from neurogate.server.webhooks.urls import MAX_URL
from neurogate.v1 import webhook_pb2, webhook_pb2_grpc

FAST = {
    "NEUROGATE_WEBHOOK_ALLOW_PRIVATE": "true",
    "NEUROGATE_WEBHOOK_RETRY_BASE_SECONDS": "0.05",
    "NEUROGATE_WEBHOOK_POLL_SECONDS": "0.05",
}
DATA = {
    "analysis_id": "spc_42",
    "type": "control_chart",
    "status": "complete",
    "alerts": [{"type": "out_of_control", "point": 3, "value": 74.2, "rule": "nelson_1"}],
}

#: Publishing and reading deliveries from outside the server open no secret,
#: so the store here needs no access to the server's webhook key.
OUTSIDE_KEY = SecretBox("a-key-that-opens-nothing-here-" + "x" * 32)


@pytest_asyncio.fixture(scope="module")
async def stack(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    """This module's own stack: it allows the loopback receiver and retries fast."""
    running = await start_stack(tmp_path_factory.mktemp("webhooks") / "data", **FAST)
    yield running
    await stop_stack(running)


@pytest_asyncio.fixture
async def receiver() -> AsyncIterator[Receiver]:
    async with Receiver() as running:
        yield running


async def publish(db: Database, account_id: str, event: str, data: dict) -> list[str]:
    """Publishes as the server's own code does (the server delivers)."""
    return await Dispatcher(WebhookStore(db, OUTSIDE_KEY)).publish(account_id, event, data)


async def settled(
    db: Database, delivery_id: str, done: Callable[[WebhookDelivery], bool]
) -> WebhookDelivery:
    """The delivery's row once ``done`` holds for it (polled; 20 s at most)."""
    store = WebhookStore(db, OUTSIDE_KEY)
    deadline = time.monotonic() + 20
    while True:
        row = await store.delivery(delivery_id)
        if row is not None and done(row):
            return row
        assert time.monotonic() < deadline, f"delivery never settled: {row}"
        await asyncio.sleep(0.05)


async def create(rest: httpx.AsyncClient, caller: Caller, **body) -> httpx.Response:
    return await rest.post("/v1/webhooks", headers=caller.headers, json=body)


async def grpc_refusal(call) -> tuple[grpc.StatusCode, dict]:
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await call
    error = json.loads(dict(raised.value.trailing_metadata())["x-neurogate-error"])["error"]
    return raised.value.code(), error


# ---------------------------------------------------------------- the resource


async def test_webhooks_are_created_listed_and_deleted_over_rest(
    new_caller: NewCaller, rest: httpx.AsyncClient
):
    caller = await new_caller()

    created = await create(rest, caller, url="http://127.0.0.1:9/neurogate", events=list(EVENTS))
    assert created.status_code == 200, created.text
    hook = created.json()
    listed = await rest.get("/v1/webhooks", headers=caller.headers)
    deleted = await rest.delete(f"/v1/webhooks/{hook['webhook_id']}", headers=caller.headers)
    after = await rest.get("/v1/webhooks", headers=caller.headers)
    again = await rest.delete(f"/v1/webhooks/{hook['webhook_id']}", headers=caller.headers)

    assert hook["webhook_id"].startswith("wh_")
    assert hook["url"] == "http://127.0.0.1:9/neurogate"
    assert hook["events"] == list(EVENTS)
    assert hook["secret"].startswith("whsec_")
    assert hook["created_at"].endswith("Z")
    assert listed.json()["webhooks"] == [
        {key: hook[key] for key in ("webhook_id", "url", "events", "created_at")}
    ]
    assert deleted.json() == {"webhook_id": hook["webhook_id"]}
    assert after.json().get("webhooks", []) == []
    assert_envelope(again, 404, "WEBHOOK_NOT_FOUND")


async def test_webhooks_are_created_listed_and_deleted_over_grpc(
    stack: Stack, new_caller: NewCaller
):
    caller = await new_caller()
    stub = webhook_pb2_grpc.WebhookServiceStub(stack.channel())

    created = await stub.CreateWebhook(
        webhook_pb2.CreateWebhookRequest(
            url="http://127.0.0.1:9/x",
            events=[SPC_OUT_OF_CONTROL],
            secret="my-own-secret-of-32-characters!!",
        ),
        metadata=caller.metadata,
    )
    listed = await stub.ListWebhooks(webhook_pb2.ListWebhooksRequest(), metadata=caller.metadata)
    await stub.DeleteWebhook(
        webhook_pb2.DeleteWebhookRequest(webhook_id=created.webhook_id), metadata=caller.metadata
    )
    after = await stub.ListWebhooks(webhook_pb2.ListWebhooksRequest(), metadata=caller.metadata)
    code, error = await grpc_refusal(
        stub.ListWebhookDeliveries(
            webhook_pb2.ListWebhookDeliveriesRequest(webhook_id=created.webhook_id),
            metadata=caller.metadata,
        )
    )

    assert created.secret == "my-own-secret-of-32-characters!!"
    assert [w.webhook_id for w in listed.webhooks] == [created.webhook_id]
    assert list(listed.webhooks[0].events) == [SPC_OUT_OF_CONTROL]
    assert list(after.webhooks) == []
    assert code is grpc.StatusCode.NOT_FOUND
    assert error["code"] == "WEBHOOK_NOT_FOUND"


async def test_another_accounts_webhook_is_not_found(
    new_caller: NewCaller, rest: httpx.AsyncClient
):
    owner, stranger = await new_caller(), await new_caller()
    hook = await create(rest, owner, url="http://127.0.0.1:9/", events=[ANALYSIS_COMPLETE])
    webhook_id = hook.json()["webhook_id"]

    deleted = await rest.delete(f"/v1/webhooks/{webhook_id}", headers=stranger.headers)
    log = await rest.get(f"/v1/webhooks/{webhook_id}/deliveries", headers=stranger.headers)
    listed = await rest.get("/v1/webhooks", headers=stranger.headers)

    assert assert_envelope(deleted, 404, "WEBHOOK_NOT_FOUND")["details"]["value"] == webhook_id
    assert_envelope(log, 404, "WEBHOOK_NOT_FOUND")
    assert listed.json().get("webhooks", []) == []
    assert len((await rest.get("/v1/webhooks", headers=owner.headers)).json()["webhooks"]) == 1


@pytest.mark.parametrize(
    ("body", "parameter", "words"),
    [
        ({"url": "ftp://h.example.com/", "events": [ANALYSIS_COMPLETE]}, "url", "scheme"),
        ({"url": "h.example.com/hook", "events": [ANALYSIS_COMPLETE]}, "url", "scheme"),
        ({"url": "", "events": [ANALYSIS_COMPLETE]}, "url", "required"),
        (
            {"url": "https://h.example.com/" + "a" * MAX_URL, "events": [ANALYSIS_COMPLETE]},
            "url",
            "longer",
        ),
        ({"url": "https://h.example.com/", "events": []}, "events", "empty"),
        ({"url": "https://h.example.com/", "events": ["analysis.done"]}, "events", "unknown"),
        (
            {"url": "https://h.example.com/", "events": [ANALYSIS_COMPLETE], "secret": "short"},
            "secret",
            "characters",
        ),
    ],
    ids=["scheme", "no-scheme", "no-url", "long-url", "no-events", "unknown-event", "secret"],
)
async def test_bad_webhooks_are_refused_in_the_envelope(
    new_caller: NewCaller, rest: httpx.AsyncClient, body, parameter, words
):
    caller = await new_caller()

    error = assert_envelope(await create(rest, caller, **body), 400, "INVALID_PARAMETER")

    assert error["details"]["parameter"] == parameter
    assert words in error["message"]
    if body["events"] == ["analysis.done"]:
        assert error["details"]["valid_choices"] == list(EVENTS)
    assert (await rest.get("/v1/webhooks", headers=caller.headers)).json().get("webhooks", []) == []


async def test_private_urls_are_refused_unless_the_operator_allows_them(tmp_path: Path):
    async with server_process(tmp_path / "data") as server:
        account = await server.accounts.create_account("strict", Tier.PRO)
        async with grpc.aio.insecure_channel(server.settings.grpc_target) as channel:
            metadata = (("authorization", f"Bearer {await grpc_token(channel, account)}"),)
            stub = webhook_pb2_grpc.WebhookServiceStub(channel)
            refusals = [
                await grpc_refusal(
                    stub.CreateWebhook(
                        webhook_pb2.CreateWebhookRequest(url=url, events=[ANALYSIS_COMPLETE]),
                        metadata=metadata,
                    )
                )
                for url in (
                    "http://127.0.0.1:8080/hook",
                    "http://localhost/hook",
                    "http://169.254.169.254/latest/meta-data",
                    "http://[::1]/hook",
                    "http://10.0.0.1/hook",
                )
            ]

    for code, error in refusals:
        assert code is grpc.StatusCode.INVALID_ARGUMENT
        assert error["code"] == "INVALID_PARAMETER"
        assert error["details"]["parameter"] == "url"
        assert "not a public address" in error["message"]
        assert "NEUROGATE_WEBHOOK_ALLOW_PRIVATE" in error["details"]["suggestion"]


# ---------------------------------------------------------------- deliveries


async def test_a_published_event_arrives_signed_and_verifiable(
    stack: Stack, new_caller: NewCaller, rest: httpx.AsyncClient, receiver: Receiver
):
    caller = await new_caller()
    hook = (await create(rest, caller, url=receiver.url, events=[SPC_OUT_OF_CONTROL])).json()

    [delivery_id] = await publish(stack.db, caller.account_id, SPC_OUT_OF_CONTROL, DATA)
    [request] = await receiver.wait_for(1)
    await settled(stack.db, delivery_id, lambda row: row.status == "delivered")
    log = await rest.get(f"/v1/webhooks/{hook['webhook_id']}/deliveries", headers=caller.headers)

    signature = request.headers["x-neurogate-signature"]
    assert verify(hook["secret"], signature, request.body)
    assert not verify(hook["secret"], signature, request.body.replace(b"74.2", b"74.3"))
    assert request.headers["x-neurogate-event"] == SPC_OUT_OF_CONTROL
    assert request.headers["x-neurogate-delivery"] == delivery_id
    sent = json.loads(request.body)
    assert (sent["event"], sent["data"]) == (SPC_OUT_OF_CONTROL, DATA)
    [entry] = log.json()["deliveries"]
    assert entry["delivery_id"] == delivery_id
    assert (entry["event"], entry["status"], entry["attempts"]) == (
        SPC_OUT_OF_CONTROL,
        "delivered",
        1,
    )
    assert entry["last_status_code"] == 200
    assert entry["delivered_at"] >= entry["created_at"]


async def test_a_receiver_answering_500_twice_gets_it_on_attempt_three(
    stack: Stack, new_caller: NewCaller, rest: httpx.AsyncClient, receiver: Receiver
):
    caller = await new_caller()
    hook = (await create(rest, caller, url=receiver.url, events=[ANALYSIS_COMPLETE])).json()
    receiver.statuses = [500, 500]

    [delivery_id] = await publish(stack.db, caller.account_id, ANALYSIS_COMPLETE, DATA)
    requests = await receiver.wait_for(3)
    await settled(stack.db, delivery_id, lambda row: row.status == "delivered")
    stub = webhook_pb2_grpc.WebhookServiceStub(stack.channel())
    log = await stub.ListWebhookDeliveries(
        webhook_pb2.ListWebhookDeliveriesRequest(webhook_id=hook["webhook_id"]),
        metadata=caller.metadata,
    )

    assert [r.headers["x-neurogate-delivery"] for r in requests] == [delivery_id] * 3
    assert all(verify(hook["secret"], r.headers["x-neurogate-signature"], r.body) for r in requests)
    [entry] = log.deliveries
    assert (entry.status, entry.attempts, entry.last_status_code, entry.last_error) == (
        "delivered",
        3,
        200,
        "",
    )


async def test_a_receiver_that_is_down_loses_nothing(
    stack: Stack, new_caller: NewCaller, rest: httpx.AsyncClient
):
    caller = await new_caller()
    receiver = Receiver()
    hook = (await create(rest, caller, url=receiver.url, events=[ANALYSIS_COMPLETE])).json()

    [delivery_id] = await publish(stack.db, caller.account_id, ANALYSIS_COMPLETE, DATA)
    down = await settled(stack.db, delivery_id, lambda row: row.attempts >= 2)
    log_down = await rest.get(
        f"/v1/webhooks/{hook['webhook_id']}/deliveries", headers=caller.headers
    )
    async with receiver:
        [request] = await receiver.wait_for(1)
        up = await settled(stack.db, delivery_id, lambda row: row.status == "delivered")

    assert down.status == "pending"
    [entry] = log_down.json()["deliveries"]
    assert entry["status"] == "pending" and entry["attempts"] >= 2
    assert "ConnectError" in entry["last_error"]
    assert entry.get("last_status_code", 0) == 0
    assert request.headers["x-neurogate-delivery"] == delivery_id
    assert up.attempts > down.attempts


async def test_a_pending_delivery_survives_a_restart_and_arrives_once(tmp_path: Path):
    receiver = Receiver()
    async with server_process(tmp_path / "data", **FAST) as server:
        account = await server.accounts.create_account("restart", Tier.PRO)
        async with grpc.aio.insecure_channel(server.settings.grpc_target) as channel:
            metadata = (("authorization", f"Bearer {await grpc_token(channel, account)}"),)
            await webhook_pb2_grpc.WebhookServiceStub(channel).CreateWebhook(
                webhook_pb2.CreateWebhookRequest(url=receiver.url, events=[ANALYSIS_COMPLETE]),
                metadata=metadata,
            )
        db = Database(server.settings.resolved_database_url)
        try:
            [delivery_id] = await publish(db, account.account_id, ANALYSIS_COMPLETE, DATA)
            before = await settled(db, delivery_id, lambda row: row.attempts >= 1)
        finally:
            await db.close()

    async with receiver, server_process(tmp_path / "data", **FAST) as server:
        [request] = await receiver.wait_for(1)
        db = Database(server.settings.resolved_database_url)
        try:
            after = await settled(db, delivery_id, lambda row: row.status == "delivered")
        finally:
            await db.close()

    assert before.status == "pending"
    assert request.headers["x-neurogate-delivery"] == delivery_id
    assert json.loads(request.body)["data"] == DATA
    assert after.attempts > before.attempts
    assert len(receiver.requests) == 1


# ---------------------------------------------------------------- control charts


async def test_a_control_chart_with_violations_fires_both_events(
    stack: Stack, new_caller: NewCaller, rest: httpx.AsyncClient, receiver: Receiver
):
    caller = await new_caller()
    hook = (await create(rest, caller, url=receiver.url, events=list(EVENTS))).json()
    weights = pd.DataFrame({"weight": [10.0, 10.2, 9.9, 10.1, 9.8, 10.0, 14.0, 10.1, 9.9, 10.0]})
    dataset_id = await upload_frame(rest, caller, weights, "fill weights")

    chart = await rest.post(
        "/v1/spc/control-chart",
        headers=caller.headers,
        json={"dataset_id": dataset_id, "column": "weight", "chart_type": "i_mr"},
    )
    received = await receiver.wait_for(2)

    assert chart.status_code == 200, chart.text
    events = {request.headers["x-neurogate-event"]: request for request in received}
    assert set(events) == {ANALYSIS_COMPLETE, SPC_OUT_OF_CONTROL}
    for request in received:
        assert verify(hook["secret"], request.headers["x-neurogate-signature"], request.body)
        data = json.loads(request.body)["data"]
        assert (data["analysis_id"], data["type"], data["status"]) == (
            chart.json()["chart_id"],
            "control_chart",
            "complete",
        )
        assert data["alerts"] == [
            {"type": "out_of_control", "point": v["point"], "value": v["value"], "rule": v["rule"]}
            for v in chart.json()["violations"]
        ]
        assert {"point": 7, "value": 14.0, "rule": "nelson_1"}.items() <= data["alerts"][0].items()


async def test_a_control_chart_in_control_fires_only_analysis_complete(
    stack: Stack, new_caller: NewCaller, rest: httpx.AsyncClient, receiver: Receiver
):
    caller = await new_caller()
    hook = (await create(rest, caller, url=receiver.url, events=list(EVENTS))).json()
    steady = pd.DataFrame({"weight": [10.0, 10.2, 9.9, 10.1, 9.8, 10.0, 10.1, 9.9]})
    dataset_id = await upload_frame(rest, caller, steady, "steady weights")

    chart = await rest.post(
        "/v1/spc/control-chart",
        headers=caller.headers,
        json={"dataset_id": dataset_id, "column": "weight", "chart_type": "i_mr"},
    )
    [request] = await receiver.wait_for(1)
    # Events are queued before the chart is answered: the log is complete.
    log = await rest.get(f"/v1/webhooks/{hook['webhook_id']}/deliveries", headers=caller.headers)

    assert chart.status_code == 200, chart.text
    assert chart.json()["violations"] == []
    assert [entry["event"] for entry in log.json()["deliveries"]] == [ANALYSIS_COMPLETE]
    assert request.headers["x-neurogate-event"] == ANALYSIS_COMPLETE
    assert json.loads(request.body)["data"]["alerts"] == []


async def test_a_finished_training_fires_analysis_complete(
    stack: Stack, new_caller: NewCaller, rest: httpx.AsyncClient, receiver: Receiver
):
    caller = await new_caller()
    await create(rest, caller, url=receiver.url, events=[ANALYSIS_COMPLETE])
    dataset_id = await upload_frame(rest, caller, sklearn_frame("iris"), "iris")

    trained = await rest.post(
        "/v1/ml/train",
        headers=caller.headers,
        json={"dataset_id": dataset_id, "target": "target", "model_type": "knn"},
    )
    [request] = await receiver.wait_for(1)

    assert trained.status_code == 200, trained.text
    assert json.loads(request.body)["data"] == {
        "analysis_id": trained.json()["model_id"],
        "type": "model_training",
        "status": "complete",
        "alerts": [],
        "model_type": "knn",
        "kind": "tabular",
    }
