"""What a paid payment means, per purpose: the one place to add a new reason to pay.

The callback handler changes the payment's status and then, in the same transaction, calls the
handler registered for the payment's purpose: ``succeeded`` books the money in the ledger and
returns the journal's reference; ``closed`` (optional) reacts to a failed or cancelled payment.

Adding checkout in the orders issue is one function here (payments sits above orders, so it may
call orders' services directly)::

    @purpose_handler(Payment.Purpose.CHECKOUT)
    def checkout_paid(payment: Payment) -> str:
        # hold the money in escrow and mark the order paid, both idempotent by reference
        ...
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from trustmart.core.errors import Conflict
from trustmart.ledger.models import Purpose as LedgerPurpose
from trustmart.ledger.services import Leg, account_get_or_create, post
from trustmart.merchants.models import Merchant
from trustmart.merchants.selectors import merchant_deposit_account
from trustmart.merchants.services import merchant_deposit_refresh

from ..models import Payment

Succeeded = Callable[[Payment], str]
Closed = Callable[[Payment], None]
Reference = Callable[[Payment], str]


@dataclass(frozen=True)
class PurposeHandler:
    succeeded: Succeeded
    closed: Closed | None = None
    # The reference ``succeeded`` books the money under when it applies it: written with the
    # payment's status in one UPDATE (a refusal that returns another one costs a second).
    reference: Reference | None = None


_handlers: dict[str, PurposeHandler] = {}


def purpose_handler(purpose: str, *, closed: Closed | None = None,
                    reference: Reference | None = None) -> Callable[[Succeeded], Succeeded]:
    """Register what happens when a payment for ``purpose`` succeeds (and, optionally, closes).
    ``reference``: the ledger reference a success is expected to return, if known beforehand."""

    def register(fn: Succeeded) -> Succeeded:
        _handlers[purpose] = PurposeHandler(succeeded=fn, closed=closed, reference=reference)
        return fn

    return register


def handler_for(purpose: str) -> PurposeHandler:
    handler = _handlers.get(purpose)
    if handler is None:
        raise Conflict(_("Payments for this purpose are not supported yet."),
                       code="purpose_not_supported")
    return handler


def ledger_reference(payment: Payment) -> str:
    """The journal a payment's money is booked under; posting it twice changes nothing."""
    return f"payment:{payment.payment_no}"


def external_payment_source() -> int:
    """The platform account money from payment providers comes out of (it goes negative)."""
    return account_get_or_create(owner_type="platform", owner_id=None,
                                 purpose=LedgerPurpose.EXTERNAL_PAYMENT_SOURCE).pk


def merchant_id_of(payment: Payment) -> int:
    kind, _sep, pk = payment.reference.partition(":")
    if kind != "merchant" or not pk.isdigit():
        raise Conflict(_("This deposit payment does not name a merchant."),
                       code="bad_payment_reference")
    return int(pk)


@purpose_handler(Payment.Purpose.DEPOSIT, reference=ledger_reference)
def deposit_paid(payment: Payment) -> str:
    """Money in from outside to the merchant's deposit, then ``deposit_ok`` recomputed.

    Accounts are locked (by the ledger) before the merchant row (by the refresh), the same order
    as every other deposit movement, so the two never wait on each other in a cycle.
    """
    merchant = Merchant.objects.filter(pk=merchant_id_of(payment)).first()
    if merchant is None:
        raise Conflict(_("The merchant of this deposit no longer exists."),
                       code="merchant_not_found")
    reference = ledger_reference(payment)
    post(entries=[Leg.debit(external_payment_source(), payment.amount_fen),
                  Leg.credit(merchant_deposit_account(merchant=merchant), payment.amount_fen)],
         kind="payment.deposit", reference=reference,
         memo=f"deposit of merchant {merchant.pk} via {payment.provider}")
    merchant_deposit_refresh(merchant_id=merchant.pk)
    return reference
