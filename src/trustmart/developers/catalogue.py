"""The event catalogue: every domain event type, and for those third parties may receive, the
versioned payload that is their documentation, JSON Schema and example at once.

One declaration per event: the payload dataclass is the schema (pydantic's ``TypeAdapter``
turns it into JSON Schema and projects a published payload onto exactly those fields, so an
internal field never leaks to a receiver), and its example instance is the example. A test
walks every ``publish(...)`` in the code and fails on an event this catalogue does not declare.

The declarations live here until each app declares its own events in its ``events.py``; the
catalogue then reads ``core.events.catalogue()`` instead (``_declared()`` is the one place).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from pydantic import TypeAdapter


# --- payloads (the "data" of a webhook) --------------------------------------------------------
@dataclass
class PaidLine:
    line_id: int
    paid_fen: int
    store_id: int | None


@dataclass
class OrderPaid:
    order_no: str
    merchant_id: int
    total_fen: int
    lines: list[PaidLine]


@dataclass
class OrderShipped:
    order_no: str
    merchant_id: int
    paid_at: str | None
    shipped_at: str


@dataclass
class OrderReceived:
    order_no: str
    merchant_id: int
    auto: bool
    received_at: str


@dataclass
class RefundedLine:
    line_id: int
    refunded_fen: int
    total_refunded_fen: int
    paid_fen: int


@dataclass
class OrderRefunded:
    order_no: str
    merchant_id: int
    amount_fen: int
    full: bool
    reason: str
    lines: list[RefundedLine]


@dataclass
class SettledLine:
    line_id: int
    paid_fen: int
    refunded_fen: int
    commission_fen: int


@dataclass
class OrderSettled:
    order_no: str
    merchant_id: int
    total_fen: int
    fee_fen: int
    lines: list[SettledLine]


@dataclass
class CaseOpened:
    case_no: str
    kind: str
    order_no: str
    line_id: int
    merchant_id: int


@dataclass
class CaseClosed:
    case_no: str
    kind: str
    order_no: str
    line_id: int
    merchant_id: int
    outcome: str
    refund_fen: int
    compensation_fen: int
    counterfeit: bool


@dataclass
class ProductApproved:
    product_id: int
    merchant_id: int
    name: str
    category_id: int


@dataclass
class StockLow:
    sku_id: int
    product_id: int
    merchant_id: int
    product_name: str
    spec_key: str
    stock: int
    threshold: int


@dataclass
class WebhookTest:
    endpoint_id: int
    note: str


# --- declarations --------------------------------------------------------------------------------
@dataclass(frozen=True)
class EventType:
    name: str
    summary: str | Promise
    # The payload's dataclass; None for events only the platform's own apps consume.
    payload: type | None = None
    example: Any = None
    version: int = 1
    # Which resource the event is about (its events carry one sequence), and which payload field
    # names it; which field names the merchant it concerns (only that merchant's subscribers get
    # it; platform apps get all).
    resource: str = ""
    resource_key: str = ""
    merchant_key: str | None = "merchant_id"

    @property
    def public(self) -> bool:
        """Third parties may subscribe to it."""
        return self.payload is not None

    @functools.cached_property
    def _adapter(self) -> TypeAdapter[Any]:
        assert self.payload is not None
        return TypeAdapter(self.payload)

    def data(self, payload: dict[str, Any]) -> dict[str, Any]:
        """The published payload reduced to the declared fields (validated on the way)."""
        return self._adapter.dump_python(self._adapter.validate_python(payload), mode="json")

    def data_schema(self) -> dict[str, Any]:
        return self._adapter.json_schema()

    def schema(self) -> dict[str, Any]:
        """JSON Schema of the whole webhook body."""
        return {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": f"{self.name} v{self.version}",
            "type": "object",
            "required": ["id", "type", "version", "timestamp", "merchant_id", "resource", "data"],
            "properties": {
                "id": {"type": "string", "description": "the webhook-id header, msg_…"},
                "type": {"const": self.name},
                "version": {"const": self.version},
                "timestamp": {"type": "string", "format": "date-time"},
                "merchant_id": {"type": ["integer", "null"]},
                "resource": {
                    "type": "object", "required": ["type", "id", "sequence"],
                    "properties": {"type": {"const": self.resource},
                                   "id": {"type": "string"},
                                   "sequence": {"type": "integer", "minimum": 1}},
                },
                "data": self.data_schema(),
            },
        }

    def example_body(self) -> dict[str, Any]:
        data = self._adapter.dump_python(self.example, mode="json")
        return {"id": "msg_2b7f0c4e9a1d4f6b8c3e5a7d9f1b2c4e", "type": self.name,
                "version": self.version, "timestamp": "2026-05-20T08:30:00Z",
                "merchant_id": data.get(self.merchant_key) if self.merchant_key else None,
                "resource": {"type": self.resource, "id": str(data.get(self.resource_key, "")),
                             "sequence": 2},
                "data": data}


def _order(name: str, summary: Promise, payload: type, example: Any) -> EventType:
    return EventType(name, summary, payload, example, resource="order", resource_key="order_no")


def _case(name: str, summary: Promise, payload: type, example: Any) -> EventType:
    return EventType(name, summary, payload, example, resource="case", resource_key="case_no")


ORDER_NO, CASE_NO = "T202605200830001234", "C202605210915004321"
_EVENTS: tuple[EventType, ...] = (
    _order("order.paid", _("An order was paid; the money is held in escrow. Ship it."),
           OrderPaid, OrderPaid(ORDER_NO, 7, 39_800, [PaidLine(101, 39_800, 12)])),
    _order("order.shipped", _("The order was shipped (its first shipment)."), OrderShipped,
           OrderShipped(ORDER_NO, 7, "2026-05-20T08:30:00+08:00", "2026-05-20T15:02:11+08:00")),
    _order("order.received", _("The buyer confirmed receipt, or it was confirmed "
                               "automatically."), OrderReceived,
           OrderReceived(ORDER_NO, 7, False, "2026-05-23T10:00:00+08:00")),
    _order("order.refunded", _("Money went back to the buyer: the whole order or part of it."),
           OrderRefunded, OrderRefunded(ORDER_NO, 7, 19_900, False, "不想要了",
                                        [RefundedLine(101, 19_900, 19_900, 39_800)])),
    _order("order.settled", _("The after-sale window closed: the order is settled and the "
                              "merchant's share is payable."), OrderSettled,
           OrderSettled(ORDER_NO, 7, 39_800, 1_990, [SettledLine(101, 39_800, 0, 3_980)])),
    _case("case.opened", _("A buyer opened an after-sales case on a line of an order."),
          CaseOpened, CaseOpened(CASE_NO, "refund_only", ORDER_NO, 101, 7)),
    _case("case.closed", _("An after-sales case ended, with its outcome."), CaseClosed,
          CaseClosed(CASE_NO, "refund_only", ORDER_NO, 101, 7, "refunded", 19_900, 0, False)),
    EventType("product.approved", _("The platform approved a product; it is on sale."),
              ProductApproved, ProductApproved(88, 7, "山水 明前龙井 特级 250g", 3),
              resource="product", resource_key="product_id"),
    EventType("stock.low", _("A SKU's stock fell to the low-stock threshold or below."),
              StockLow, StockLow(301, 88, 7, "山水 明前龙井 特级 250g", "规格:250g", 5, 5),
              resource="sku", resource_key="sku_id"),
    EventType("webhook.test", _("A test message sent from the console or the API."),
              WebhookTest, WebhookTest(42, "测试"), resource="endpoint",
              resource_key="endpoint_id", merchant_key=None),
    # The platform's own events: its apps react to them, third parties do not receive them.
    EventType("checkout.created", _("A buyer checked out (one order per merchant).")),
    EventType("payment.succeeded", _("A payment succeeded at the provider.")),
    EventType("payment.failed", _("A payment failed.")),
    EventType("payment.cancelled", _("A payment was cancelled.")),
    EventType("payment.refunded", _("A provider refund succeeded.")),
    EventType("merchant.approved", _("A merchant application was approved.")),
    EventType("merchant.suspended", _("An operator or the deposit rule suspended a merchant.")),
    EventType("merchant.reinstated", _("A suspended merchant may sell again.")),
    EventType("merchant.closed", _("A merchant was closed.")),
)


def _declared() -> tuple[EventType, ...]:
    return _EVENTS


def catalogue() -> dict[str, EventType]:
    """Every declared event type by name."""
    return {event.name: event for event in _declared()}


def public_events() -> list[EventType]:
    """What third parties may subscribe to, by name."""
    return sorted((e for e in _declared() if e.public), key=lambda e: e.name)


def event_type(name: str) -> EventType | None:
    return catalogue().get(name)


def subscribable_names() -> set[str]:
    """Event types an endpoint may choose (the test message is sent only on request)."""
    return {e.name for e in public_events() if e.name != TEST_EVENT}


TEST_EVENT = "webhook.test"
