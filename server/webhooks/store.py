"""Webhooks and their deliveries in the database, always within one account.

The deliveries table is an outbox: publishing an event writes one row per
subscribed webhook (:meth:`WebhookStore.enqueue`, one transaction), and the
delivery loop works through the rows (:mod:`.dispatcher`). Because the rows
are committed before anything is sent, a delivery survives a restart, and a
receiver that is down only delays it.

Claiming. Several replicas may run the loop on one database; a row is sent by
the replica that holds its lease. :meth:`WebhookStore.claim_due` picks due
rows and leases them with one conditional UPDATE::

    UPDATE webhook_deliveries SET claim_token = :mine, claimed_until = :now + lease
    WHERE id IN (:candidates) AND status = 'pending' AND next_attempt_at <= :now
      AND (claimed_until IS NULL OR claimed_until <= :now)

then reads back the rows carrying its token. The UPDATE is atomic on both
backends: SQLite runs one writer at a time, and PostgreSQL re-checks the WHERE
clause on a row another transaction updated meanwhile (READ COMMITTED), so of
two replicas racing for a row exactly one updates it. The outcome of an
attempt is written only while the token still matches (:meth:`finish`). A
replica that dies mid-delivery leaves its lease to expire (:data:`LEASE`,
longer than an attempt can take), after which another replica retries:
delivery is at least once, which is why receivers dedupe by delivery id.

Secrets are stored sealed (:mod:`.sealing`) and opened when a delivery is
claimed; a secret that does not open is claimed as None, and the dispatcher
records the failed attempt with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, or_, update
from sqlmodel import Session, col, select

from neurogate.server.errors import WebhookNotFound, not_found
from neurogate.server.ids import new_id
from neurogate.server.storage.database import Database
from neurogate.server.storage.models import Webhook, WebhookDelivery, utc_now
from neurogate.server.storage.paging import Page, newest_first
from neurogate.server.webhooks.sealing import PREFIX, SecretBox, SecretUnreadable

#: How long a claimed row is reserved for the replica that claimed it.
LEASE = timedelta(seconds=60)
#: Longest error text kept for an attempt.
MAX_ERROR = 500

PENDING = "pending"
DELIVERED = "delivered"
FAILED = "failed"


@dataclass(frozen=True)
class Claimed:
    """A leased delivery with what sending it takes."""

    delivery_id: str
    webhook_id: str
    url: str
    #: The opened secret; None when this server's key does not open it.
    secret: str | None
    event: str
    payload: dict[str, Any]
    #: Attempts made before this one.
    attempts: int
    token: str


@dataclass(frozen=True)
class Outcome:
    """What one attempt came to."""

    status: str
    status_code: int | None
    error: str
    #: When to try again (pending only).
    next_attempt_at: datetime | None = None


class WebhookStore:
    def __init__(self, db: Database, box: SecretBox) -> None:
        self._db = db
        self._box = box

    # ------------------------------------------------------------ webhooks

    async def create(self, account_id: str, url: str, events: list[str], secret: str) -> Webhook:
        """A new webhook; ``secret`` is stored sealed."""
        sealed = self._box.seal(secret)
        row = Webhook(id=new_id("wh"), account_id=account_id, url=url, events=events, secret=sealed)
        await self._db.run(lambda session: session.add(row))
        return row

    async def seal_plain_secrets(self) -> int:
        """Seals the secrets stored before sealing existed; how many there were."""

        def work(session: Session) -> int:
            # Only the rows still in plain text leave the database: after the
            # first start with sealing, none.
            unsealed = ~col(Webhook.secret).startswith(PREFIX, autoescape=True)
            plain = session.exec(select(Webhook.id, Webhook.secret).where(unsealed)).all()
            for webhook_id, secret in plain:
                session.exec(
                    update(Webhook)
                    .where(col(Webhook.id) == webhook_id, col(Webhook.secret) == secret)
                    .values(secret=self._box.seal(secret))
                )
            return len(plain)

        return await self._db.run(work)

    def _open(self, stored: str) -> str | None:
        try:
            return self._box.open(stored)
        except SecretUnreadable:
            return None

    async def get(self, account_id: str, webhook_id: str) -> Webhook:
        row = await self._db.run(lambda session: session.get(Webhook, webhook_id))
        if row is None or row.account_id != account_id:
            raise not_found(WebhookNotFound, "webhook", webhook_id)
        return row

    async def list(self, account_id: str) -> list[Webhook]:
        """The account's webhooks, newest first."""
        query = (
            select(Webhook)
            .where(Webhook.account_id == account_id)
            .order_by(col(Webhook.created_at).desc(), col(Webhook.id).desc())
        )
        return await self._db.run(lambda session: list(session.exec(query).all()))

    async def delete(self, account_id: str, webhook_id: str) -> None:
        """Deletes the webhook and, with it, its deliveries, sent or not."""
        statement = delete(Webhook).where(
            col(Webhook.id) == webhook_id, col(Webhook.account_id) == account_id
        )
        deleted = await self._db.run(lambda session: session.exec(statement).rowcount)
        if deleted == 0:
            raise not_found(WebhookNotFound, "webhook", webhook_id)

    async def deliveries(
        self, account_id: str, webhook_id: str, *, size: int, token: str
    ) -> Page[WebhookDelivery]:
        """A webhook's deliveries, newest first, ``size`` at a time."""
        await self.get(account_id, webhook_id)
        return await newest_first(
            self._db,
            WebhookDelivery,
            [WebhookDelivery.webhook_id == webhook_id, WebhookDelivery.account_id == account_id],
            size=size,
            token=token,
            scope=f"{account_id}/{webhook_id}",
        )

    # ------------------------------------------------------------ the outbox

    async def enqueue(self, account_id: str, event: str, payload: dict[str, Any]) -> list[str]:
        """One pending delivery of ``payload`` per webhook of the account that
        subscribes to ``event``, in one transaction; their ids."""
        query = select(Webhook).where(Webhook.account_id == account_id)

        def work(session: Session) -> list[str]:
            now = utc_now()
            rows = [
                WebhookDelivery(
                    id=new_id("whd"),
                    webhook_id=webhook.id,
                    account_id=account_id,
                    event=event,
                    payload=payload,
                    next_attempt_at=now,
                    created_at=now,
                )
                for webhook in session.exec(query).all()
                if event in webhook.events
            ]
            session.add_all(rows)
            return [row.id for row in rows]

        return await self._db.run(work)

    async def claim_due(self, limit: int, *, now: datetime | None = None) -> list[Claimed]:
        """Leases up to ``limit`` due pending deliveries (see the module
        docstring); those this caller won."""
        now = now or utc_now()
        token = new_id("clm")
        due = [
            col(WebhookDelivery.status) == PENDING,
            col(WebhookDelivery.next_attempt_at) <= now,
            or_(
                col(WebhookDelivery.claimed_until).is_(None),
                col(WebhookDelivery.claimed_until) <= now,
            ),
        ]
        candidates = (
            select(WebhookDelivery.id)
            .where(*due)
            .order_by(col(WebhookDelivery.next_attempt_at))
            .limit(limit)
        )

        def work(session: Session) -> list[Claimed]:
            ids = list(session.exec(candidates).all())
            if not ids:
                return []
            session.exec(
                update(WebhookDelivery)
                .where(col(WebhookDelivery.id).in_(ids), *due)
                .values(claim_token=token, claimed_until=now + LEASE)
            )
            won = session.exec(
                select(WebhookDelivery, Webhook)
                .join(Webhook, col(Webhook.id) == col(WebhookDelivery.webhook_id))
                .where(col(WebhookDelivery.claim_token) == token)
                .order_by(col(WebhookDelivery.next_attempt_at))
            ).all()
            return [
                Claimed(
                    delivery_id=delivery.id,
                    webhook_id=webhook.id,
                    url=webhook.url,
                    secret=self._open(webhook.secret),
                    event=delivery.event,
                    payload=delivery.payload,
                    attempts=delivery.attempts,
                    token=token,
                )
                for delivery, webhook in won
            ]

        return await self._db.run(work)

    async def finish(self, claimed: Claimed, outcome: Outcome) -> bool:
        """Records one attempt's outcome and releases the lease; False when
        the lease was lost (expired and taken, or the webhook deleted)."""
        now = utc_now()
        statement = (
            update(WebhookDelivery)
            .where(
                col(WebhookDelivery.id) == claimed.delivery_id,
                col(WebhookDelivery.claim_token) == claimed.token,
            )
            .values(
                status=outcome.status,
                attempts=claimed.attempts + 1,
                last_status_code=outcome.status_code,
                last_error=outcome.error[:MAX_ERROR],
                next_attempt_at=outcome.next_attempt_at or now,
                delivered_at=now if outcome.status == DELIVERED else None,
                claim_token=None,
                claimed_until=None,
            )
        )
        return await self._db.run(lambda session: session.exec(statement).rowcount == 1)

    async def release(self, claimed: Claimed) -> None:
        """Gives a claimed row back untried (the server is stopping)."""
        statement = (
            update(WebhookDelivery)
            .where(
                col(WebhookDelivery.id) == claimed.delivery_id,
                col(WebhookDelivery.claim_token) == claimed.token,
            )
            .values(claim_token=None, claimed_until=None)
        )
        await self._db.run(lambda session: session.exec(statement))

    async def delivery(self, delivery_id: str) -> WebhookDelivery | None:
        return await self._db.run(lambda session: session.get(WebhookDelivery, delivery_id))
