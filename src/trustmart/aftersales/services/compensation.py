"""假一赔十: ten times what the buyer paid for the line, from the merchant's guarantee deposit.

One journal, reference ``case:<case_no>:compensation``: debit the merchant's deposit up to its
available balance, debit the platform guarantee fund (which may go negative) for the rest,
credit the buyer's wallet (payments' ``buyer_wallet`` account: the buyer withdraws it to their
own WeChat or Alipay account from 我的钱包). What the fund advanced is a ``MerchantDebt``.
Then the deposit rule runs (``merchant_deposit_refresh``), which suspends a merchant whose
deposit fell below the required minimum.
"""

from __future__ import annotations

from django.db import transaction

from trustmart.ledger.lock_objects import accounts_lock
from trustmart.ledger.models import Journal, Purpose
from trustmart.ledger.services import Leg, account_get_or_create, post
from trustmart.merchants.models import Merchant
from trustmart.merchants.services import (
    merchant_deposit_account_get_or_create,
    merchant_deposit_refresh,
)
from trustmart.payments.services import wallet_account_id

from ..conf import COMPENSATION_MULTIPLE
from ..models import Case, MerchantDebt
from .base import note_event


def compensation_reference(case: Case) -> str:
    return f"case:{case.case_no}:compensation"


def compensation_amount_fen(case: Case) -> int:
    return COMPENSATION_MULTIPLE * int(case.line.paid_fen)


@transaction.atomic
def pay_compensation(case: Case) -> int:
    """Pay the 10x compensation of ``case`` once; returns the amount (0 if nothing to pay)."""
    amount = compensation_amount_fen(case)
    reference = compensation_reference(case)
    if amount <= 0 or Journal.objects.filter(reference=reference).exists():
        return int(case.compensation_fen)
    merchant = Merchant.objects.get(pk=case.merchant_id)
    deposit = merchant_deposit_account_get_or_create(merchant=merchant)
    fund = account_get_or_create(owner_type="platform", owner_id=None,
                                 purpose=Purpose.GUARANTEE_FUND)
    wallet = wallet_account_id(case.buyer_id)
    # Read the deposit under its lock, so a racing debit cannot make the split overdraw it.
    locked = accounts_lock([deposit.pk])[deposit.pk]
    from_deposit = min(max(locked.available_fen, 0), amount)
    from_fund = amount - from_deposit
    entries = [Leg.credit(wallet, amount)]
    if from_deposit:
        entries.append(Leg.debit(deposit, from_deposit))
    if from_fund:
        entries.append(Leg.debit(fund, from_fund))
    post(entries=entries, kind="case.compensation", reference=reference,
         memo=f"counterfeit compensation, case {case.case_no}")
    if from_fund:
        MerchantDebt.objects.get_or_create(case=case, defaults={"merchant": merchant,
                                                                "amount_fen": from_fund})
    Case.objects.filter(pk=case.pk).update(compensation_fen=amount)
    case.compensation_fen = amount
    note_event(case, kind="compensation_paid", amount_fen=amount)
    merchant_deposit_refresh(merchant_id=merchant.pk)
    return amount
