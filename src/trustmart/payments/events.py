"""The events payments publishes: how a payment ended, and each refund paid back."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from trustmart.core.events import EventType, Payload


@dataclass(frozen=True)
class PaymentEnded(Payload):
    """A payment reached a final status (the event's name says which)."""

    payment_no: Annotated[str, "The payment's number."]
    purpose: Annotated[str, "What it paid for: checkout or deposit."]
    reference: Annotated[str, "The paid object's number (checkout or merchant reference)."]
    amount_fen: Annotated[int, "The amount, in fen."]


@dataclass(frozen=True)
class PaymentRefunded(Payload):
    """Money of a payment went back to the payer through its provider."""

    payment_no: Annotated[str, "The payment refunded."]
    refund_no: Annotated[str, "The refund's number."]
    purpose: Annotated[str, "What the payment paid for: checkout or deposit."]
    reference: Annotated[str, "The paid object's number."]
    refund_reference: Annotated[str, "Idempotency reference of the refund."]
    reason: Annotated[str, "Why it was refunded."]
    amount_fen: Annotated[int, "The amount refunded, in fen."]


PAYMENT_SUCCEEDED = EventType("payment.succeeded", PaymentEnded)
PAYMENT_FAILED = EventType("payment.failed", PaymentEnded)
PAYMENT_CANCELLED = EventType("payment.cancelled", PaymentEnded)
PAYMENT_REFUNDED = EventType("payment.refunded", PaymentRefunded)
# A final status → the event that announces it.
PAYMENT_ENDED = {"succeeded": PAYMENT_SUCCEEDED, "failed": PAYMENT_FAILED,
                 "cancelled": PAYMENT_CANCELLED}
