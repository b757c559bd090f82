"""Daily reconciliation (对账): each provider's bill of yesterday (China time) against our books.

``reconciliation_run`` downloads the bill (outside any transaction: WeChat's trade bill with its
SHA1 check, Alipay's zip of GBK CSVs, the sandbox's own records), then compares it line by line
with our succeeded payments and refunds of that day, and records every difference for an
operator, with the fix it needs:

* ``missing_ours``: the provider took (or gave back) money we know nothing of; find it in
  the provider's console and refund it there;
* ``status_mismatch``: the provider says it succeeded while we still wait (a lost
  notification: the query applies it), or the other way round (check at the provider);
* ``amount_mismatch``: both know it, the amounts differ; compare before settling;
* ``missing_theirs``: we booked money the bill does not show; ask the provider.

One run per provider and day (a failed run is tried again); the job runs hourly because bills
appear some hours after midnight, and does nothing once the day is done.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from trustmart.accounts.selectors import require_operator
from trustmart.core.errors import Conflict, NotFound, invalid

from ..models import Payment, ReconciliationDifference, ReconciliationRun, Refund
from ..providers import BillKind, BillLine, ProviderError, available_providers, get_provider

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from trustmart.accounts.models import User

logger = logging.getLogger(__name__)

SHANGHAI = ZoneInfo("Asia/Shanghai")
Kind = ReconciliationDifference.Kind
Record = ReconciliationDifference.Record

# The fix each difference needs, as the operator page says it.
FIXES = {
    "query_payment": _("The provider says it was paid and we still wait: the notification was "
                       "lost. The payment query (every 2 minutes) applies it; check it did."),
    "refund_at_provider": _("A payment we know nothing of: find it in the provider's console "
                            "and refund it there."),
    "check_amount": _("The amounts differ: compare with the provider's console before the "
                      "orders settle."),
    "check_status": _("The provider says it did not succeed while we booked it: check at the "
                      "provider, then refund or correct by hand."),
    "poll_refund": _("The provider refunded it and we still wait: the refund poll finishes "
                     "it; check it did."),
    "check_refund": _("A refund we know nothing of: check the provider's console."),
    "ask_provider": _("We booked it, the provider's bill does not show it: ask the provider "
                      "and hold its settlement until it is found."),
}


def yesterday() -> date:
    return timezone.now().astimezone(SHANGHAI).date() - timedelta(days=1)


def _day(bill_date: date) -> tuple[datetime, datetime]:
    start = datetime.combine(bill_date, time.min, tzinfo=SHANGHAI)
    return start, start + timedelta(days=1)


def _difference(run: ReconciliationRun, kind: str, record: str, number: str, *, fix: str,
                provider_id: str = "", ours: int | None = None, theirs: int | None = None,
                our_status: str = "", their_status: str = "") -> ReconciliationDifference:
    return ReconciliationDifference(
        run=run, kind=kind, record=record, number=number[:32], provider_id=provider_id[:64],
        our_amount_fen=ours, their_amount_fen=theirs, our_status=our_status[:20],
        their_status=their_status[:20], fix=fix)


def _missing_theirs(run: ReconciliationRun, payments: dict[str, Payment],
                    refunds: dict[str, Refund], theirs: dict[tuple[BillKind, str], BillLine]
                    ) -> list[ReconciliationDifference]:
    """Our succeeded payments and refunds of the day that the bill does not list."""
    found = [_difference(run, Kind.MISSING_THEIRS, Record.PAYMENT, number,
                         provider_id=payment.provider_txn_id or "", ours=payment.amount_fen,
                         our_status=payment.status, fix="ask_provider")
             for number, payment in payments.items() if (BillKind.PAYMENT, number) not in theirs]
    found += [_difference(run, Kind.MISSING_THEIRS, Record.REFUND, number,
                          provider_id=refund.provider_refund_id, ours=refund.amount_fen,
                          our_status=refund.status, fix="ask_provider")
              for number, refund in refunds.items() if (BillKind.REFUND, number) not in theirs]
    return found


def reconciliation_compare(*, run: ReconciliationRun, lines: list[BillLine]
                           ) -> tuple[list[ReconciliationDifference], int]:
    """(differences, matched lines) between ``lines`` and our books of the run's day."""
    start, end = _day(run.bill_date)
    payments = {p.payment_no: p for p in Payment.objects.filter(
        provider=run.provider, status=Payment.Status.SUCCEEDED, paid_at__gte=start,
        paid_at__lt=end)}
    refunds = {r.refund_no: r for r in Refund.objects.filter(
        payment__provider=run.provider, status=Refund.Status.SUCCEEDED, refunded_at__gte=start,
        refunded_at__lt=end)}
    theirs = {(line.kind, line.number): line for line in lines}
    other_payments = {p.payment_no: p for p in Payment.objects.filter(
        provider=run.provider,
        payment_no__in=[n for k, n in theirs if k == BillKind.PAYMENT and n not in payments])}
    other_refunds = {r.refund_no: r for r in Refund.objects.filter(
        payment__provider=run.provider,
        refund_no__in=[n for k, n in theirs if k == BillKind.REFUND and n not in refunds])}
    found: list[ReconciliationDifference] = []
    matched = 0
    for (kind, number), line in theirs.items():
        record = Record.PAYMENT if kind == BillKind.PAYMENT else Record.REFUND
        ours_row: Payment | Refund | None = (payments.get(number) if kind == BillKind.PAYMENT
                                             else refunds.get(number))
        other = (other_payments.get(number) if kind == BillKind.PAYMENT
                 else other_refunds.get(number))
        if ours_row is None and other is not None and other.status == "succeeded":
            ours_row = other  # booked on another day by our clock (around midnight)

        def against(kind: str, fix: str, row: Payment | Refund | None = None,
                    line: BillLine = line, record: str = record,
                    number: str = number) -> ReconciliationDifference:
            return _difference(run, kind, record, number, fix=fix, provider_id=line.provider_id,
                               theirs=line.amount_fen, their_status=line.status,
                               ours=row.amount_fen if row is not None else None,
                               our_status=row.status if row is not None else "")

        if ours_row is None:
            if other is None:
                found.append(against(Kind.MISSING_OURS, "refund_at_provider"
                                     if record == Record.PAYMENT else "check_refund"))
            elif line.succeeded:
                found.append(against(Kind.STATUS_MISMATCH, "query_payment"
                                     if record == Record.PAYMENT else "poll_refund", other))
            else:
                matched += 1  # neither side says money moved
            continue
        if not line.succeeded:
            found.append(against(Kind.STATUS_MISMATCH, "check_status", ours_row))
        elif ours_row.amount_fen != line.amount_fen:
            found.append(against(Kind.AMOUNT_MISMATCH, "check_amount", ours_row))
        else:
            matched += 1
    found.extend(_missing_theirs(run, payments, refunds, theirs))
    return found, matched


def reconciliation_run(*, provider: str, bill_date: date) -> ReconciliationRun:
    """Reconcile ``provider``'s bill of ``bill_date`` once. A done run is returned as it is; a
    failed one is tried again. The bill is fetched outside any transaction."""
    impl = get_provider(provider)
    try:
        run, _created = ReconciliationRun.objects.get_or_create(provider=impl.name,
                                                                bill_date=bill_date)
    except IntegrityError:
        run = ReconciliationRun.objects.get(provider=impl.name, bill_date=bill_date)
    if run.status == ReconciliationRun.Status.DONE:
        return run
    try:
        lines = impl.bill(bill_date)
    except ProviderError as exc:
        ReconciliationRun.objects.filter(pk=run.pk).exclude(
            status=ReconciliationRun.Status.DONE).update(
            status=ReconciliationRun.Status.FAILED, error=f"{exc.code}: {exc.detail}"[:200],
            finished_at=timezone.now())
        run.refresh_from_db()
        return run
    with transaction.atomic():
        locked = ReconciliationRun.objects.select_for_update().get(pk=run.pk)
        if locked.status == ReconciliationRun.Status.DONE:  # a concurrent run finished it
            return locked
        differences, matched = reconciliation_compare(run=locked, lines=lines)
        ReconciliationDifference.objects.filter(run=locked, resolved_at__isnull=True).delete()
        ReconciliationDifference.objects.bulk_create(differences, ignore_conflicts=True)
        locked.status = ReconciliationRun.Status.DONE
        locked.bill_lines, locked.matched = len(lines), matched
        locked.differences = len(differences)
        locked.error, locked.finished_at = "", timezone.now()
        locked.save()
    return locked


def reconciliations_daily(*, bill_date: date | None = None) -> dict[str, str]:
    """The job: yesterday's bill of every provider that is on (and has bills)."""
    day = bill_date or yesterday()
    outcome: dict[str, str] = {}
    for impl in available_providers():
        try:
            outcome[impl.name] = str(reconciliation_run(provider=impl.name,
                                                        bill_date=day).status)
        except Exception:
            logger.exception("reconciliation of %s for %s failed", impl.name, day)
            outcome[impl.name] = "error"
    return outcome


def reconciliation_resolve(*, user: User | AnonymousUser, difference_id: int,
                           note: str) -> ReconciliationDifference:
    """An operator marks a difference resolved, saying what was done (a note is required)."""
    operator = require_operator(user)
    note = note.strip()
    if not note:
        raise invalid("note", _("Say what was done about it."), code="note_required")
    with transaction.atomic():
        difference = (ReconciliationDifference.objects.select_for_update()
                      .filter(pk=difference_id).first())
        if difference is None:
            raise NotFound(_("This difference does not exist."),
                           code="reconciliation_difference_not_found")
        if difference.resolved_at is not None:
            raise Conflict(_("This difference has been resolved already."),
                           code="reconciliation_already_resolved")
        difference.resolved_at, difference.resolved_by = timezone.now(), operator
        difference.note = note[:300]
        difference.save(update_fields=["resolved_at", "resolved_by", "note"])
    return difference
