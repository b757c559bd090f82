"""What commissions does when orders report news, and the check it adds to the catalog's
commission bounds (imported by ``CommissionsConfig.ready``).

The event system runs each handler once per event, in a transaction with its record of having
run; the services are also safe to run twice or concurrently (guarded status updates under row
locks, ledger references as idempotency keys).
"""

from __future__ import annotations

from trustmart.catalog.services import commission_bounds_check
from trustmart.core.events import Event, subscribe

from . import services


@subscribe("order.paid")
def on_order_paid(event: Event) -> None:
    lines = event.payload.get("lines")
    if lines is not None and not any(line.get("store_id") for line in lines):
        return  # nobody sold any line (no store, no share): no commission, nothing to read
    services.commissions_create_for_order(order_no=str(event.payload["order_no"]))


@subscribe("order.settled")
def on_order_settled(event: Event) -> None:
    services.commissions_release_for_order(order_no=str(event.payload["order_no"]),
                                           lines=list(event.payload.get("lines") or []))


@subscribe("order.refunded")
def on_order_refunded(event: Event) -> None:
    payload = event.payload
    lines = payload.get("lines")
    services.commissions_adjust_for_refund(order_no=str(payload["order_no"]),
                                           lines=None if lines is None else list(lines),
                                           full=bool(payload.get("full", lines is None)))


@commission_bounds_check
def refuse_bounds_above_the_policy_cap(min_bps: int, max_bps: int) -> None:
    """No product may be allowed a rate above the cap the commission rules publish."""
    services.policy_bounds_check(max_bps=max_bps)
