"""WebhookService: registering receivers of the account's events and reading
their delivery log. Delivery itself is :mod:`neurogate.server.webhooks`."""

from __future__ import annotations

from typing import Any

import grpc

from neurogate.server.context import current_account
from neurogate.server.pagination import page_size
from neurogate.server.services._convert import fill, timestamp
from neurogate.server.storage.models import Webhook, WebhookDelivery
from neurogate.server.webhooks.events import check_events
from neurogate.server.webhooks.signing import check_secret
from neurogate.server.webhooks.store import WebhookStore
from neurogate.server.webhooks.urls import check_url
from neurogate.v1 import webhook_pb2, webhook_pb2_grpc


def _webhook_fields(row: Webhook) -> dict[str, Any]:
    """Everything but the secret, which is shown once, at creation."""
    return {
        "webhook_id": row.id,
        "url": row.url,
        "events": row.events,
        "created_at": timestamp(row.created_at),
    }


def _delivery(row: WebhookDelivery) -> webhook_pb2.WebhookDelivery:
    return fill(
        webhook_pb2.WebhookDelivery,
        {
            "delivery_id": row.id,
            "event": row.event,
            "status": row.status,
            "attempts": row.attempts,
            "last_status_code": row.last_status_code,
            "last_error": row.last_error,
            "created_at": timestamp(row.created_at),
            "delivered_at": timestamp(row.delivered_at),
        },
    )


class WebhookServicer(webhook_pb2_grpc.WebhookServiceServicer):
    def __init__(self, webhooks: WebhookStore, *, allow_private: bool) -> None:
        self._webhooks = webhooks
        self._allow_private = allow_private

    async def CreateWebhook(
        self, request: webhook_pb2.CreateWebhookRequest, context: grpc.aio.ServicerContext
    ) -> webhook_pb2.CreateWebhookResponse:
        events = check_events(request.events)
        secret = check_secret(request.secret)
        url = await check_url(request.url, allow_private=self._allow_private)
        row = await self._webhooks.create(current_account(), url, events, secret)
        return fill(webhook_pb2.CreateWebhookResponse, {**_webhook_fields(row), "secret": secret})

    async def ListWebhooks(
        self, request: webhook_pb2.ListWebhooksRequest, context: grpc.aio.ServicerContext
    ) -> webhook_pb2.ListWebhooksResponse:
        rows = await self._webhooks.list(current_account())
        return webhook_pb2.ListWebhooksResponse(
            webhooks=[fill(webhook_pb2.Webhook, _webhook_fields(row)) for row in rows]
        )

    async def DeleteWebhook(
        self, request: webhook_pb2.DeleteWebhookRequest, context: grpc.aio.ServicerContext
    ) -> webhook_pb2.DeleteWebhookResponse:
        await self._webhooks.delete(current_account(), request.webhook_id)
        return webhook_pb2.DeleteWebhookResponse(webhook_id=request.webhook_id)

    async def ListWebhookDeliveries(
        self,
        request: webhook_pb2.ListWebhookDeliveriesRequest,
        context: grpc.aio.ServicerContext,
    ) -> webhook_pb2.ListWebhookDeliveriesResponse:
        page = await self._webhooks.deliveries(
            current_account(),
            request.webhook_id,
            size=page_size(request.page_size),
            token=request.page_token,
        )
        return webhook_pb2.ListWebhookDeliveriesResponse(
            deliveries=[_delivery(row) for row in page.items],
            next_page_token=page.next_page_token,
        )
