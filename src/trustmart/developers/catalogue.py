"""The webhook event catalogue, read from the declared domain events (``core.events``).

Each app declares its events once, in its ``events.py`` (a typed ``Payload`` per type); that
declaration is the schema. Here each declared type is either offered to third parties, with
the few facts a webhook needs (the resource it is about, so its events carry one sequence; the
field naming the merchant it concerns; a translated summary; an example checked against the
declaration), or listed as internal. A test fails on a declared type that is neither, so a new
event is never offered, or withheld, by accident.

What a receiver gets is the declared payload less ``HIDDEN_FIELDS`` (buyers' user ids stay
inside the platform), in schema and in data alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from trustmart.core import events as domain_events

HIDDEN_FIELDS = frozenset({"buyer_id"})
TEST_EVENT = "webhook.test"
ORDER_NO, CASE_NO = "T202605200830001234", "C202605210915004321"


@dataclass(frozen=True)
class WebhookSpec:
    summary: str | Promise
    resource: str
    resource_key: str
    example: dict[str, Any]
    merchant_key: str | None = "merchant_id"
    version: int = 1


_PAID_LINE = {"line_id": 101, "paid_fen": 39_800, "store_id": 12, "share_code": "s8Kq2",
              "commission_bps": 1000}
WEBHOOKS: dict[str, WebhookSpec] = {
    "order.paid": WebhookSpec(
        _("An order was paid; the money is held in escrow. Ship it."), "order", "order_no",
        {"order_no": ORDER_NO, "buyer_id": 1, "merchant_id": 7, "total_fen": 39_800,
         "lines": [_PAID_LINE]}),
    "order.shipped": WebhookSpec(
        _("The order was shipped (its first shipment)."), "order", "order_no",
        {"order_no": ORDER_NO, "buyer_id": 1, "merchant_id": 7,
         "paid_at": "2026-05-20T08:30:00+08:00", "shipped_at": "2026-05-20T15:02:11+08:00"}),
    "order.received": WebhookSpec(
        _("The buyer confirmed receipt, or it was confirmed automatically."), "order",
        "order_no", {"order_no": ORDER_NO, "buyer_id": 1, "merchant_id": 7, "auto": False,
                     "received_at": "2026-05-23T10:00:00+08:00"}),
    "order.refunded": WebhookSpec(
        _("Money went back to the buyer: the whole order or part of it."), "order", "order_no",
        {"order_no": ORDER_NO, "checkout_no": "K202605200829001234", "merchant_id": 7,
         "buyer_id": 1, "amount_fen": 19_900, "reason": "不想要了",
         "reference": f"case:{CASE_NO}:refund", "full": False,
         "lines": [{"line_id": 101, "refunded_fen": 19_900, "total_refunded_fen": 19_900,
                    "paid_fen": 39_800, "commission_fen": 1_990}]}),
    "order.settled": WebhookSpec(
        _("The after-sale window closed: the order is settled and the merchant's share is "
          "payable."), "order", "order_no",
        {"order_no": ORDER_NO, "merchant_id": 7, "buyer_id": 1, "total_fen": 39_800,
         "fee_fen": 1_990, "lines": [{**_PAID_LINE, "commission_fen": 3_980,
                                      "refunded_fen": 0}]}),
    "case.opened": WebhookSpec(
        _("A buyer opened an after-sales case on a line of an order."), "case", "case_no",
        {"case_no": CASE_NO, "order_no": ORDER_NO, "line_id": 101, "kind": "refund_only",
         "buyer_id": 1, "merchant_id": 7, "store_id": 12}),
    "case.closed": WebhookSpec(
        _("An after-sales case ended, with its outcome."), "case", "case_no",
        {"case_no": CASE_NO, "order_no": ORDER_NO, "line_id": 101, "kind": "refund_only",
         "buyer_id": 1, "merchant_id": 7, "store_id": 12, "outcome": "refunded",
         "refund_fen": 19_900, "compensation_fen": 0, "counterfeit": False}),
    "product.approved": WebhookSpec(
        _("The platform approved a product; it is on sale."), "product", "product_id",
        {"product_id": 88, "merchant_id": 7, "name": "山水 明前龙井 特级 250g",
         "category_id": 3}),
    "stock.low": WebhookSpec(
        _("A SKU's stock fell to the low-stock threshold or below."), "sku", "sku_id",
        {"sku_id": 301, "product_id": 88, "merchant_id": 7,
         "product_name": "山水 明前龙井 特级 250g", "spec_key": "规格:250g", "stock": 5,
         "threshold": 5}),
    TEST_EVENT: WebhookSpec(
        _("A test message sent from the console or the API."), "endpoint", "endpoint_id",
        {"endpoint_id": 42, "note": "这是一条测试消息。"}, merchant_key=None),
}
# Declared, but for the platform's own apps only (buyers' payments, vetting decisions).
INTERNAL = frozenset({"checkout.created", "payment.succeeded", "payment.failed",
                      "payment.cancelled", "payment.refunded", "merchant.approved",
                      "merchant.suspended", "merchant.reinstated", "merchant.closed",
                      "payout.succeeded", "payout.failed"})


def _strip(value: Any) -> Any:
    """``value`` without the hidden keys, at any depth (data or JSON Schema alike)."""
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items() if k not in HIDDEN_FIELDS}
    if isinstance(value, list):
        return [_strip(v) for v in value if not (isinstance(v, str) and v in HIDDEN_FIELDS)]
    return value


@dataclass(frozen=True)
class EventType:
    """One declared event type as the open platform sees it."""

    declared: domain_events.EventType[Any]
    spec: WebhookSpec | None = field(default=None)

    @property
    def name(self) -> str:
        return self.declared.name

    @property
    def public(self) -> bool:
        return self.spec is not None

    @property
    def summary(self) -> str | Promise:
        return self.spec.summary if self.spec else self.declared.doc

    @property
    def version(self) -> int:
        return self.spec.version if self.spec else 1

    @property
    def resource(self) -> str:
        return self.spec.resource if self.spec else ""

    @property
    def resource_key(self) -> str:
        return self.spec.resource_key if self.spec else ""

    @property
    def merchant_key(self) -> str | None:
        return self.spec.merchant_key if self.spec else None

    def data(self, payload: dict[str, Any]) -> dict[str, Any]:
        """What a receiver gets of a published payload: decoded by its declaration (so it is
        valid), encoded again, hidden fields removed."""
        return _strip(self.declared.payload.from_payload(payload).to_payload())

    def data_schema(self) -> dict[str, Any]:
        return _strip(self.declared.payload.json_schema())

    def schema(self) -> dict[str, Any]:
        """JSON Schema of the whole webhook body."""
        return {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": f"{self.name}/v{self.version}",
            "title": f"{self.name} v{self.version}",
            "type": "object",
            "required": ["id", "type", "version", "timestamp", "merchant_id", "resource", "data"],
            "properties": {
                "id": {"type": "string", "description": "the webhook-id header, msg_…"},
                "type": {"const": self.name},
                "version": {"const": self.version},
                "timestamp": {"type": "string", "format": "date-time"},
                "merchant_id": {"anyOf": [{"type": "integer"}, {"type": "null"}]},
                "resource": {
                    "type": "object", "required": ["type", "id", "sequence"],
                    "properties": {"type": {"const": self.resource}, "id": {"type": "string"},
                                   "sequence": {"type": "integer", "minimum": 1}},
                },
                "data": self.data_schema(),
            },
        }

    def example_body(self) -> dict[str, Any]:
        assert self.spec is not None
        data = self.data(self.spec.example)
        return {"id": "msg_2b7f0c4e9a1d4f6b8c3e5a7d9f1b2c4e", "type": self.name,
                "version": self.version, "timestamp": "2026-05-20T08:30:00Z",
                "merchant_id": data.get(self.merchant_key) if self.merchant_key else None,
                "resource": {"type": self.resource,
                             "id": str(data.get(self.resource_key, "")), "sequence": 2},
                "data": data}


def catalogue() -> dict[str, EventType]:
    """Every declared event type by name (public or internal)."""
    return {d.name: EventType(d, WEBHOOKS.get(d.name)) for d in domain_events.catalogue()}


def public_events() -> list[EventType]:
    """What third parties may receive, by name."""
    return [e for e in catalogue().values() if e.public]


def event_type(name: str) -> EventType | None:
    try:
        declared = domain_events.declared(name)
    except domain_events.UnknownEvent:
        return None
    return EventType(declared, WEBHOOKS.get(name))


def subscribable_names() -> set[str]:
    """Event types an endpoint may choose (the test message is sent only on request)."""
    return {name for name in WEBHOOKS if name != TEST_EVENT}
