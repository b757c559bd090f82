"""Row locks of orders, in the cross-table order of docs/architecture.md: checkout, then its
orders, then their lines (each in primary-key order)."""

from __future__ import annotations

from .models import Checkout, Order, OrderLine


def checkout_lock(checkout_no: str) -> Checkout | None:
    return Checkout.objects.select_for_update().filter(checkout_no=checkout_no).first()


def order_lock(*, order_no: str | None = None, pk: int | None = None,
               skip_locked: bool = False) -> Order | None:
    """One order, locked (``skip_locked``: None if another transaction holds it)."""
    qs = Order.objects.select_for_update(skip_locked=skip_locked)
    if order_no is not None:
        return qs.filter(order_no=order_no).first()
    return qs.filter(pk=pk).first() if pk is not None else None


def order_lines_lock(order: Order) -> dict[int, OrderLine]:
    """The order's lines, locked in primary-key order, by id."""
    return {line.pk: line for line in order.lines.select_for_update().order_by("pk")}
