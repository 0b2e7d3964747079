"""The webhook store on SQLite and PostgreSQL: webhooks within one account,
the outbox written per subscribed webhook, and claims that give each due row
to exactly one claimer, hold it for the lease, and record attempts only
while the lease is held."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlmodel import col

from neurogate.server.auth.accounts import AccountAdmin
from neurogate.server.auth.tiers import Tier
from neurogate.server.errors import InvalidParameter, WebhookNotFound
from neurogate.server.storage.models import Webhook, utc_now
from neurogate.server.webhooks.events import ANALYSIS_COMPLETE, SPC_OUT_OF_CONTROL
from neurogate.server.webhooks.sealing import PREFIX, SecretBox
from neurogate.server.webhooks.store import (
    DELIVERED,
    LEASE,
    PENDING,
    Outcome,
    WebhookStore,
)

URL = "https://receiver.example/hook"
SECRET = "k" * 32
WEBHOOK_KEY = "server-webhook-key-" + "w" * 32


@pytest.fixture
async def store(db) -> WebhookStore:
    return WebhookStore(db, SecretBox(WEBHOOK_KEY))


@pytest.fixture
async def account(db) -> str:
    return (await AccountAdmin(db).create_account("hooks", Tier.PRO)).account_id


async def test_webhooks_are_listed_newest_first_within_their_account(store, db, account):
    other = (await AccountAdmin(db).create_account("other", Tier.PRO)).account_id
    first = await store.create(account, URL, [ANALYSIS_COMPLETE], SECRET)
    second = await store.create(account, URL, [SPC_OUT_OF_CONTROL], SECRET)
    await store.create(other, URL, [ANALYSIS_COMPLETE], SECRET)

    listed = await store.list(account)

    assert [row.id for row in listed] == [second.id, first.id]
    assert listed[1].events == [ANALYSIS_COMPLETE]


async def test_another_accounts_webhook_is_not_found(store, db, account):
    other = (await AccountAdmin(db).create_account("other", Tier.PRO)).account_id
    theirs = await store.create(other, URL, [ANALYSIS_COMPLETE], SECRET)

    for call in (store.get, store.delete):
        with pytest.raises(WebhookNotFound):
            await call(account, theirs.id)
    with pytest.raises(WebhookNotFound):
        await store.deliveries(account, theirs.id, size=10, token="")
    assert [row.id for row in await store.list(other)] == [theirs.id]


async def test_an_empty_webhook_id_is_an_invalid_parameter(store, account):
    with pytest.raises(InvalidParameter):
        await store.delete(account, "")


async def test_enqueue_writes_one_row_per_subscribed_webhook(store, account):
    both = await store.create(account, URL, [ANALYSIS_COMPLETE, SPC_OUT_OF_CONTROL], SECRET)
    spc_only = await store.create(account, URL, [SPC_OUT_OF_CONTROL], SECRET)
    await store.create(account, URL, [ANALYSIS_COMPLETE], SECRET)

    ids = await store.enqueue(account, SPC_OUT_OF_CONTROL, {"event": SPC_OUT_OF_CONTROL})

    rows = [await store.delivery(delivery_id) for delivery_id in ids]
    assert sorted(row.webhook_id for row in rows) == sorted([both.id, spc_only.id])
    assert all(row.status == PENDING and row.attempts == 0 for row in rows)


async def test_deleting_a_webhook_deletes_its_deliveries(store, account):
    hook = await store.create(account, URL, [ANALYSIS_COMPLETE], SECRET)
    [delivery_id] = await store.enqueue(account, ANALYSIS_COMPLETE, {})

    await store.delete(account, hook.id)

    assert await store.delivery(delivery_id) is None


async def test_a_due_row_is_claimed_once_until_its_lease_expires(store, account):
    hook = await store.create(account, URL, [ANALYSIS_COMPLETE], SECRET)
    [delivery_id] = await store.enqueue(account, ANALYSIS_COMPLETE, {"n": 1})

    [claimed] = await store.claim_due(10)
    again = await store.claim_due(10)
    after_lease = await store.claim_due(10, now=utc_now() + LEASE + timedelta(seconds=1))

    assert (claimed.delivery_id, claimed.url, claimed.secret) == (delivery_id, URL, SECRET)
    assert claimed.webhook_id == hook.id and claimed.payload == {"n": 1}
    assert again == []
    assert [row.delivery_id for row in after_lease] == [delivery_id]
    assert after_lease[0].token != claimed.token


async def test_concurrent_claimers_never_share_a_row(store, db, account):
    await store.create(account, URL, [ANALYSIS_COMPLETE], SECRET)
    for n in range(30):
        await store.enqueue(account, ANALYSIS_COMPLETE, {"n": n})
    claimers = [WebhookStore(db, SecretBox(WEBHOOK_KEY)) for _ in range(4)]

    batches = await asyncio.gather(*(claimer.claim_due(10) for claimer in claimers))

    claimed = [row.delivery_id for batch in batches for row in batch]
    assert len(claimed) == len(set(claimed))
    # Rows lost in the race stay due for the next round.
    rest = await store.claim_due(30)
    assert len(set(claimed) | {row.delivery_id for row in rest}) == 30
    assert not set(claimed) & {row.delivery_id for row in rest}


async def test_a_failed_attempt_is_recorded_and_retried_when_due(store, account):
    await store.create(account, URL, [ANALYSIS_COMPLETE], SECRET)
    [delivery_id] = await store.enqueue(account, ANALYSIS_COMPLETE, {})
    [claimed] = await store.claim_due(1)
    retry_at = utc_now() + timedelta(minutes=5)

    assert await store.finish(claimed, Outcome(PENDING, 500, "HTTP 500", retry_at))

    row = await store.delivery(delivery_id)
    assert (row.status, row.attempts, row.last_status_code, row.last_error) == (
        PENDING,
        1,
        500,
        "HTTP 500",
    )
    assert row.claim_token is None and row.delivered_at is None
    assert await store.claim_due(1) == []
    [again] = await store.claim_due(1, now=retry_at + timedelta(seconds=1))
    assert again.attempts == 1


async def test_a_delivered_row_is_never_claimed_again(store, account):
    await store.create(account, URL, [ANALYSIS_COMPLETE], SECRET)
    [delivery_id] = await store.enqueue(account, ANALYSIS_COMPLETE, {})
    [claimed] = await store.claim_due(1)

    await store.finish(claimed, Outcome(DELIVERED, 204, ""))

    row = await store.delivery(delivery_id)
    assert (row.status, row.attempts, row.last_status_code) == (DELIVERED, 1, 204)
    assert row.delivered_at is not None
    assert await store.claim_due(1, now=utc_now() + timedelta(days=1)) == []


async def test_an_attempt_is_not_recorded_by_a_claimer_that_lost_its_lease(store, account):
    await store.create(account, URL, [ANALYSIS_COMPLETE], SECRET)
    [delivery_id] = await store.enqueue(account, ANALYSIS_COMPLETE, {})
    [stale] = await store.claim_due(1)
    [current] = await store.claim_due(1, now=utc_now() + LEASE + timedelta(seconds=1))

    assert not await store.finish(stale, Outcome(DELIVERED, 200, ""))
    assert await store.finish(current, Outcome(DELIVERED, 200, ""))
    assert (await store.delivery(delivery_id)).attempts == 1


async def test_a_released_row_can_be_claimed_at_once(store, account):
    await store.create(account, URL, [ANALYSIS_COMPLETE], SECRET)
    await store.enqueue(account, ANALYSIS_COMPLETE, {})
    [claimed] = await store.claim_due(1)

    await store.release(claimed)

    assert [row.delivery_id for row in await store.claim_due(1)] == [claimed.delivery_id]


async def test_deliveries_are_paged_newest_first(store, account):
    hook = await store.create(account, URL, [ANALYSIS_COMPLETE], SECRET)
    ids = [(await store.enqueue(account, ANALYSIS_COMPLETE, {"n": n}))[0] for n in range(3)]

    first = await store.deliveries(account, hook.id, size=2, token="")
    second = await store.deliveries(account, hook.id, size=2, token=first.next_page_token)

    assert [row.id for row in first.items + second.items] == ids[::-1]
    assert first.total == 3 and second.next_page_token == ""


async def test_the_secret_is_stored_sealed_and_claimed_open(store, db, account):
    webhook = await store.create(account, URL, [ANALYSIS_COMPLETE], SECRET)
    await store.enqueue(account, ANALYSIS_COMPLETE, {"ok": True})

    stored = await db.run(lambda session: session.get(Webhook, webhook.id).secret)
    [claimed] = await store.claim_due(limit=10)

    assert stored.startswith(PREFIX) and SECRET not in stored
    assert claimed.secret == SECRET


async def test_plain_secrets_of_an_older_database_are_sealed_once(store, db, account):
    webhook = await store.create(account, URL, [ANALYSIS_COMPLETE], SECRET)
    await db.run(
        lambda session: session.exec(
            update(Webhook).where(col(Webhook.id) == webhook.id).values(secret=SECRET)
        )
    )

    assert await store.seal_plain_secrets() == 1
    assert await store.seal_plain_secrets() == 0
    stored = await db.run(lambda session: session.get(Webhook, webhook.id).secret)
    assert SecretBox(WEBHOOK_KEY).open(stored) == SECRET
