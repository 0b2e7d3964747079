"""``client.webhooks``: signed HTTP callbacks and their delivery log."""

from __future__ import annotations

from neurogate.client._calls import Paged, Unary
from neurogate.client._namespace import Namespace
from neurogate.client.models import Webhook, WebhookDelivery
from neurogate.v1 import webhook_pb2

SERVICE = "WebhookService"


class WebhooksNamespace(Namespace):
    def create(self, url: str, events: list[str], secret: str | None = None) -> Webhook:
        """Registers ``url`` for ``events``; ``.secret`` (the HMAC key,
        generated unless given) is returned only now."""
        request = webhook_pb2.CreateWebhookRequest(url=url, events=events, secret=secret or "")
        return self._run(
            Unary(f"{SERVICE}/CreateWebhook", request, Webhook.from_proto, idempotent=False)
        )

    def list(self) -> list[Webhook]:
        return self._run(
            Unary(
                f"{SERVICE}/ListWebhooks",
                webhook_pb2.ListWebhooksRequest(),
                lambda reply: [Webhook.from_proto(w) for w in reply.webhooks],
                idempotent=True,
            )
        )

    def delete(self, webhook_id: str) -> None:
        request = webhook_pb2.DeleteWebhookRequest(webhook_id=webhook_id)
        return self._run(
            Unary(f"{SERVICE}/DeleteWebhook", request, lambda _: None, idempotent=True)
        )

    def deliveries(self, webhook_id: str) -> list[WebhookDelivery]:
        """Every delivery attempt record of the webhook (all pages)."""
        return self._run(
            Paged(
                f"{SERVICE}/ListWebhookDeliveries",
                webhook_pb2.ListWebhookDeliveriesRequest(webhook_id=webhook_id, page_size=500),
                lambda page: [WebhookDelivery.from_proto(d) for d in page.deliveries],
            )
        )
