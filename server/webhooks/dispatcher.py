"""Publishing events and delivering them.

:meth:`Dispatcher.publish` is what the rest of the server calls when
something happens: it writes the outbox rows (:meth:`.store.WebhookStore.enqueue`)
and returns at once, so a request never waits for a receiver.

The delivery loop (:meth:`Dispatcher.start`, one asyncio task per server)
claims due rows (:meth:`.store.WebhookStore.claim_due`), POSTs each one's JSON
payload ``{event, timestamp, data}``, signed (:mod:`.signing`), through the
guarded client (:mod:`.transport`), and records the outcome: delivered on a
2xx; otherwise, after a failure, a non-2xx answer (3xx included: redirects
are not followed) or a timeout, another attempt after a backoff
(:mod:`.retry`), until the attempts run out and the delivery is failed.
It wakes when this process publishes, and otherwise looks every
``NEUROGATE_WEBHOOK_POLL_SECONDS`` for rows other processes queued and
retries that became due.

Publishing, e.g. from a servicer given ``runtime.dispatcher``::

    await dispatcher.publish(
        current_account(),
        SPC_OUT_OF_CONTROL,
        {"analysis_id": ..., "type": "control_chart", "status": "complete",
         "alerts": [{"type": "out_of_control", "point": 7, "value": 12.5, "rule": "nelson_1"}]},
    )

``data`` must be JSON (no NaN or infinity); the call costs one transaction and
raises if that fails, so a caller that must not fail because of webhooks
catches and logs. An account without subscribed webhooks gets no rows.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy.exc import SQLAlchemyError

from neurogate.server.webhooks.events import check_event
from neurogate.server.webhooks.retry import RetryPolicy
from neurogate.server.webhooks.sealing import UNREADABLE
from neurogate.server.webhooks.signing import (
    DELIVERY_HEADER,
    EVENT_HEADER,
    SIGNATURE_HEADER,
    signature_header,
)
from neurogate.server.webhooks.store import (
    DELIVERED,
    FAILED,
    PENDING,
    Claimed,
    Outcome,
    WebhookStore,
)
from neurogate.server.webhooks.transport import TIMEOUT_SECONDS, delivery_client
from neurogate.server.webhooks.urls import AddressRefused

log = logging.getLogger(__name__)

#: Deliveries one server sends at the same time.
CONCURRENCY = 16


def payload(event: str, data: dict[str, Any], at: datetime | None = None) -> dict[str, Any]:
    """The documented body: ``{event, timestamp, data}``, timestamp in UTC ISO 8601."""
    moment = (at or datetime.now(UTC)).astimezone(UTC)
    stamp = moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return {"event": event, "timestamp": stamp, "data": data}


def body(document: dict[str, Any]) -> bytes:
    """The exact bytes sent and signed; NaN and infinity are refused (not JSON)."""
    return json.dumps(document, separators=(",", ":"), allow_nan=False).encode()


class Dispatcher:
    def __init__(
        self,
        store: WebhookStore,
        *,
        allow_private: bool = False,
        retry: RetryPolicy | None = None,
        poll_seconds: float = 1.0,
        timeout_seconds: float = TIMEOUT_SECONDS,
    ) -> None:
        self._store = store
        self._timeout = timeout_seconds
        self._allow_private = allow_private
        self._retry = retry or RetryPolicy()
        self._poll_seconds = poll_seconds
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._loop_task: asyncio.Task[None] | None = None
        self._in_flight: set[asyncio.Task[None]] = set()
        self._client: httpx.AsyncClient | None = None

    async def publish(self, account_id: str, event: str, data: dict[str, Any]) -> list[str]:
        """Queues ``event`` with ``data`` (JSON-serialisable) for every webhook
        of the account subscribed to it; the delivery ids. Returns once the
        rows are committed; delivery happens in the background."""
        check_event(event)
        document = payload(event, data)
        body(document)  # refuse what could not be sent, now rather than at delivery
        ids = await self._store.enqueue(account_id, event, document)
        if ids:
            self._wake.set()
        return ids

    # ------------------------------------------------------------ the loop

    def start(self) -> None:
        self._client = delivery_client(allow_private=self._allow_private, timeout=self._timeout)
        self._loop_task = asyncio.create_task(self._run(), name="webhook-deliveries")

    async def close(self, grace: float = TIMEOUT_SECONDS) -> None:
        """Stops claiming, lets attempts in flight finish for up to ``grace``
        seconds, and gives back the rows of those that did not."""
        self._stopping.set()
        self._wake.set()
        if self._loop_task is not None:
            await self._loop_task
        if self._in_flight:
            _, late = await asyncio.wait(self._in_flight, timeout=grace)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)
        if self._client is not None:
            await self._client.aclose()

    async def _run(self) -> None:
        while not self._stopping.is_set():
            self._wake.clear()
            free = CONCURRENCY - len(self._in_flight)
            claimed: list[Claimed] = []
            if free > 0:
                try:
                    claimed = await self._store.claim_due(free)
                except SQLAlchemyError:
                    log.exception("cannot read due webhook deliveries")
            for item in claimed:
                task = asyncio.create_task(self._deliver(item), name=item.delivery_id)
                self._in_flight.add(task)
                task.add_done_callback(self._done)
            if claimed and len(claimed) == free:
                continue  # more may be due
            with contextlib.suppress(TimeoutError):  # nothing woke it: poll
                await asyncio.wait_for(self._wake.wait(), self._poll_seconds)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._in_flight.discard(task)
        self._wake.set()  # room for one more

    async def _deliver(self, claimed: Claimed) -> None:
        try:
            outcome = await self.attempt(claimed)
        except asyncio.CancelledError:
            await asyncio.shield(self._store.release(claimed))
            raise
        except Exception as error:
            # A bug here must not retry the row forever: it counts as a
            # failed attempt, so the row eventually fails and shows why.
            log.exception("webhook delivery attempt broke", extra={"delivery": claimed.delivery_id})
            outcome = self._failed(claimed, None, f"internal error: {type(error).__name__}")
        try:
            kept = await self._store.finish(claimed, outcome)
        except SQLAlchemyError:
            # The lease runs out and the delivery is tried again.
            log.exception(
                "cannot record a webhook delivery", extra={"delivery": claimed.delivery_id}
            )
            return
        log.info(
            "webhook delivery attempt",
            extra={
                "delivery": claimed.delivery_id,
                "webhook": claimed.webhook_id,
                "attempt": claimed.attempts + 1,
                "status": outcome.status,
                "status_code": outcome.status_code,
                "error": outcome.error,
                "recorded": kept,
            },
        )

    async def attempt(self, claimed: Claimed) -> Outcome:
        """Sends ``claimed`` once; what came of it."""
        assert self._client is not None, "start() the dispatcher first"
        if claimed.secret is None:
            return self._failed(claimed, None, UNREADABLE)
        content = body(claimed.payload)
        headers = {
            "content-type": "application/json",
            EVENT_HEADER: claimed.event,
            DELIVERY_HEADER: claimed.delivery_id,
            SIGNATURE_HEADER: signature_header(claimed.secret, int(time.time()), content),
        }
        code: int | None = None
        try:
            async with self._client.stream(
                "POST", claimed.url, content=content, headers=headers
            ) as response:
                code = response.status_code
        except AddressRefused as error:
            problem = f"refused: {error}"
        except httpx.TimeoutException:
            problem = f"no answer within {self._timeout:g} s"
        except (httpx.HTTPError, OSError) as error:
            problem = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
        else:
            if 200 <= code < 300:
                return Outcome(DELIVERED, code, "")
            problem = f"HTTP {code}" + (" (redirects are not followed)" if code < 400 else "")
        return self._failed(claimed, code, problem)

    def _failed(self, claimed: Claimed, code: int | None, problem: str) -> Outcome:
        delay = self._retry.delay(claimed.attempts + 1)
        if delay is None:
            return Outcome(FAILED, code, problem)
        return Outcome(PENDING, code, problem, datetime.now(UTC) + timedelta(seconds=delay))
