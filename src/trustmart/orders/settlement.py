"""Settlement: once the after-sale window has closed, escrow becomes the merchant's money.

An order settles exactly once, however often and however concurrently the job runs, and also
after a crash, because three things happen in ONE transaction: the guarded status transition
received → completed (``order_transition``: two racing runs cannot both win), posting the
escrow hold, and the settlement journal (whose reference ``order:<no>:settle`` is itself an
idempotency key). If anything fails in between, all of it rolls back and the next run starts
from a clean "received" order.

Refunds: ``refunded_fen`` (money already returned to the buyer from escrow by
``order_refund``) reduces what is settled. The hold is posted in full (here, or already by the
first refund), so escrow receives the whole payment and pays out ``total - refunded`` here; the
refunded part left escrow through its own journal. The platform fee is charged on what is
actually settled (on the total when nothing was refunded).

Commissions: the sum of the lines' ``commission_fen`` (what the commissions app reserved for
sharers, already scaled down by refunds) goes to the platform's commission clearing account
in the same journal; the merchant's payable receives ``settled - fee - commission``. The
commissions app then releases each sharer's pending commission out of clearing on
``order.settled``.

Withdrawals of the payable are payouts, which payments owns (it sits above orders): see
``payments.services.merchant_withdrawals``. Orders only says what the merchant is owed.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from trustmart.core.errors import Conflict, NotFound
from trustmart.core.money import Rounding, apply_bps, format_fen
from trustmart.ledger.models import Account, Hold, Purpose
from trustmart.ledger.selectors import account_find
from trustmart.ledger.services import (
    Leg,
    account_get_or_create,
    hold_post,
    post,
)
from trustmart.merchants.models import Merchant

from .events import ORDER_SETTLED, OrderSettled, SettledLine
from .lock_objects import order_lock
from .models import Order, OrderLine
from .services import order_transition

logger = logging.getLogger(__name__)

SETTLE_KIND = "order.settle"


def settle_reference(order_no: str) -> str:
    return f"order:{order_no}:settle"


def _platform(purpose: str) -> Account:
    return account_get_or_create(owner_type="platform", owner_id=None, purpose=purpose)


def _payable(merchant_id: int) -> Account:
    return account_get_or_create(owner_type="merchant", owner_id=merchant_id,
                                 purpose=Purpose.MERCHANT_PAYABLE)


def settlement_amounts(order: Order) -> tuple[int, int]:
    """``(settled, fee)``: what leaves escrow for this order, and the platform's part of it."""
    settled = order.total_fen - order.refunded_fen
    return settled, apply_bps(settled, settings.PLATFORM_FEE_BPS, rounding=Rounding.HALF_UP)


def commission_clearing_account() -> Account:
    """The platform's pass-through account for sharers' commissions (may go negative while
    pending commissions are held from it)."""
    return _platform(Purpose.COMMISSION_CLEARING)


def _settle_ledger(order: Order, *, settled_fen: int, fee_fen: int,
                   commission_fen: int) -> None:
    """Post the escrow hold, then split the order's money between merchant, sharers and
    platform."""
    if order.escrow_hold_id is None:
        raise Conflict(_("This order has no escrow to settle."), code="no_escrow_hold")
    if Hold.objects.filter(pk=order.escrow_hold_id, status=Hold.Status.PENDING).exists():
        hold_post(hold_id=order.escrow_hold_id)
    if settled_fen <= 0:
        return  # fully refunded: nothing is left in escrow for anyone
    merchant_fen = settled_fen - fee_fen - commission_fen
    if merchant_fen < 0:
        raise Conflict(_("Fee and commissions exceed what this order settles."),
                       code="commission_exceeds_settlement")
    legs = [Leg.debit(_platform(Purpose.PLATFORM_ESCROW), settled_fen)]
    if merchant_fen:
        legs.append(Leg.credit(_payable(order.merchant_id), merchant_fen))
    if fee_fen:
        legs.append(Leg.credit(_platform(Purpose.PLATFORM_REVENUE), fee_fen))
    if commission_fen:
        legs.append(Leg.credit(commission_clearing_account(), commission_fen))
    post(entries=legs, kind=SETTLE_KIND, reference=settle_reference(order.order_no),
         memo=f"order {order.order_no}")


def _settled_payload(order: Order, *, fee_fen: int, lines: list[OrderLine]) -> OrderSettled:
    return OrderSettled(
        order_no=order.order_no, merchant_id=order.merchant_id, buyer_id=order.buyer_id,
        total_fen=order.total_fen, fee_fen=fee_fen,
        lines=[SettledLine(line_id=line.pk, paid_fen=line.paid_fen, store_id=line.store_id,
                           share_code=line.share_code, commission_bps=line.commission_bps,
                           commission_fen=line.commission_fen, refunded_fen=line.refunded_fen)
               for line in lines])


def _is_due(order: Order, now: Any) -> bool:
    return (order.status == Order.Status.RECEIVED and order.open_cases == 0
            and order.settle_due_at is not None and order.settle_due_at <= now)


def order_settle(*, order_no: str) -> bool:
    """Settle one received, due order without open cases; True only for the run that did it.

    The row lock (PostgreSQL) makes a case opened at the same moment wait or win; the guarded
    transition is what decides between two settling runs. A lost race returns False and changes
    nothing.
    """
    if not Order.objects.filter(order_no=order_no).exists():
        raise NotFound(_("This order does not exist."))
    now = timezone.now()
    with transaction.atomic():
        order = order_lock(order_no=order_no, skip_locked=True)
        if order is None or not _is_due(order, now):
            return False  # another run holds it, or it is not (or no longer) due
        settled_fen, fee_fen = settlement_amounts(order)
        lines = list(order.lines.order_by("pk"))
        commission_fen = sum(line.commission_fen for line in lines)
        if not order_transition(order, Order.Status.COMPLETED, kind="settled",
                                note=f"{format_fen(settled_fen)}", settled_at=now,
                                completed_at=now, platform_fee_fen=fee_fen,
                                commission_fen=commission_fen):
            return False
        _settle_ledger(order, settled_fen=settled_fen, fee_fen=fee_fen,
                       commission_fen=commission_fen)
        ORDER_SETTLED.publish(_settled_payload(order, fee_fen=fee_fen, lines=lines))
    return True


def _due_order_nos(limit: int) -> list[str]:
    return list(
        Order.objects.filter(status=Order.Status.RECEIVED, open_cases=0,
                             settle_due_at__lte=timezone.now())
        .order_by("settle_due_at", "pk").values_list("order_no", flat=True)[:limit]
    )


def orders_settle_due(limit: int = 500) -> int:
    """The periodic sweep: settle every due order, each in its own transaction.

    One failing order is logged and left for the next run; it does not stop the others.
    """
    settled = 0
    for order_no in _due_order_nos(limit):
        try:
            settled += order_settle(order_no=order_no)
        except Exception:
            logger.exception("settling order %s failed", order_no)
    return settled


# --- the merchant's payable -----------------------------------------------------------------
def merchant_payable_fen(*, merchant: Merchant) -> int:
    """What the merchant can withdraw now, straight from the ledger: what the platform owes it,
    less withdrawals on their way out (held until the payout ends)."""
    account = account_find(owner_type="merchant", owner_id=merchant.pk,
                           purpose=Purpose.MERCHANT_PAYABLE)
    return account.available_fen if account is not None else 0


def merchant_settled_orders(*, merchant: Merchant, limit: int = 50) -> QuerySet[Order]:
    """The newest settled orders, each with ``net_fen`` (what the merchant received)."""
    return (
        Order.objects.filter(merchant=merchant, settled_at__isnull=False)
        .annotate(net_fen=F("total_fen") - F("refunded_fen") - F("platform_fee_fen")
                  - F("commission_fen"))
        .order_by("-settled_at", "-pk")[:limit]
    )
