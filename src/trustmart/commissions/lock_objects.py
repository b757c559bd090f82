"""Row locks of commissions: an order's commission rows in primary-key order, before any
decision about them (see docs/architecture.md for the order across tables)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet

from .models import Commission


def commission_lock(commission_id: int) -> Commission | None:
    return Commission.objects.select_for_update().filter(pk=commission_id).first()


def commissions_of_orders_lock(order_nos: Iterable[str]) -> QuerySet[Commission]:
    """The orders' commissions, to be iterated: locked in primary-key order."""
    return (Commission.objects.select_for_update()
            .filter(order_no__in=sorted(set(order_nos))).order_by("pk"))
