"""Reads: who may see an order's packages, and the packages with their events."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db.models import Prefetch

from trustmart.accounts.models import User
from trustmart.accounts.selectors import is_operator
from trustmart.core.errors import NotFound
from trustmart.orders import selectors as order_selectors
from trustmart.orders.models import Order

from .carriers import CARRIERS, Carrier
from .models import Shipment, TrackingEvent


def carriers_list() -> tuple[Carrier, ...]:
    return CARRIERS


def order_for_tracking(*, user: User | AnonymousUser, order_no: str) -> Order:
    """The order if ``user`` is its buyer, staff of its merchant, or an operator; else 404."""
    if not user.is_authenticated:
        raise NotFound(code="order_not_found")
    try:
        return order_selectors.order_for_buyer(user=user, order_no=order_no)
    except NotFound:
        pass
    try:
        return order_selectors.order_for_merchant_staff(user=user, order_no=order_no)
    except NotFound:
        pass
    order = Order.objects.filter(order_no=order_no).first() if is_operator(user) else None
    if order is None:
        raise NotFound(code="order_not_found")
    return order


def shipments_of_order(*, order: Order) -> list[Shipment]:
    """The order's packages, oldest first, each with its events newest first (2 queries)."""
    events = TrackingEvent.objects.order_by("-occurred_at", "-pk")
    return list(Shipment.objects.filter(order=order).order_by("created_at", "pk")
                .prefetch_related(Prefetch("events", queryset=events)))


def shipment_for_staff(*, user: User | AnonymousUser, shipment_id: int) -> Shipment:
    """The shipment if ``user`` works for the merchant of its order; else 404."""
    shipment = Shipment.objects.select_related("order").filter(pk=shipment_id).first()
    if shipment is None:
        raise NotFound(code="shipment_not_found")
    try:
        order_selectors.order_for_merchant_staff(user=user, order_no=shipment.order.order_no)
    except NotFound:
        raise NotFound(code="shipment_not_found") from None
    return shipment
