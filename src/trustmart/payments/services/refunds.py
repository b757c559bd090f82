"""Refunds: recorded inside a transaction, issued at the provider after it commits.

``refund_request`` runs inside the caller's transaction (the payment callback, an event
handler) and only writes a pending ``Refund`` row, unique per (payment, reference), so asking
twice for the same thing refunds once. After commit ``refund_issue`` calls the provider (never
inside a transaction: it may go over the network) and then, in a short transaction, marks the
refund succeeded with a guarded update and adds it to ``Payment.refunded_fen``.

Ledger: a refund moves no money in our books by itself. A late payment was never booked (the
checkout refused it, so no escrow hold was made); an order refund follows orders, which already
voided the order's escrow hold. The refund is the provider's half of the story only.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from trustmart.core.errors import Conflict, DomainError, invalid
from trustmart.core.events import publish
from trustmart.core.jobs import job

from ..models import Payment, Refund
from ..providers import get_provider

logger = logging.getLogger(__name__)

# A pending refund older than this was not issued after its commit (a crash, a provider
# outage): the sweep tries again. Providers deduplicate by refund_no, so a retry is safe.
RETRY_AFTER = timedelta(minutes=2)
ERROR_MAX = 200


def refund_request(*, payment: Payment, amount_fen: int, reason: str, reference: str
                   ) -> Refund:
    """Record that ``amount_fen`` of ``payment`` is to be given back, and issue it after commit.

    Idempotent by ``reference``: the same request again returns the first refund. Refuses an
    amount above what is left of the payment (``refund_exceeds_payment``).
    """
    if isinstance(amount_fen, bool) or not isinstance(amount_fen, int) or amount_fen <= 0:
        raise invalid("amount_fen", _("The amount must be a whole number of fen."),
                      code="invalid_amount")
    with transaction.atomic():
        # Lock the payment so two different refunds cannot together exceed it.
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        existing = Refund.objects.filter(payment=locked, reference=reference).first()
        if existing is not None:
            return existing
        if locked.status != Payment.Status.SUCCEEDED:
            raise Conflict(_("Only a paid payment can be refunded."),
                           code="payment_not_refundable")
        asked = (Refund.objects.filter(payment=locked).exclude(status=Refund.Status.FAILED)
                 .aggregate(total=Sum("amount_fen"))["total"] or 0)
        if asked + amount_fen > locked.amount_fen:
            raise Conflict(_("The refund is larger than what is left of the payment."),
                           code="refund_exceeds_payment")
        try:
            with transaction.atomic():
                refund = Refund.objects.create(payment=locked, amount_fen=amount_fen,
                                               reason=reason, reference=reference[:80])
        except IntegrityError:  # pragma: no cover - the payment lock serialises requests
            return Refund.objects.get(payment=locked, reference=reference)
        refund_no = refund.refund_no
        transaction.on_commit(lambda: _issue_quietly(refund_no), robust=True)
    return refund


def _issue_quietly(refund_no: str) -> None:
    try:
        refund_issue(refund_no=refund_no)
    except Exception:  # the sweep retries; never break the committed caller
        logger.exception("refund %s could not be issued", refund_no)


def refund_issue(*, refund_no: str) -> Refund:
    """Issue a pending refund at the provider, then record the result. Outside transactions.

    A provider that cannot refund (``RefundNotSupported``) or refuses leaves the refund
    ``failed`` with the reason, for an operator to settle by hand; an unexpected error leaves it
    pending for ``refunds_issue_pending`` to retry.
    """
    refund = Refund.objects.select_related("payment").get(refund_no=refund_no)
    if refund.status != Refund.Status.PENDING:
        return refund
    payment = refund.payment
    try:
        result = get_provider(payment.provider).refund(payment, refund.amount_fen,
                                                       refund.refund_no)
    except DomainError as exc:
        Refund.objects.filter(pk=refund.pk, status=Refund.Status.PENDING).update(
            status=Refund.Status.FAILED, last_error=f"{exc.code}: {exc.message}"[:ERROR_MAX])
        refund.refresh_from_db()
        return refund
    with transaction.atomic():
        won = Refund.objects.filter(pk=refund.pk, status=Refund.Status.PENDING).update(
            status=Refund.Status.SUCCEEDED, provider_refund_id=result.provider_refund_id[:64],
            refunded_at=timezone.now(), last_error="")
        if won:
            Payment.objects.filter(pk=payment.pk).update(
                refunded_fen=F("refunded_fen") + refund.amount_fen)
            publish("payment.refunded", {
                "payment_no": payment.payment_no, "refund_no": refund.refund_no,
                "purpose": payment.purpose, "reference": payment.reference,
                "refund_reference": refund.reference, "reason": refund.reason,
                "amount_fen": refund.amount_fen,
            })
    refund.refresh_from_db()
    return refund


@job("payments.refunds_retry", every_seconds=120)
def refunds_issue_pending(limit: int = 100) -> int:
    """Issue refunds left pending (the process died after commit, or the provider was down).
    Returns how many were issued."""
    cutoff = timezone.now() - RETRY_AFTER
    numbers = list(Refund.objects.filter(status=Refund.Status.PENDING, created_at__lt=cutoff)
                   .order_by("pk").values_list("refund_no", flat=True)[:limit])
    issued = 0
    for number in numbers:
        try:
            if refund_issue(refund_no=number).status == Refund.Status.SUCCEEDED:
                issued += 1
        except Exception:
            logger.exception("refund %s could not be issued", number)
    return issued
