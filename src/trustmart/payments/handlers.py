"""What payments does when other apps report news (imported by ``PaymentsConfig.ready``).

Handlers are thin: the event system runs each in a transaction and records that it consumed the
event, and the services they call are idempotent by reference, so a redelivery changes nothing.
"""

from __future__ import annotations

from trustmart.core.events import Event, subscribe
from trustmart.orders.events import ORDER_REFUNDED

from . import services


@subscribe(ORDER_REFUNDED)
def refund_order(event: Event) -> None:
    """An order was refunded, in full or in part (orders already took the money out of
    escrow): give the buyer that money back through the provider that took it. The provider is
    called after this transaction commits, never inside it."""
    refunded = ORDER_REFUNDED.data(event)
    services.order_refund_issue(order_no=refunded.order_no, checkout_no=refunded.checkout_no,
                                amount_fen=refunded.amount_fen, reference=refunded.reference)
