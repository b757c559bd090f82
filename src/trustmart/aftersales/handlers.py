"""What aftersales does when orders report news, and the check it adds to merchant
withdrawals (imported by ``AftersalesConfig.ready``).

The event system runs each handler once per event; the service is safe to run twice or
concurrently as well (the journal reference ``debt:settle:<order no>`` under the account locks).
"""

from __future__ import annotations

from trustmart.core.events import Event, subscribe
from trustmart.orders.events import ORDER_SETTLED
from trustmart.payments.services import withdrawal_check

from . import services


@subscribe(ORDER_SETTLED)
def on_order_settled(event: Event) -> None:
    """The settled money reached the merchant's payable: it first repays open debts."""
    settled = ORDER_SETTLED.data(event)
    services.debts_repay_for_settlement(merchant_id=settled.merchant_id,
                                        order_no=settled.order_no)


@withdrawal_check
def refuse_withdrawal_while_in_debt(merchant_id: int) -> None:
    """A merchant that owes the guarantee fund repays before it withdraws its payable."""
    services.debt_withdrawal_check(merchant_id=merchant_id)
