"""Demo data: merchants pay their guarantee deposits through the sandbox, for real.

Each payment goes through ``deposit_payment_create`` and the sandbox's signed notification, so
the demo's ledger journals, callback logs and ``deposit_ok`` flags are exactly what a merchant
paying on the site would leave behind.
"""

from __future__ import annotations

from trustmart.merchants.models import Merchant
from trustmart.merchants.selectors import merchant_deposit_balance_fen
from trustmart.merchants.services import merchant_deposit_refresh

from .providers import Outcome
from .services import deposit_payment_create, sandbox_complete


def pay_deposits(merchants: list[Merchant]) -> None:
    """Pay each merchant's missing deposit in full, as its owner; deposit_ok ends True."""
    for merchant in merchants:
        missing = merchant.deposit_required_fen - merchant_deposit_balance_fen(merchant=merchant)
        if missing > 0:
            payment = deposit_payment_create(user=merchant.owner, merchant_id=merchant.pk,
                                             amount_fen=missing,
                                             return_url=f"/pay/deposit/{merchant.pk}/")
            sandbox_complete(user=merchant.owner, payment_no=payment.payment_no,
                             outcome=Outcome.SUCCEEDED)
        else:
            merchant_deposit_refresh(merchant_id=merchant.pk)
        merchant.refresh_from_db()


def build_reconciliation(merchant: Merchant) -> int:
    """A payment whose notification the sandbox "lost", and today's reconciliation of the
    sandbox's bill, so the operators' queue (/ops/reconciliation/) shows one difference with
    its fix; the query job applies the payment a few minutes after the demo starts."""
    from django.utils import timezone

    from .services import reconciliation_run
    from .services.reconciliation import SHANGHAI

    payment = deposit_payment_create(user=merchant.owner, merchant_id=merchant.pk,
                                     amount_fen=100_00, return_url=f"/pay/deposit/{merchant.pk}/")
    sandbox_complete(user=merchant.owner, payment_no=payment.payment_no,
                     outcome=Outcome.SUCCEEDED, notify=False)
    run = reconciliation_run(provider="sandbox",
                             bill_date=timezone.now().astimezone(SHANGHAI).date())
    return run.differences
