"""What aftersales does when orders report news (imported by ``AftersalesConfig.ready``).

The event system runs each handler once per event; the service is safe to run twice or
concurrently as well (the journal reference ``debt:settle:<order no>`` under the account locks).
"""

from __future__ import annotations

from trustmart.core.events import Event, subscribe

from . import services


@subscribe("order.settled")
def on_order_settled(event: Event) -> None:
    """The settled money reached the merchant's payable: it first repays open debts."""
    services.debts_repay_for_settlement(merchant_id=int(event.payload["merchant_id"]),
                                        order_no=str(event.payload["order_no"]))
