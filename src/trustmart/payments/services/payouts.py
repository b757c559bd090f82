"""Money out (提现到账): payouts of withdrawals to the owner's payout account, exactly once.

``payout_request`` runs inside the caller's transaction (a commission withdrawal, a merchant
payable withdrawal, a wallet withdrawal): it holds the money in the ledger (source →
``external_payout``, so the balance drops at once and cannot be spent twice) and writes a
pending ``Payout``, unique per ``reference``. After commit ``payout_issue`` sends it:

```
pending ──► processing   (the provider accepted it; a query ends it)
   │            ├─► succeeded   (the hold is posted: the money has left)
   │            └─► failed      (the hold is voided: the money is back in the balance)
   ├─► succeeded
   └─► failed
```

* **One transfer call**: the sender claims the payout first (``UPDATE … SET claimed_until =
  now + lease WHERE status = 'pending' AND claim expired``); a concurrent job or retry finds
  it claimed and does nothing. A claim whose holder died expires; the next sender first asks
  the provider whether the transfer exists (it may have been placed before the crash), and
  providers deduplicate by our payout number (WeChat ``out_bill_no``, Alipay ``out_biz_no``)
  anyway.
* **One ledger movement**: the status moves with a guarded ``UPDATE … WHERE status IN (open)``
  and only its winner posts or voids the hold, in the same transaction.
* **No network call inside a transaction**: the provider is called between the claim and the
  record, each its own short transaction.

Bank accounts are paid by hand: an operator exports the pending bank payouts as a batch (they
become processing), pays them in the bank's own system, and marks each paid or failed.
"""

from __future__ import annotations

import csv
import io
import logging
from datetime import timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from trustmart.accounts.selectors import require_operator
from trustmart.core.errors import Conflict, NotFound, invalid
from trustmart.ledger.models import Purpose
from trustmart.ledger.services import (
    InsufficientFunds,
    account_get_or_create,
    hold_create,
    hold_post,
    hold_void,
)

from ..events import PAYOUT_ENDED, PayoutEnded
from ..models import Payout, PayoutAccount, PayoutBatch
from ..providers import PayoutStatus, ProviderError, TransferResult, get_provider

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from trustmart.accounts.models import User

logger = logging.getLogger(__name__)

# A sender holds a payout this long; a claim older than that belonged to a process that died.
CLAIM_LEASE = timedelta(minutes=5)
# A processing payout is asked about once it has been processing this long.
POLL_AFTER = timedelta(minutes=1)
# A pending payout not sent after its commit (a crash) is sent by the job after this.
RETRY_AFTER = timedelta(minutes=1)
MANUAL = "manual"
SANDBOX = "sandbox"
ERROR_MAX = 200


def payout_provider_for(account: PayoutAccount) -> str:
    """Who pays an account: WeChat Pay or Alipay when configured (the sandbox when not, in a
    sandbox site), or an operator by hand for a bank account."""
    if account.kind == PayoutAccount.Kind.BANK:
        return MANUAL
    real = "wechatpay" if account.kind == PayoutAccount.Kind.WECHAT else "alipay"
    if account.appid != SANDBOX:
        try:
            return get_provider(real).name
        except Exception:
            if not settings.PAYMENT_SANDBOX_ENABLED:
                raise
    return get_provider(SANDBOX).name


def _insufficient(exc: InsufficientFunds) -> InsufficientFunds:
    return InsufficientFunds(_("You have not that much money available to withdraw."),
                             code="withdrawal_exceeds_balance")


def payout_request(*, owner_type: str, owner_id: int, source: str, reference: str,
                   amount_fen: int, source_account_id: int, account: PayoutAccount,
                   requested_by: User, remark: str = "") -> Payout:
    """Hold ``amount_fen`` of ``source_account_id`` for a payout to ``account`` and send it
    after commit. Inside the caller's transaction; idempotent by ``reference``. The account
    must be the owner's and verified (``payout_account_unverified``)."""
    if isinstance(amount_fen, bool) or not isinstance(amount_fen, int) or amount_fen <= 0:
        raise invalid("amount", _("The amount must be a whole number of fen."),
                      code="invalid_amount")
    if (account.owner_type, account.owner_id) != (owner_type, owner_id):
        raise NotFound(_("This payout account does not exist."),
                       code="payout_account_not_found")
    if account.status != PayoutAccount.Status.VERIFIED:
        raise Conflict(_("This payout account is not verified yet."),
                       code="payout_account_unverified")
    with transaction.atomic():
        existing = Payout.objects.filter(reference=reference).first()
        if existing is not None:
            return existing
        payout_account = account_get_or_create(owner_type="platform", owner_id=None,
                                               purpose=Purpose.EXTERNAL_PAYOUT)
        try:
            hold = hold_create(debit_account=source_account_id, credit_account=payout_account,
                               amount_fen=amount_fen, kind="payout",
                               reference=f"payout:{reference}"[:80],
                               memo=f"{owner_type} {owner_id} payout ({source})")
        except InsufficientFunds as exc:
            raise _insufficient(exc) from exc
        payout = Payout.objects.create(
            owner_type=owner_type, owner_id=owner_id, source=source, reference=reference,
            account=account, provider=payout_provider_for(account), amount_fen=amount_fen,
            hold_id=hold.pk, remark=remark[:60], requested_by=requested_by)
        if payout.provider != MANUAL:
            payout_id = payout.pk
            transaction.on_commit(lambda: _issue_quietly(payout_id), robust=True)
    return payout


def _issue_quietly(payout_id: int) -> None:
    try:
        payout_issue(payout_id=payout_id)
    except Exception:  # the job retries; never break the committed caller
        logger.exception("payout %s could not be sent", payout_id)


def _claim(payout_id: int) -> bool:
    now = timezone.now()
    return bool(Payout.objects.filter(
        Q(claimed_until__isnull=True) | Q(claimed_until__lt=now), pk=payout_id,
        status=Payout.Status.PENDING).exclude(provider=MANUAL)
        .update(claimed_until=now + CLAIM_LEASE, attempts=F("attempts") + 1))


def payout_issue(*, payout_id: int) -> Payout:
    """Send a pending payout to its provider (outside transactions) and record the answer.
    Does nothing when another sender holds it or it is not pending."""
    if not _claim(payout_id):
        return Payout.objects.get(pk=payout_id)
    payout = Payout.objects.select_related("account").get(pk=payout_id)
    impl = get_provider(payout.provider)
    try:
        result: TransferResult | None = None
        if payout.attempts > 1:  # an earlier sender may have placed it before it died
            found = impl.transfer_query(payout)
            result = None if found.missing else found
        if result is None:
            result = impl.transfer(payout)
    except ProviderError as exc:
        logger.warning("payout %s: no answer from %s (%s)", payout.payout_no, payout.provider,
                       exc.detail)
        Payout.objects.filter(pk=payout.pk, status=Payout.Status.PENDING).update(
            last_error=f"{exc.code}: {exc.detail}"[:ERROR_MAX])
        payout.refresh_from_db()
        return payout
    payout_record(payout=payout, result=result)
    payout.refresh_from_db()
    return payout


def payout_record(*, payout: Payout, result: TransferResult) -> bool:
    """Record what the provider (or an operator, for bank payouts) says. Returns whether this
    call changed the payout; of racing callers one finalises it and moves the money once."""
    if result.status is None:
        return False
    rows = Payout.objects.filter(pk=payout.pk)
    if result.status == PayoutStatus.PROCESSING:
        return bool(rows.filter(status=Payout.Status.PENDING).update(
            status=Payout.Status.PROCESSING, claimed_until=None, last_error="",
            provider_bill_id=result.provider_bill_id[:64] or F("provider_bill_id"),
            package_info=result.package_info))
    final = (Payout.Status.SUCCEEDED if result.status == PayoutStatus.SUCCEEDED
             else Payout.Status.FAILED)
    with transaction.atomic():
        won = rows.filter(status__in=Payout.OPEN_STATUSES).update(
            status=final, finished_at=timezone.now(), claimed_until=None, package_info="",
            provider_bill_id=result.provider_bill_id[:64] or F("provider_bill_id"),
            last_error="" if final == Payout.Status.SUCCEEDED
            else (result.detail or "payout_failed")[:ERROR_MAX])
        if won:
            if final == Payout.Status.SUCCEEDED:
                hold_post(hold_id=payout.hold_id)
            else:
                hold_void(hold_id=payout.hold_id)  # the money goes back to the balance
            PAYOUT_ENDED[str(final)].publish(PayoutEnded(
                payout_id=payout.pk, payout_no=payout.payout_no,
                owner_type=payout.owner_type, owner_id=payout.owner_id,
                source=payout.source, reference=payout.reference,
                amount_fen=payout.amount_fen))
    return bool(won)


def payout_poll(*, payout_id: int) -> bool:
    """Ask the provider how a processing payout stands; record a final answer. A transfer the
    provider does not know goes back to pending (it is sent again, under the same number)."""
    payout = Payout.objects.select_related("account").get(pk=payout_id)
    if payout.status != Payout.Status.PROCESSING or payout.provider == MANUAL:
        return False
    result = get_provider(payout.provider).transfer_query(payout)
    if result.missing:
        Payout.objects.filter(pk=payout.pk, status=Payout.Status.PROCESSING).update(
            status=Payout.Status.PENDING, claimed_until=None)
        return False
    if result.status == PayoutStatus.PROCESSING:
        if result.package_info and result.package_info != payout.package_info:
            Payout.objects.filter(pk=payout.pk, status=Payout.Status.PROCESSING).update(
                package_info=result.package_info)
        return False
    return payout_record(payout=payout, result=result)


def payouts_sweep(*, limit: int = 100) -> dict[str, int]:
    """The job: send pending payouts left unsent (after a crash or a provider outage) and ask
    about processing ones. Safe to run concurrently: claims and guarded updates."""
    now = timezone.now()
    sent = polled = 0
    pending = list(Payout.objects.filter(status=Payout.Status.PENDING,
                                         created_at__lt=now - RETRY_AFTER)
                   .exclude(provider=MANUAL).order_by("pk").values_list("pk", flat=True)[:limit])
    for payout_id in pending:
        try:
            sent += payout_issue(payout_id=payout_id).status != Payout.Status.PENDING
        except Exception:
            logger.exception("payout %s could not be sent", payout_id)
    processing = list(Payout.objects.filter(status=Payout.Status.PROCESSING,
                                            updated_at__lt=now - POLL_AFTER)
                      .exclude(provider=MANUAL).order_by("pk")
                      .values_list("pk", flat=True)[:limit])
    for payout_id in processing:
        try:
            polled += payout_poll(payout_id=payout_id)
        except ProviderError as exc:
            logger.warning("payout %s could not be queried: %s", payout_id, exc.detail)
        except Exception:
            logger.exception("payout %s could not be queried", payout_id)
    return {"sent": sent, "finished": polled}


# --- bank payouts, by hand ----------------------------------------------------------------------
def payout_batch_create(*, user: User | AnonymousUser) -> tuple[PayoutBatch | None, str]:
    """An operator takes every pending bank payout into a batch (they become processing) and
    gets the CSV to pay them with in the bank's system. (None, "") when there is none."""
    operator = require_operator(user)
    with transaction.atomic():
        rows = list(Payout.objects.select_for_update().filter(
            provider=MANUAL, status=Payout.Status.PENDING, batch__isnull=True)
            .select_related("account").order_by("pk"))
        if not rows:
            return None, ""
        batch = PayoutBatch.objects.create(created_by=operator, count=len(rows),
                                           total_fen=sum(row.amount_fen for row in rows))
        Payout.objects.filter(pk__in=[row.pk for row in rows],
                              status=Payout.Status.PENDING).update(
            batch=batch, status=Payout.Status.PROCESSING)
    return batch, payout_batch_csv(batch=batch)


def payout_batch_csv(*, batch: PayoutBatch) -> str:
    """The batch as the bank's bulk-payment sheet: number, name, bank, account, amount."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["payout_no", "real_name", "bank_name", "bank_branch", "bank_account_no",
                     "amount_yuan", "remark"])
    for payout in batch.payouts.select_related("account").order_by("pk"):
        account = payout.account
        yuan, fen = divmod(payout.amount_fen, 100)
        writer.writerow([payout.payout_no, account.real_name, account.bank_name,
                         account.bank_branch, account.bank_account_no, f"{yuan}.{fen:02d}",
                         payout.remark])
    return buffer.getvalue()


def payout_mark(*, user: User | AnonymousUser, payout_id: int, paid: bool,
                note: str = "") -> Payout:
    """An operator says how a bank payout of a batch ended: paid (the hold posts) or failed
    (the money returns to the balance; ``note`` says why)."""
    require_operator(user)
    payout = Payout.objects.filter(pk=payout_id, provider=MANUAL).first()
    if payout is None:
        raise NotFound(_("This payout does not exist."), code="payout_not_found")
    if payout.status != Payout.Status.PROCESSING:
        raise Conflict(_("Only a bank payout that was exported can be marked."),
                       code="payout_not_processing")
    if not paid and not note.strip():
        raise invalid("note", _("Say why the payment failed."), code="note_required")
    payout_record(payout=payout, result=TransferResult(
        status=PayoutStatus.SUCCEEDED if paid else PayoutStatus.FAILED,
        detail=note.strip()[:ERROR_MAX]))
    payout.refresh_from_db()
    return payout
