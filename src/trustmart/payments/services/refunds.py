"""Refunds: recorded inside a transaction, issued at the provider after it commits, finalised once.

``refund_request`` runs inside the caller's transaction (the payment callback, an event
handler) and only writes a pending ``Refund`` row, unique per (payment, reference), so asking
twice for the same thing refunds once. After commit ``refund_issue`` calls the provider (never
inside a transaction: it may go over the network) and records its answer:

```
pending ──► succeeded    (refunded_fen += amount, payment.refunded published: exactly once)
        ├─► processing   (the provider accepted it; a notification or the poll job ends it)
        │       ├─► succeeded
        │       └─► failed
        └─► failed       (refused: last_error says why, for an operator)
```

Whichever path finalises first (the provider's synchronous answer, its refund notification,
the poll job's query) wins through a guarded ``UPDATE ... WHERE status IN (pending,
processing)``; the others change nothing. No answer we can trust (``ProviderError``: network,
HTTP error, bad signature) leaves the refund where it was, and the jobs ask again: providers
deduplicate by our refund number, so asking twice refunds once.

Ledger: a refund moves no money in our books by itself. A late payment was never booked (the
checkout refused it, so no escrow hold was made); an order refund follows orders, which already
voided the order's escrow hold. The refund is the provider's half of the story only.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from trustmart.accounts.selectors import require_operator
from trustmart.core.errors import Conflict, DomainError, NotFound, invalid
from trustmart.core.jobs import job

from ..events import PAYMENT_REFUNDED, PaymentRefunded
from ..models import Payment, Refund
from ..providers import ProviderError, RefundResult, RefundStatus, get_provider

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from trustmart.accounts.models import User

logger = logging.getLogger(__name__)

# A pending refund older than this was not issued after its commit (a crash, a provider
# outage): the sweep tries again. Providers deduplicate by refund_no, so a retry is safe.
RETRY_AFTER = timedelta(minutes=2)
# A processing refund older than this is asked about (its notification may never come).
POLL_AFTER = timedelta(minutes=1)
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


def refund_retry(*, user: User | AnonymousUser, refund_no: str) -> Refund:
    """An operator tries a failed refund again (the provider refused it for a reason that has
    since gone away, or it was not supported then): back to pending, issued after commit under
    the same refund number, so the provider still refunds at most once. Only a failed refund,
    and only while the payment's other refunds leave room for it."""
    require_operator(user)
    with transaction.atomic():
        refund = Refund.objects.filter(refund_no=refund_no).first()
        if refund is None:
            raise NotFound(_("This refund does not exist."), code="refund_not_found")
        payment = Payment.objects.select_for_update().get(pk=refund.payment_id)
        if refund.status != Refund.Status.FAILED:
            raise Conflict(_("Only a failed refund can be tried again."),
                           code="refund_not_failed")
        asked = (Refund.objects.filter(payment=payment).exclude(status=Refund.Status.FAILED)
                 .aggregate(total=Sum("amount_fen"))["total"] or 0)
        if asked + refund.amount_fen > payment.amount_fen:
            raise Conflict(_("The refund is larger than what is left of the payment."),
                           code="refund_exceeds_payment")
        if not Refund.objects.filter(pk=refund.pk, status=Refund.Status.FAILED).update(
                status=Refund.Status.PENDING, last_error=""):
            raise Conflict(_("Only a failed refund can be tried again."),
                           code="refund_not_failed")
        transaction.on_commit(lambda: _issue_quietly(refund_no), robust=True)
    refund.refresh_from_db()
    return refund


def _issue_quietly(refund_no: str) -> None:
    try:
        refund_issue(refund_no=refund_no)
    except Exception:  # the sweep retries; never break the committed caller
        logger.exception("refund %s could not be issued", refund_no)


def refund_issue(*, refund_no: str) -> Refund:
    """Issue a pending refund at the provider, then record its answer. Outside transactions.

    The provider's answer makes it succeeded, processing or failed (see the module docstring).
    A provider that cannot refund (``RefundNotSupported``) or refuses (any other
    ``DomainError``) leaves it ``failed`` with the reason, for an operator to settle by hand. No
    trustworthy answer (``ProviderError``) or an unexpected error leaves it pending for
    ``refunds_issue_pending`` to retry.
    """
    refund = Refund.objects.select_related("payment").get(refund_no=refund_no)
    if refund.status != Refund.Status.PENDING:
        return refund
    payment = refund.payment
    try:
        with translation.override(settings.LANGUAGE_CODE):  # the payer reads the reason
            reason = str(refund.get_reason_display())
        result = get_provider(payment.provider).refund(payment, refund.amount_fen,
                                                       refund.refund_no, reason=reason)
    except ProviderError as exc:
        logger.warning("refund %s: no answer from %s (%s)", refund_no, payment.provider,
                       exc.detail)
        Refund.objects.filter(pk=refund.pk, status=Refund.Status.PENDING).update(
            last_error=_error_text(exc))
    except DomainError as exc:
        refund_record(refund=refund, result=RefundResult(
            provider_refund_id="", status=RefundStatus.FAILED,
            detail=f"{exc.code}: {exc.message}"))
    else:
        refund_record(refund=refund, result=result)
    refund.refresh_from_db()
    return refund


def refund_record(*, refund: Refund, result: RefundResult) -> bool:
    """Record what the provider says of ``refund`` (its answer, notification or query).
    Returns whether this call changed the refund: of racing callers exactly one finalises it.

    succeeded: adds the amount to ``Payment.refunded_fen`` and publishes ``payment.refunded``
    in the same transaction as the guarded status change. processing: only from pending.
    failed: ``last_error`` gets the provider's reason.
    """
    changes: dict[str, Any] = {"status": str(result.status)}
    if result.provider_refund_id:
        changes["provider_refund_id"] = result.provider_refund_id[:64]
    open_rows = Refund.objects.filter(pk=refund.pk)
    if result.status == RefundStatus.PROCESSING:
        return bool(open_rows.filter(status=Refund.Status.PENDING).update(
            **changes, last_error=""))
    open_rows = open_rows.filter(status__in=Refund.OPEN_STATUSES)
    if result.status == RefundStatus.FAILED:
        return bool(open_rows.update(**changes,
                                     last_error=(result.detail or "refund_failed")[:ERROR_MAX]))
    payment = refund.payment
    with transaction.atomic():
        won = open_rows.update(**changes, refunded_at=timezone.now(), last_error="")
        if won:
            Payment.objects.filter(pk=payment.pk).update(
                refunded_fen=F("refunded_fen") + refund.amount_fen)
            PAYMENT_REFUNDED.publish(PaymentRefunded(
                payment_no=payment.payment_no, refund_no=refund.refund_no,
                purpose=payment.purpose, reference=payment.reference,
                refund_reference=refund.reference, reason=refund.reason,
                amount_fen=refund.amount_fen))
    return bool(won)


def refund_poll(*, refund_no: str) -> bool:
    """Ask the provider how a processing refund stands and record a final answer. Outside
    transactions. Returns whether this call finalised it (false when it is still processing,
    the provider gave no answer, or another path finalised it first)."""
    refund = Refund.objects.select_related("payment").get(refund_no=refund_no)
    if refund.status != Refund.Status.PROCESSING:
        return False
    try:
        result = get_provider(refund.payment.provider).refund_query(refund)
    except DomainError as exc:
        # A failed query is not a failed refund: the money may be on its way.
        logger.warning("refund %s could not be queried: %s", refund_no, _error_text(exc))
        return False
    if result.status == RefundStatus.PROCESSING:
        return False
    return refund_record(refund=refund, result=result)


def _error_text(exc: DomainError) -> str:
    detail = getattr(exc, "detail", "") or str(exc.message)
    return f"{exc.code}: {detail}"[:ERROR_MAX]


@job("payments.refunds_retry", every_seconds=120)
def refunds_issue_pending(limit: int = 100) -> int:
    """Issue refunds left pending (the process died after commit, or the provider was down).
    Returns how many the provider accepted (succeeded or processing)."""
    cutoff = timezone.now() - RETRY_AFTER
    numbers = list(Refund.objects.filter(status=Refund.Status.PENDING, created_at__lt=cutoff)
                   .order_by("pk").values_list("refund_no", flat=True)[:limit])
    issued = 0
    for number in numbers:
        try:
            if refund_issue(refund_no=number).status in (Refund.Status.SUCCEEDED,
                                                         Refund.Status.PROCESSING):
                issued += 1
        except Exception:
            logger.exception("refund %s could not be issued", number)
    return issued


@job("payments.refunds_poll", every_seconds=300)
def refunds_poll_processing(limit: int = 100) -> int:
    """Query refunds processing for over a minute at their provider (a notification may be
    lost, and Alipay sends none for refunds) and finalise those that ended. Returns how many
    this run finalised."""
    cutoff = timezone.now() - POLL_AFTER
    numbers = list(Refund.objects.filter(status=Refund.Status.PROCESSING,
                                         created_at__lt=cutoff)
                   .order_by("pk").values_list("refund_no", flat=True)[:limit])
    finalised = 0
    for number in numbers:
        try:
            finalised += refund_poll(refund_no=number)
        except Exception:
            logger.exception("refund %s could not be polled", number)
    return finalised
