"""What commissions does when orders report news, and the check it adds to the catalog's
commission bounds (imported by ``CommissionsConfig.ready``).

The event system runs each handler once per event, in a transaction with its record of having
run; the services are also safe to run twice or concurrently (guarded status updates under row
locks, ledger references as idempotency keys).
"""

from __future__ import annotations

from trustmart.catalog.services import commission_bounds_check
from trustmart.core.events import Event, subscribe
from trustmart.orders.events import ORDER_PAID, ORDER_REFUNDED, ORDER_SETTLED

from . import services


@subscribe(ORDER_PAID)
def on_order_paid(event: Event) -> None:
    paid = ORDER_PAID.data(event)
    if not any(line.store_id for line in paid.lines):
        return  # nobody sold any line (no store, no share): no commission, nothing to read
    services.commissions_create_for_order(order_no=paid.order_no)


@subscribe(ORDER_SETTLED)
def on_order_settled(event: Event) -> None:
    settled = ORDER_SETTLED.data(event)
    services.commissions_release_for_order(
        order_no=settled.order_no, lines=[line.to_payload() for line in settled.lines])


@subscribe(ORDER_REFUNDED)
def on_order_refunded(event: Event) -> None:
    refunded = ORDER_REFUNDED.data(event)
    lines = refunded.lines
    services.commissions_adjust_for_refund(
        order_no=refunded.order_no,
        lines=None if lines is None else [line.to_payload() for line in lines],
        full=refunded.full or lines is None)


@commission_bounds_check
def refuse_bounds_above_the_policy_cap(min_bps: int, max_bps: int) -> None:
    """No product may be allowed a rate above the cap the commission rules publish."""
    services.policy_bounds_check(max_bps=max_bps)
