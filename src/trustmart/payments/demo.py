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
