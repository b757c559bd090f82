"""Order status moves: one guarded conditional update per move (``ORDER_STATES``, a
``core.states.StateMachine``), recorded in the order's timeline.

``UPDATE ... WHERE status = <from>`` is what makes two racing requests (ship vs cancel, two
confirmations) produce exactly one winner without holding a lock across the request.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from trustmart.accounts.models import User
from trustmart.catalog.services import sku_stock_return
from trustmart.core.errors import Conflict, NotFound

from ..events import ORDER_RECEIVED, ORDER_SHIPPED, OrderReceived, OrderShipped
from ..models import ORDER_STATES, Order


def _record(kind: str, actor: User | None, note: str) -> dict[str, Any]:
    return {"kind": kind, "actor": actor if actor and actor.pk else None, "note": note[:300]}


def order_transition(order: Order, to_status: str, *, kind: str, actor: User | None = None,
                     note: str = "", **fields: Any) -> bool:
    """Move ``order`` from its current (in-memory) status to ``to_status``; False if the move
    is not allowed or another request moved the order first."""
    return ORDER_STATES.move(order, to_status, record=_record(kind, actor, note), **fields)


def orders_transition(orders: list[Order], to_status: str, *, kind: str,
                      fields: Callable[[Order], dict[str, Any]],
                      actor: User | None = None, note: str = "") -> bool:
    """Move several orders to ``to_status`` in the caller's transaction: one guarded UPDATE per
    order (``fields(order)`` are its other columns, plain values) and one INSERT for all their
    timeline events. False, with nothing recorded, unless every order moved; the caller then
    raises so that its transaction rolls the moved ones back."""
    return ORDER_STATES.move_many(orders, to_status, fields=fields,
                                  record=_record(kind, actor, note))


def order_stock_return(order: Order) -> None:
    """Put every line's units back (an unpaid order closed, or a paid one refunded)."""
    for line in order.lines.all():
        sku_stock_return(sku_id=line.sku_id, quantity=line.quantity)


def _order(order_no: str) -> Order:
    order = Order.objects.filter(order_no=order_no).first()
    if order is None:
        raise NotFound(_("This order does not exist."), code="order_not_found")
    return order


@transaction.atomic
def order_ship(*, order_no: str, actor: User | None = None) -> Order:
    """paid → shipped (logistics calls it on the first shipment); starts the auto-confirm clock.
    A second call for an already shipped order is a no-op so a retried shipment is harmless."""
    order = _order(order_no)
    if order.status == Order.Status.SHIPPED:
        return order
    now = timezone.now()
    due = now + timedelta(days=settings.ORDER_AUTO_CONFIRM_DAYS)
    if not order_transition(order, Order.Status.SHIPPED, kind="shipped", actor=actor,
                            shipped_at=now, auto_confirm_due_at=due):
        raise Conflict(_("This order cannot be shipped now."), code="order_not_shippable")
    ORDER_SHIPPED.publish(OrderShipped(
        order_no=order.order_no, buyer_id=order.buyer_id, merchant_id=order.merchant_id,
        paid_at=order.paid_at.isoformat() if order.paid_at else None,
        shipped_at=now.isoformat()))
    return order


@transaction.atomic
def order_confirm_receipt(*, order_no: str, user: User | AnonymousUser | None = None,
                          auto: bool = False) -> Order:
    """shipped → received; the after-sale window (and so settlement) starts now."""
    if user is not None:
        from ..selectors import order_for_buyer

        order = order_for_buyer(user=user, order_no=order_no)
    else:
        order = _order(order_no)
    now = timezone.now()
    actor = user if isinstance(user, User) else None
    if not order_transition(order, Order.Status.RECEIVED,
                            kind="auto_confirmed" if auto else "received",
                            actor=actor, received_at=now, auto_confirm_due_at=None,
                            settle_due_at=now + timedelta(days=settings.ORDER_AFTER_SALE_DAYS)):
        raise Conflict(_("This order cannot be confirmed now."), code="order_not_confirmable")
    ORDER_RECEIVED.publish(OrderReceived(
        order_no=order.order_no, buyer_id=order.buyer_id, merchant_id=order.merchant_id,
        auto=auto, received_at=now.isoformat()))
    return order


def orders_auto_confirm_due(limit: int = 500) -> int:
    """Confirm receipt of orders shipped long enough ago; returns how many were confirmed."""
    due = (Order.objects.filter(status=Order.Status.SHIPPED, open_cases=0,
                                auto_confirm_due_at__lte=timezone.now())
           .order_by("auto_confirm_due_at").values_list("order_no", flat=True)[:limit])
    done = 0
    for order_no in list(due):
        try:
            order_confirm_receipt(order_no=order_no, auto=True)
        except Conflict:
            continue  # the buyer confirmed (or a case opened) in between
        done += 1
    return done
