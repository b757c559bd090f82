"""Repaying what the guarantee fund advanced for 假一赔十 (``MerchantDebt``).

A debt is repaid from the merchant's payable (the money the platform owes it for settled
orders): one ledger journal ``merchant_payable → guarantee_fund``, spread over the merchant's
open debts oldest first, each part recorded as a ``DebtRepayment`` on its debt.

Three ways in:

* ``debts_repay_for_settlement``, on ``order.settled``: the payable first repays open debts.
  Reference ``debt:settle:<order no>``: one repayment per settlement, however often the event
  is delivered.
* ``debt_repay``: the merchant repays now, from the case console or the API. Reference
  ``debt:repay:<merchant>:<request id>``, so a double-submitted form repays once.
* ``debt_payment_create``: the merchant pays with money from outside (a payment of purpose
  ``merchant_debt``); on success the money comes in to the payable and repays from there
  (``debt_payment_succeeded``, reference ``debt:pay:<payment no>``).

While a debt is open the merchant cannot withdraw its payable (``debt_withdrawal_check``,
registered with ``payments.services.withdrawal_check``).

Exactly once, never too much, never overdrawn: one transaction locks the payable and the fund
accounts (primary-key order, as the ledger does), then the merchant's open debts (primary-key
order), and only then reads what is available and what is left. A journal already posted under
the reference means the repayment happened: nothing more is done. The amount is at most the
payable's available balance read under its lock (the ledger's CHECK constraint refuses an
overdraft anyway) and at most what is left of the debts (each debt's update is a guarded
compare-and-set, and its CHECK keeps ``repaid_fen <= amount_fen``).
"""

from __future__ import annotations

import uuid

from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from trustmart.accounts.models import User
from trustmart.core.errors import Conflict, invalid
from trustmart.core.money import format_fen
from trustmart.ledger.lock_objects import accounts_lock
from trustmart.ledger.models import Journal, Purpose
from trustmart.ledger.services import Leg, account_get_or_create, post
from trustmart.merchants.selectors import merchant_for_staff
from trustmart.payments.models import Payment
from trustmart.payments.providers import DEFAULT_PROVIDER
from trustmart.payments.services import ledger_reference as payment_ledger_reference
from trustmart.payments.services import payment_create, purpose_handler

from ..lock_objects import open_debts_lock
from ..models import DebtRepayment, MerchantDebt

REPAY_KIND = "debt.repayment"
REQUEST_ID_MAX = 64


def settlement_repay_reference(order_no: str) -> str:
    return f"debt:settle:{order_no}"


def merchant_repay_reference(merchant_id: int, request_id: str) -> str:
    return f"debt:repay:{merchant_id}:{request_id}"


def _accounts(merchant_id: int) -> tuple[int, int]:
    payable = account_get_or_create(owner_type="merchant", owner_id=merchant_id,
                                    purpose=Purpose.MERCHANT_PAYABLE)
    fund = account_get_or_create(owner_type="platform", owner_id=None,
                                 purpose=Purpose.GUARANTEE_FUND)
    return payable.pk, fund.pk


def _repay(*, merchant_id: int, reference: str, source: str, amount_fen: int | None,
           strict: bool) -> int:
    """Repay up to ``amount_fen`` (None: as much as the payable allows) under ``reference``.

    Runs inside the caller's transaction. Returns what this call repaid (0 if the reference was
    used before, nothing is owed or nothing is available). ``strict`` turns "could not repay
    the amount asked for" into an error instead of a smaller (or no) repayment.
    """
    payable_id, fund_id = _accounts(merchant_id)
    locked = accounts_lock({payable_id, fund_id})
    if Journal.objects.filter(reference=reference).exists():
        return 0  # this repayment already happened
    debts = open_debts_lock(merchant_id)
    owed = sum(d.outstanding_fen for d in debts)
    available = max(locked[payable_id].available_fen, 0)
    if strict and owed == 0:
        raise Conflict(_("There is no open debt to repay."), code="no_open_debt")
    wanted = owed if amount_fen is None else min(amount_fen, owed)
    if strict and (available == 0 or wanted > available):
        raise Conflict(_("Your payable balance is not enough to repay this amount."),
                       code="payable_insufficient")
    total = min(wanted, available)
    if total <= 0:
        return 0
    journal = post(entries=[Leg.debit(payable_id, total), Leg.credit(fund_id, total)],
                   kind=REPAY_KIND, reference=reference,
                   memo=f"merchant {merchant_id} repays the guarantee fund")
    now, left, parts = timezone.now(), total, []
    for debt in debts:
        if left == 0:
            break
        part = min(left, debt.outstanding_fen)
        done = debt.repaid_fen + part == debt.amount_fen
        won = MerchantDebt.objects.filter(pk=debt.pk, repaid_fen=debt.repaid_fen).update(
            repaid_fen=F("repaid_fen") + part, repaid_at=now if done else None)
        if won != 1:  # impossible under the row lock; refuse rather than miscount
            raise Conflict(_("This debt changed meanwhile; please try again."),
                           code="debt_changed")
        parts.append(DebtRepayment(debt=debt, amount_fen=part, source=source,
                                   reference=reference, journal_id=journal.pk, created_at=now))
        left -= part
    DebtRepayment.objects.bulk_create(parts)
    return total


@transaction.atomic
def debts_repay_for_settlement(*, merchant_id: int, order_no: str) -> int:
    """order.settled: the merchant's payable first repays its open debts, oldest first.

    Once per settlement (reference ``debt:settle:<order no>``); takes at most the payable's
    available balance, so the payable never goes negative. A merchant without open debts costs
    one indexed read and takes no lock.
    """
    if not MerchantDebt.objects.filter(merchant_id=merchant_id, repaid_at__isnull=True).exists():
        return 0
    return _repay(merchant_id=merchant_id, reference=settlement_repay_reference(order_no),
                  source=DebtRepayment.Source.SETTLEMENT, amount_fen=None, strict=False)


def debt_repay(*, user: User | AnonymousUser, merchant_id: int, amount_fen: int | None = None,
               request_id: str | None = None) -> int:
    """The merchant's staff repay the guarantee fund now from the payable.

    ``amount_fen`` None repays as much as is owed; more than is owed is capped at what is owed.
    Refused (``payable_insufficient``, 409) when the payable cannot cover it, and
    (``no_open_debt``) when nothing is owed. ``request_id`` makes a double submit repay once;
    the second answer is 0.
    """
    merchant = merchant_for_staff(user=user, merchant_id=merchant_id)
    if amount_fen is not None and (isinstance(amount_fen, bool) or not isinstance(amount_fen, int)
                                   or amount_fen <= 0):
        raise invalid("amount", _("Enter an amount greater than zero."), code="invalid_amount")
    request_id = request_id or uuid.uuid4().hex
    if not 0 < len(request_id) <= REQUEST_ID_MAX:
        raise invalid("request_id", _("This repayment request is not valid."))
    with transaction.atomic():
        return _repay(merchant_id=merchant.pk,
                      reference=merchant_repay_reference(merchant.pk, request_id),
                      source=DebtRepayment.Source.MERCHANT, amount_fen=amount_fen, strict=True)


def debt_withdrawal_check(*, merchant_id: int) -> None:
    """Refuse a payable withdrawal while the merchant owes the guarantee fund."""
    left = _owed_fen(merchant_id)
    if left > 0:
        raise Conflict(_("Repay the %(amount)s you owe the guarantee fund before withdrawing.")
                       % {"amount": format_fen(left)}, code="debt_open")


# --- paying a debt from outside (WeChat Pay, Alipay, the sandbox) ------------------------------
def debt_payment_reference(merchant_id: int) -> str:
    return f"merchant:{merchant_id}"


def debt_payment_create(*, user: User | AnonymousUser, merchant_id: int,
                        provider: str = DEFAULT_PROVIDER, return_url: str = "") -> Payment:
    """The merchant's staff pay what is left of its debts with money from outside: a payment
    for exactly that amount, which the payer then completes at the provider
    (``payments.services.payment_start``). Refused (``no_open_debt``) when nothing is owed."""
    merchant = merchant_for_staff(user=user, merchant_id=merchant_id)
    assert isinstance(user, User)
    owed = _owed_fen(merchant.pk)
    if owed <= 0:
        raise Conflict(_("There is no open debt to repay."), code="no_open_debt")
    return payment_create(payer=user, purpose=Payment.Purpose.MERCHANT_DEBT,
                          reference=debt_payment_reference(merchant.pk), amount_fen=owed,
                          provider=provider, description=merchant.name, return_url=return_url)


def _owed_fen(merchant_id: int) -> int:
    owed = MerchantDebt.objects.filter(merchant_id=merchant_id, repaid_at__isnull=True).aggregate(
        amount=Sum("amount_fen"), repaid=Sum("repaid_fen"))
    return int(owed["amount"] or 0) - int(owed["repaid"] or 0)


@purpose_handler(Payment.Purpose.MERCHANT_DEBT, reference=payment_ledger_reference)
def debt_payment_succeeded(payment: Payment) -> str:
    """Inside the payment's success transaction: the money comes in to the merchant's payable
    (``external_payment_source → merchant_payable``, reference ``payment:<no>``) and repays its
    open debts from there, oldest first (``debt:pay:<payment no>``). Whatever the debts no
    longer need (the payable repaid them meanwhile as orders settled) stays in the payable,
    the merchant's own money, to withdraw."""
    kind, _sep, pk = payment.reference.partition(":")
    if kind != "merchant" or not pk.isdigit():
        raise Conflict(_("This payment does not name a merchant."),
                       code="bad_payment_reference")
    merchant_id = int(pk)
    payable_id, fund_id = _accounts(merchant_id)
    source_id = account_get_or_create(owner_type="platform", owner_id=None,
                                      purpose=Purpose.EXTERNAL_PAYMENT_SOURCE).pk
    # Every account either journal touches, locked first and in primary-key order.
    accounts_lock({payable_id, fund_id, source_id})
    reference = payment_ledger_reference(payment)
    post(entries=[Leg.debit(source_id, payment.amount_fen),
                  Leg.credit(payable_id, payment.amount_fen)],
         kind="payment.merchant_debt", reference=reference,
         memo=f"merchant {merchant_id} pays its debt via {payment.provider}")
    _repay(merchant_id=merchant_id, reference=f"debt:pay:{payment.payment_no}",
           source=DebtRepayment.Source.PAYMENT, amount_fen=payment.amount_fen, strict=False)
    return reference
