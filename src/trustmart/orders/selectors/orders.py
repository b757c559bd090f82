"""Reads of checkouts and orders for the buyer, the merchant's staff and operators.

Someone else's order does not exist for the caller (404), whoever they are.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext_lazy as _

from trustmart.accounts.models import User
from trustmart.accounts.selectors import is_operator
from trustmart.core.errors import NotAuthenticated, NotFound
from trustmart.merchants.selectors import merchant_for_staff, merchants_of_user

from ..models import Checkout, Order, OrderEvent, OrderLine

S = Order.Status
BUYER_TABS: dict[str, tuple[str, ...]] = {
    "all": (),
    "unpaid": (S.AWAITING_PAYMENT,),
    "to_ship": (S.PAID,),
    "to_receive": (S.SHIPPED,),
    "to_review": (S.RECEIVED, S.COMPLETED),
    "after_sale": (S.REFUNDING, S.REFUNDED),
}
BUYER_TAB_LABELS = {
    "all": _("All"), "unpaid": _("To pay"), "to_ship": _("To ship"),
    "to_receive": _("To receive"), "to_review": _("To review"), "after_sale": _("After-sale"),
}
MERCHANT_TABS: dict[str, tuple[str, ...]] = {
    "to_ship": (S.PAID,),
    "shipped": (S.SHIPPED,),
    "done": (S.RECEIVED, S.COMPLETED),
}
MERCHANT_TAB_LABELS = {"to_ship": _("To ship"), "shipped": _("Shipped"), "done": _("Completed")}


def _member(user: User | AnonymousUser) -> User:
    if not isinstance(user, User) or not user.is_authenticated:
        raise NotAuthenticated()
    return user


def _not_found() -> NotFound:
    return NotFound(_("This order does not exist."), code="order_not_found")


def _with_details(qs: QuerySet[Order]) -> QuerySet[Order]:
    return qs.select_related("checkout", "merchant").prefetch_related(
        Prefetch("lines", queryset=OrderLine.objects.select_related("store__owner").order_by("pk")),
        Prefetch("events", queryset=OrderEvent.objects.order_by("created_at", "pk")))


def order_timeline(order: Order) -> list[OrderEvent]:
    """The order's timeline, oldest first: placing it, then every recorded transition and note.

    Placing an order is not a transition, so checkout writes no event row for it: the first
    entry comes from the order itself (its ``created_at``, its buyer). Orders placed before
    that change keep their recorded "created" row, which is then used as it is."""
    events = list(order.events.all())
    if not events or events[0].kind != "created":
        events.insert(0, OrderEvent(order=order, from_status="", kind="created",
                                    to_status=Order.Status.AWAITING_PAYMENT,
                                    actor_id=order.buyer_id, created_at=order.created_at))
    return events


def _tab_filter(qs: QuerySet[Order], tabs: dict[str, tuple[str, ...]], tab: str
                ) -> QuerySet[Order]:
    statuses = tabs.get(tab, ())
    return qs.filter(status__in=statuses) if statuses else qs


def order_for_buyer(*, user: User | AnonymousUser, order_no: str) -> Order:
    order = _with_details(Order.objects.filter(buyer=_member(user), order_no=order_no)).first()
    if order is None:
        raise _not_found()
    return order


def order_for_merchant_staff(*, user: User | AnonymousUser, order_no: str) -> Order:
    """An order of one of the merchants the user works for."""
    merchant_ids = merchants_of_user(user=_member(user)).values_list("pk", flat=True)
    order = _with_details(Order.objects.filter(merchant_id__in=merchant_ids,
                                               order_no=order_no)).first()
    if order is None:
        raise _not_found()
    return order


def orders_of_buyer(*, user: User | AnonymousUser, tab: str = "all") -> QuerySet[Order]:
    qs = Order.objects.filter(buyer=_member(user)).order_by("-created_at", "-pk")
    return _with_details(_tab_filter(qs, BUYER_TABS, tab))


def orders_of_merchant(*, user: User | AnonymousUser, merchant_id: int,
                       tab: str = "to_ship") -> QuerySet[Order]:
    merchant = merchant_for_staff(user=user, merchant_id=merchant_id)
    qs = Order.objects.filter(merchant=merchant).exclude(
        status__in=(S.AWAITING_PAYMENT, S.CANCELLED)).order_by("-created_at", "-pk")
    return _with_details(_tab_filter(qs, MERCHANT_TABS, tab))


def checkout_for_buyer(*, user: User | AnonymousUser, checkout_no: str) -> Checkout:
    checkout = (Checkout.objects.filter(buyer=_member(user), checkout_no=checkout_no)
                .prefetch_related(Prefetch("orders", queryset=_with_details(
                    Order.objects.order_by("pk")))).first())
    if checkout is None:
        raise NotFound(_("This checkout does not exist."), code="checkout_not_found")
    return checkout


def orders_for_operator(*, user: User | AnonymousUser, query: str = "") -> QuerySet[Order]:
    """Every order, newest first, optionally by (part of) its number; operators only."""
    if not is_operator(user):
        raise NotFound()
    qs = Order.objects.select_related("merchant", "buyer").order_by("-created_at", "-pk")
    query = query.strip()
    return qs.filter(order_no__icontains=query) if query else qs


def order_for_operator(*, user: User | AnonymousUser, order_no: str) -> Order:
    if not is_operator(user):
        raise NotFound()
    order = _with_details(Order.objects.filter(order_no=order_no)).first()
    if order is None:
        raise _not_found()
    return order
