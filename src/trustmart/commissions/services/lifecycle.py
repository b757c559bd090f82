"""The life of a commission, driven by order events: created (pending) when the order is paid,
released (available) when it settles, cut or cancelled when it is refunded.

Money: a pending commission is a ledger hold from the platform's commission clearing account
to the earner's ``commission_available`` account, so the earner's pending commission is that
account's ``credits_pending`` and what they may withdraw is its balance. Settlement (orders)
moves ``sum(line.commission_fen)`` from escrow into clearing; releasing posts the hold, so
clearing nets to zero. A commission cancelled after that funding gives its amount back to the
merchant (clearing → merchant payable).

Every change of a commission's status is a conditional UPDATE on its status, and the handlers
lock an order's commission rows (``select_for_update`` in primary-key order) before deciding, so
a redelivered or concurrently delivered event changes nothing twice.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from trustmart.core.errors import Conflict
from trustmart.ledger.models import Purpose
from trustmart.ledger.services import (
    Leg,
    account_get_or_create,
    hold_create,
    hold_post,
    hold_void,
    holds_post_many,
    post,
)
from trustmart.orders import services as order_services
from trustmart.orders.models import Order, OrderLine
from trustmart.sharing.models import Share
from trustmart.stores.models import Store

from ..compute import after_refund, line_commissions
from ..lock_objects import commissions_of_orders_lock
from ..models import COMMISSION_STATES, Commission
from .fraud import fraud_reasons
from .policy import policy_current

logger = logging.getLogger(__name__)

HOLD_KIND = "commission"
RETURN_KIND = "commission.return"
LIVE = (Commission.Status.PENDING, Commission.Status.AVAILABLE)
# Orders that may still get a commission reserve (orders.order_line_commission_set agrees).
PAYABLE = (Order.Status.PAID, Order.Status.SHIPPED, Order.Status.RECEIVED)


# --- accounts -------------------------------------------------------------------------------
def clearing_account_id() -> int:
    return account_get_or_create(owner_type="platform", owner_id=None,
                                 purpose=Purpose.COMMISSION_CLEARING).pk


def earner_account_id(user_id: int) -> int:
    return account_get_or_create(owner_type="user", owner_id=user_id,
                                 purpose=Purpose.COMMISSION_AVAILABLE).pk


def _merchant_payable_id(merchant_id: int) -> int:
    return account_get_or_create(owner_type="merchant", owner_id=merchant_id,
                                 purpose=Purpose.MERCHANT_PAYABLE).pk


def hold_reference(line_id: int, level: int, amount_fen: int | None = None) -> str:
    base = f"commission:{line_id}:{level}"
    return base if amount_fen is None else f"{base}:{amount_fen}"


def _return_to_merchant(*, merchant_id: int, amount_fen: int, reference: str) -> None:
    """Funded commission money nobody will earn goes back to the merchant who paid it."""
    if amount_fen > 0:
        post(entries=[Leg.debit(clearing_account_id(), amount_fen),
                      Leg.credit(_merchant_payable_id(merchant_id), amount_fen)],
             kind=RETURN_KIND, reference=reference)


def _line_commission_set(*, line_id: int, commission_fen: int) -> bool:
    return order_services.order_line_commission_set(line_id=line_id,
                                                    commission_fen=commission_fen)


# --- single transitions (callers hold the row lock) ------------------------------------------
def commission_release(commission: Commission) -> bool:
    """pending → available: post the hold. True only for the call that did it."""
    if not COMMISSION_STATES.move(commission, Commission.Status.AVAILABLE,
                                  released_at=timezone.now()):
        return False
    assert commission.hold_id is not None
    hold_post(hold_id=commission.hold_id)
    return True


def commission_cancel(commission: Commission) -> bool:
    """pending → cancelled: void the hold; if settlement already funded it, the merchant gets
    the money back. True only for the call that did it."""
    if not COMMISSION_STATES.move(commission, Commission.Status.CANCELLED,
                                  cancelled_at=timezone.now()):
        return False
    if commission.hold_id is not None:
        hold_void(hold_id=commission.hold_id)
    if commission.funded:
        _return_to_merchant(
            merchant_id=commission.merchant_id, amount_fen=commission.amount_fen,
            reference=f"{hold_reference(commission.order_line_id, commission.level)}:return")
    return True


def _reduce(commission: Commission, *, amount_fen: int, base_fen: int) -> None:
    """A pending commission shrinks to ``amount_fen``: a new, smaller hold replaces the old."""
    if commission.status != Commission.Status.PENDING or amount_fen >= commission.amount_fen:
        return
    if amount_fen <= 0:
        commission_cancel(commission)
        return
    if commission.hold_id is not None:
        hold_void(hold_id=commission.hold_id)
    hold = hold_create(debit_account=clearing_account_id(),
                       credit_account=earner_account_id(commission.earner_id),
                       amount_fen=amount_fen, kind=HOLD_KIND,
                       reference=hold_reference(commission.order_line_id, commission.level,
                                                amount_fen))
    Commission.objects.filter(pk=commission.pk, status=Commission.Status.PENDING).update(
        amount_fen=amount_fen, base_fen=base_fen, hold_id=hold.pk)
    commission.amount_fen, commission.base_fen, commission.hold_id = amount_fen, base_fen, hold.pk


def _locked(order_no: str) -> dict[int, dict[int, Commission]]:
    """The order's commissions, row-locked in primary-key order, by line and level."""
    by_line: dict[int, dict[int, Commission]] = defaultdict(dict)
    for commission in commissions_of_orders_lock([order_no]):
        by_line[commission.order_line_id][commission.level] = commission
    return by_line


# --- order.paid -----------------------------------------------------------------------------
def _level2_earner(share: Share | None, *, level1: int, buyer: int) -> tuple[int, int] | None:
    """(user, store) of the sharer whose share was re-shared, if they may earn level 2."""
    if share is None or share.parent_id is None:
        return None
    parent_sharer = Share.objects.filter(pk=share.parent_id).values_list(
        "sharer_id", flat=True).first()
    if parent_sharer is None or parent_sharer in (level1, buyer):
        return None
    store = Store.objects.filter(owner_id=parent_sharer, status=Store.Status.OPEN).values_list(
        "pk", flat=True).first()
    return None if store is None else (parent_sharer, store)


def _create(*, line: OrderLine, order: Order, level: int, earner: int, store: int | None,
            share: Share | None, rate_bps: int, base_fen: int, amount_fen: int,
            reasons: list[str]) -> Commission:
    hold = hold_create(debit_account=clearing_account_id(),
                       credit_account=earner_account_id(earner), amount_fen=amount_fen,
                       kind=HOLD_KIND, reference=hold_reference(line.pk, level))
    return Commission.objects.create(
        order_line=line, order_no=order.order_no, merchant_id=order.merchant_id,
        buyer_id=order.buyer_id, level=level, earner_id=earner, store_id=store,
        share_code=line.share_code or "", channel=share.channel if share else "",
        base_fen=base_fen, rate_bps=rate_bps, initial_fen=amount_fen, amount_fen=amount_fen,
        hold_id=hold.pk,
        review_status=Commission.Review.FLAGGED if reasons else Commission.Review.NONE,
        review_reasons=reasons)


@transaction.atomic
def commissions_create_for_order(*, order_no: str) -> list[Commission]:
    """order.paid: compute each line's commissions (at most two levels), hold them in the
    ledger, flag suspicious ones, and tell orders the line's reserve. Idempotent per line."""
    order = Order.objects.select_related("checkout").filter(order_no=order_no).first()
    if order is None or order.status not in PAYABLE or order.settled_at is not None:
        return []  # delivered late: refunded, cancelled or settled already owes nothing
    policy = policy_current()
    created: list[Commission] = []
    lines = (order.lines.filter(store__isnull=False).select_related("store")
             .order_by("pk"))
    for line in lines:
        if Commission.objects.filter(order_line=line).exists():
            continue
        assert line.store is not None
        level1 = line.store.owner_id
        if level1 == order.buyer_id and not policy.allow_self_purchase:
            continue
        share = (Share.objects.filter(code=line.share_code).first()
                 if line.share_code else None)
        level2 = (_level2_earner(share, level1=level1, buyer=order.buyer_id)
                  if policy.level2_enabled else None)
        base = line.paid_fen - line.refunded_fen
        split = line_commissions(base_fen=base, level1_bps=line.commission_bps,
                                 level2_bps=policy.level2_bps if level2 else None,
                                 max_total_bps=policy.max_total_bps)
        if split.total_fen == 0:
            continue
        earners = [level1] + ([level2[0]] if level2 and split.level2_fen else [])
        reasons = fraud_reasons(order=order, earners=earners, share_code=line.share_code or "",
                                min_click_to_pay_seconds=policy.min_click_to_pay_seconds)
        mine = [_create(line=line, order=order, level=1, earner=level1, store=line.store_id,
                        share=share, rate_bps=line.commission_bps, base_fen=base,
                        amount_fen=split.level1_fen, reasons=reasons)]
        if level2 and split.level2_fen:
            mine.append(_create(line=line, order=order, level=2, earner=level2[0],
                                store=level2[1], share=share, rate_bps=policy.level2_bps,
                                base_fen=base, amount_fen=split.level2_fen, reasons=reasons))
        if not _line_commission_set(line_id=line.pk, commission_fen=split.total_fen):
            # Refunded or finished before we got here: nothing was reserved, nothing is owed.
            for commission in mine:
                commission_cancel(commission)
        created.extend(mine)
    return created


# --- order.settled --------------------------------------------------------------------------
Settlement = tuple[str, list[dict[str, Any]]]  # (order no, the settled payload's lines)


def commissions_release_for_order(*, order_no: str, lines: list[dict[str, Any]]) -> int:
    """order.settled: settlement funded clearing with each line's ``commission_fen``. Release
    every pending commission that is not under review; give the merchant back any funded money
    no live commission stands for. Returns how many were released by this call."""
    return commissions_release_for_orders(settlements=[(order_no, lines)])


@transaction.atomic
def commissions_release_for_orders(*, settlements: list[Settlement]) -> int:
    """``commissions_release_for_order`` for many settled orders in one transaction.

    The orders' commission rows are locked together (primary-key order); each order's lines are
    reconciled with what settlement funded (rare: a refund not yet seen, money to give back);
    then every releasable commission moves to available with one guarded UPDATE and all their
    holds post through one ``ledger.holds_post_many``, so a release costs a few row writes,
    not a transaction of its own. Returns how many were released by this call.
    """
    locked = _locked_orders([order_no for order_no, _lines in settlements])
    releasable: list[Commission] = []
    for order_no, lines in settlements:
        by_line = locked.get(order_no, {})
        for line in lines:
            mine = by_line.get(int(line["line_id"]), {})
            _fund_line(order_no, int(line["line_id"]), mine, line)
            releasable.extend(
                c for c in mine.values() if c.status == Commission.Status.PENDING
                and c.review_status in (Commission.Review.NONE, Commission.Review.APPROVED))
    return _release_many(releasable)


def _fund_line(order_no: str, line_id: int, mine: dict[int, Commission],
               line: dict[str, Any]) -> None:
    """Settlement moved the line's ``commission_fen`` into clearing: mark its commissions
    funded, apply a refund settlement knows of first, give back what no commission stands for."""
    funded = line.get("commission_fen")
    if funded is None:
        return
    live = sum(c.amount_fen for c in mine.values() if c.status in LIVE)
    if int(funded) < live and "paid_fen" in line and "refunded_fen" in line:
        # A refund's event has not reached us yet: apply what settlement knows first,
        # so nothing is released on refunded money.
        _adjust_line(mine, paid_fen=int(line["paid_fen"]),
                     total_refunded_fen=int(line["refunded_fen"]), commission_fen=int(funded))
    if any(not c.funded for c in mine.values()):
        Commission.objects.filter(order_line_id=line_id, funded=False).update(funded=True)
    for commission in mine.values():
        commission.funded = True
    live = sum(c.amount_fen for c in mine.values() if c.status in LIVE)
    if int(funded) > live:
        _return_to_merchant(merchant_id=_merchant_of(order_no, mine),
                            amount_fen=int(funded) - live,
                            reference=f"commission:{line_id}:return:settle")
    elif int(funded) < live:
        logger.error("order %s line %s: funded %s < live commissions %s",
                     order_no, line_id, funded, live)


def _release_many(commissions: list[Commission]) -> int:
    """pending → available for rows the caller holds locked: one guarded UPDATE, one ledger
    call. Under the row locks every one of them is still pending, so the update must change
    them all; anything else rolls the whole release back."""
    if not commissions:
        return 0
    won = COMMISSION_STATES.move_all(commissions, Commission.Status.AVAILABLE,
                                     from_status=Commission.Status.PENDING,
                                     released_at=timezone.now())
    if won != len(commissions):
        raise Conflict(_("These commissions changed while being released."),
                       code="commission_release_raced")
    holds_post_many(hold_ids=[c.hold_id for c in commissions if c.hold_id is not None])
    return won


def _locked_orders(order_nos: list[str]) -> dict[str, dict[int, dict[int, Commission]]]:
    """The orders' commissions, row-locked in primary-key order, by order, line and level."""
    by_order: dict[str, dict[int, dict[int, Commission]]] = defaultdict(
        lambda: defaultdict(dict))
    for commission in commissions_of_orders_lock(order_nos):
        by_order[commission.order_no][commission.order_line_id][commission.level] = commission
    return by_order


def commissions_release_settled(*, limit: int = 5_000, batch: int = 500) -> int:
    """The sweep behind ``order.settled``: release the pending, releasable commissions of
    orders that have settled, ``batch`` orders per transaction, the lines rebuilt from the
    order (after settlement they no longer change, so they are what the event carried).

    The handler normally got there first and this finds nothing; it catches up a backlog (a
    handler that failed, events queued behind a slow worker) at the set-based rate.
    """
    order_nos = list(
        Commission.objects.filter(status=Commission.Status.PENDING,
                                  review_status__in=(Commission.Review.NONE,
                                                     Commission.Review.APPROVED),
                                  order_line__order__settled_at__isnull=False)
        .order_by("order_no").values_list("order_no", flat=True).distinct()[:limit])
    released = 0
    for start in range(0, len(order_nos), batch):
        chunk = order_nos[start:start + batch]
        lines: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for row in (OrderLine.objects.filter(order__order_no__in=chunk)
                    .order_by("pk").values("pk", "order__order_no", "paid_fen", "refunded_fen",
                                           "commission_fen")):
            lines[row["order__order_no"]].append(
                {"line_id": row["pk"], "paid_fen": row["paid_fen"],
                 "refunded_fen": row["refunded_fen"], "commission_fen": row["commission_fen"]})
        released += commissions_release_for_orders(
            settlements=[(order_no, lines[order_no]) for order_no in chunk])
    return released


def _merchant_of(order_no: str, mine: dict[int, Commission]) -> int:
    for commission in mine.values():
        return commission.merchant_id
    return int(Order.objects.filter(order_no=order_no).values_list("merchant_id",
                                                                    flat=True).get())


# --- order.refunded -------------------------------------------------------------------------
@transaction.atomic
def commissions_adjust_for_refund(*, order_no: str, lines: list[dict[str, Any]] | None,
                                  full: bool) -> None:
    """order.refunded: commission is never paid on refunded money. A full refund cancels every
    pending commission; a partial one cuts each touched line so its live commissions sum to
    the line's new ``commission_fen`` exactly (level 2 keeps its pro-rata share)."""
    by_line = _locked(order_no)
    if full or lines is None:
        for mine in by_line.values():
            for commission in mine.values():
                commission_cancel(commission)
        return
    for line in lines:
        mine = by_line.get(int(line["line_id"]), {})
        if mine:
            _adjust_line(mine, paid_fen=int(line["paid_fen"]),
                         total_refunded_fen=int(line["total_refunded_fen"]),
                         commission_fen=int(line["commission_fen"]))


def _adjust_line(mine: dict[int, Commission], *, paid_fen: int, total_refunded_fen: int,
                 commission_fen: int) -> None:
    """Cut a line's pending commissions so they sum to its reserve ``commission_fen``."""
    first, second = mine.get(1), mine.get(2)

    def live_amount(c: Commission | None) -> int:
        return c.amount_fen if c is not None and c.status in LIVE else 0

    split = after_refund(level1_fen=live_amount(first), level2_fen=live_amount(second),
                         level2_initial_fen=(second.initial_fen if second is not None
                                             and second.status in LIVE else 0),
                         line_commission_fen=commission_fen, paid_fen=paid_fen,
                         total_refunded_fen=total_refunded_fen)
    for maybe, amount in ((first, split.level1_fen), (second, split.level2_fen)):
        if maybe is not None:
            _reduce(maybe, amount_fen=amount, base_fen=max(paid_fen - total_refunded_fen, 0))
