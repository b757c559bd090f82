"""Nothing lost when a notification is lost: open payments are asked about, and closed.

A provider's notification can be lost (our site down, a proxy in the way, the provider giving
up). ``payment_sweep_one`` asks the provider how an open payment stands (outside any
transaction) and applies what it says:

* paid → ``callbacks.query_apply``: exactly the code path of a verified notification (same
  checks, same guarded ``created → succeeded``, same purpose handler, logged as a query), so a
  payment is paid once however the notification, the queries and a close race;
* closed at the provider → the payment fails (nothing was paid);
* still open past its deadline (``expires_at``, or a checkout that orders closed: expired or
  cancelled by the buyer) → the order is closed at the provider, then asked about again: it
  may have been paid a moment before (then it is applied, and a closed checkout refunds it as a
  late payment), else the payment is cancelled.

Payments sits above orders, so it reads the checkout itself; orders never hears of payments.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from trustmart.core import events
from trustmart.core.events import publish
from trustmart.orders.models import Checkout

from ..models import CallbackLog, Payment
from ..providers import ProviderError, TradeState, get_provider
from .callbacks import log_notification, query_apply
from .purposes import handler_for

logger = logging.getLogger(__name__)

# A payment is asked about once it has been open this long (its notification is late).
QUERY_AFTER = timedelta(minutes=3)
SWEEP_LIMIT = 200


def _past_deadline(payment: Payment) -> bool:
    now = timezone.now()
    if payment.expires_at is not None and payment.expires_at <= now:
        return True
    if payment.purpose == Payment.Purpose.CHECKOUT:
        number = payment.reference.partition(":")[2]
        status = (Checkout.objects.filter(checkout_no=number)
                  .values_list("status", flat=True).first())
        return status is not None and status != Checkout.Status.AWAITING_PAYMENT
    return False


def payment_close_unpaid(*, payment: Payment, status: str, detail: str) -> bool:
    """``created → failed/cancelled`` through the guarded update, with the purpose's closed
    handler and ``payment.<status>`` in the same transaction. False when it had ended already."""
    with transaction.atomic(), events.batched():
        won = Payment.objects.filter(pk=payment.pk, status=Payment.Status.CREATED) \
            .update(status=status)
        if not won:
            return False
        payment.status = status
        handler = handler_for(payment.purpose)
        if handler.closed is not None:
            handler.closed(payment)
        publish(f"payment.{status}", {
            "payment_no": payment.payment_no, "purpose": payment.purpose,
            "reference": payment.reference, "amount_fen": payment.amount_fen})
        log_notification(provider=payment.provider, outcome=CallbackLog.Outcome.APPLIED,
                         headers={}, text="", detail=f"{status}: {detail}"[:200],
                         kind=CallbackLog.Kind.QUERY, payment_no=payment.payment_no)
    return True


def payment_sweep_one(*, payment_no: str) -> str:
    """Query one open payment and apply the answer (see the module docstring). Returns what
    happened: ``paid``, ``failed``, ``cancelled``, ``open`` or ``finished`` (it had ended).
    Network calls happen here, outside any transaction; ``ProviderError`` propagates (the
    payment stays as it is for the next run)."""
    payment = Payment.objects.get(payment_no=payment_no)
    if payment.status != Payment.Status.CREATED:
        return "finished"
    impl = get_provider(payment.provider)
    answer = impl.query(payment)
    if answer.state == TradeState.PAID and answer.data is not None:
        query_apply(provider=impl.name, data=answer.data, detail=answer.detail)
        return "paid"
    if answer.state == TradeState.CLOSED:
        payment_close_unpaid(payment=payment, status=Payment.Status.FAILED,
                             detail=answer.detail or "closed")
        return "failed"
    if not _past_deadline(payment):
        return "open"
    impl.close(payment)
    answer = impl.query(payment)
    if answer.state == TradeState.PAID and answer.data is not None:
        query_apply(provider=impl.name, data=answer.data, detail=answer.detail)
        return "paid"
    if answer.state in (TradeState.CLOSED, TradeState.MISSING):
        payment_close_unpaid(payment=payment, status=Payment.Status.CANCELLED,
                             detail="expired, closed at the provider")
        return "cancelled"
    raise ProviderError(detail=f"still {answer.state} after closing")


def payments_sweep(limit: int = SWEEP_LIMIT) -> dict[str, int]:
    """Every payment open for over three minutes, oldest first: queried, applied, closed."""
    cutoff = timezone.now() - QUERY_AFTER
    numbers = list(Payment.objects.filter(status=Payment.Status.CREATED, created_at__lt=cutoff)
                   .order_by("pk").values_list("payment_no", flat=True)[:limit])
    counts: dict[str, int] = {}
    for number in numbers:
        try:
            outcome = payment_sweep_one(payment_no=number)
        except ProviderError as exc:
            logger.warning("payment %s could not be queried: %s", number, exc.detail)
            outcome = "unanswered"
        except Exception:
            logger.exception("payment %s could not be swept", number)
            outcome = "error"
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts
