"""The events orders publishes: checkouts created, and each order's life (paid → settled)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from trustmart.core.events import EventType, Payload


@dataclass(frozen=True)
class CheckoutCreated(Payload):
    """A buyer checked out: one checkout (paid once) holding an order per merchant."""

    checkout_no: Annotated[str, "The checkout's number; payments are made against it."]
    buyer_id: Annotated[int, "The buyer (user id)."]
    total_fen: Annotated[int, "What the buyer pays for the whole checkout, in fen."]
    order_nos: Annotated[list[str], "The orders of the checkout, one per merchant."]


@dataclass(frozen=True)
class PaidLine(Payload):
    """One line of a paid order, with what it owes to whoever sold it."""

    line_id: Annotated[int, "The order line."]
    paid_fen: Annotated[int, "What the buyer paid for the line, in fen."]
    store_id: Annotated[int | None, "The microstore that sold the line, if any."]
    share_code: Annotated[str | None, "The share the sale is attributed to, if any."]
    commission_bps: Annotated[int, "The commission rate in force at checkout, basis points."]


@dataclass(frozen=True)
class OrderPaid(Payload):
    """An order was paid: its total is held in escrow until settlement."""

    order_no: Annotated[str, "The order's number."]
    buyer_id: Annotated[int, "The buyer (user id)."]
    merchant_id: Annotated[int, "The merchant who ships the order."]
    total_fen: Annotated[int, "The order's total, in fen."]
    lines: Annotated[list[PaidLine], "Every line of the order."]


@dataclass(frozen=True)
class OrderShipped(Payload):
    """The merchant shipped an order (its first package); the auto-confirm clock runs."""

    order_no: Annotated[str, "The order's number."]
    buyer_id: Annotated[int, "The buyer (user id)."]
    merchant_id: Annotated[int, "The merchant who shipped."]
    paid_at: Annotated[str | None, "When it was paid (ISO 8601)."]
    shipped_at: Annotated[str, "When it was shipped (ISO 8601)."]


@dataclass(frozen=True)
class OrderReceived(Payload):
    """The buyer (or the auto-confirm job) confirmed receipt; the after-sale window runs."""

    order_no: Annotated[str, "The order's number."]
    buyer_id: Annotated[int, "The buyer (user id)."]
    merchant_id: Annotated[int, "The merchant."]
    auto: Annotated[bool, "Confirmed automatically after the waiting time."]
    received_at: Annotated[str, "When receipt was confirmed (ISO 8601)."]


@dataclass(frozen=True)
class RefundedLine(Payload):
    """What a refund took from one line."""

    line_id: Annotated[int, "The order line."]
    refunded_fen: Annotated[int, "Refunded from this line by this refund, in fen."]
    total_refunded_fen: Annotated[int, "Refunded from this line so far, in fen."]
    paid_fen: Annotated[int, "What the buyer paid for the line, in fen."]
    commission_fen: Annotated[int, "The line's commission reserve after the refund, in fen."]


@dataclass(frozen=True)
class OrderRefunded(Payload):
    """Money of an order goes back to the buyer (all of it, or part after a case)."""

    order_no: Annotated[str, "The order's number."]
    checkout_no: Annotated[str, "The checkout it was paid through (the payment to refund)."]
    amount_fen: Annotated[int, "The amount refunded now, in fen."]
    reason: Annotated[str, "Why, as the buyer or the case gave it."]
    reference: Annotated[str, "Idempotency reference of this refund."]
    full: Annotated[bool, "The whole order is refunded (commissions are voided)."] = True
    lines: Annotated[list[RefundedLine] | None,
                     "The lines the refund touched (absent in the oldest rows: all)."] = None
    merchant_id: Annotated[int | None, "The merchant of the order (absent in older rows)."] = None
    buyer_id: Annotated[int | None, "The buyer (user id; absent in older rows)."] = None


@dataclass(frozen=True)
class SettledLine(Payload):
    """One line of a settled order: what was paid, refunded and earned."""

    line_id: Annotated[int, "The order line."]
    paid_fen: Annotated[int, "What the buyer paid for the line, in fen."]
    store_id: Annotated[int | None, "The microstore that sold the line, if any."]
    share_code: Annotated[str | None, "The share the sale is attributed to, if any."]
    commission_bps: Annotated[int, "The commission rate at checkout, basis points."]
    commission_fen: Annotated[int, "The commission released for the line, in fen."]
    refunded_fen: Annotated[int, "What was refunded from the line, in fen."]


@dataclass(frozen=True)
class OrderSettled(Payload):
    """The after-sale window closed: escrow went to the merchant, the sharers and the fee."""

    order_no: Annotated[str, "The order's number."]
    merchant_id: Annotated[int, "The merchant paid."]
    buyer_id: Annotated[int, "The buyer (user id)."]
    total_fen: Annotated[int, "The order's total, in fen."]
    fee_fen: Annotated[int, "The platform fee taken, in fen."]
    lines: Annotated[list[SettledLine], "Every line of the order."]


CHECKOUT_CREATED = EventType("checkout.created", CheckoutCreated)
ORDER_PAID = EventType("order.paid", OrderPaid)
ORDER_SHIPPED = EventType("order.shipped", OrderShipped)
ORDER_RECEIVED = EventType("order.received", OrderReceived)
ORDER_REFUNDED = EventType("order.refunded", OrderRefunded)
ORDER_SETTLED = EventType("order.settled", OrderSettled)
