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


@dataclass(frozen=True)
class PayoutEnded(Payload):
    """A payout (a withdrawal paid to a real account) reached its final status: succeeded (the
    money left the platform) or failed (it is back in the balance it came from)."""

    payout_id: Annotated[int, "The payout."]
    payout_no: Annotated[str, "Its number, sent to the provider (out_bill_no / out_biz_no)."]
    owner_type: Annotated[str, "Whose money: user (commissions, wallet) or merchant (payable)."]
    owner_id: Annotated[int, "The owner's id."]
    source: Annotated[str, "Which balance it came from: commission, merchant_payable, wallet."]
    reference: Annotated[str, "The withdrawal it pays (its idempotency reference)."]
    amount_fen: Annotated[int, "The amount, in fen."]


PAYOUT_SUCCEEDED = EventType("payout.succeeded", PayoutEnded)
PAYOUT_FAILED = EventType("payout.failed", PayoutEnded)
PAYOUT_ENDED = {"succeeded": PAYOUT_SUCCEEDED, "failed": PAYOUT_FAILED}
