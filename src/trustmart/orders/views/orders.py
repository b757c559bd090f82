"""H5 pages for checkout, the buyer's orders, the merchant's order console and the operator's
order list. Thin: parse, call a service or selector, render the result or the error."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from trustmart.core.errors import DomainError, NotFound
from trustmart.core.http import domain_errors
from trustmart.core.money import format_fen
from trustmart.merchants.selectors import merchants_of_user

from .. import selectors, services
from ..models import Order

PAGE_SIZE = 20
EVENT_LABELS = {
    "created": _lazy("Order placed"), "paid": _lazy("Paid"), "shipped": _lazy("Shipped"),
    "received": _lazy("Receipt confirmed"), "auto_confirmed": _lazy("Receipt auto-confirmed"),
    "cancelled": _lazy("Cancelled"), "expired": _lazy("Cancelled: not paid in time"),
    "refunded": _lazy("Cancelled and refunded"), "settled": _lazy("Completed"),
}


def _detail(request: HttpRequest, order: Order, **extra: object) -> HttpResponse:
    timeline = [(e, EVENT_LABELS.get(e.kind, e.kind)) for e in selectors.order_timeline(order)]
    return render(request, "orders/order_detail.html",
                  {"order": order, "timeline": timeline, **extra})


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


# --- checkout -----------------------------------------------------------------------------------
@login_required
def checkout_page(request: HttpRequest) -> HttpResponse:
    """Review the selected cart lines per merchant, pick an address, submit. The hidden
    ``request_key`` makes a double-tapped submit create one checkout."""
    addresses = list(selectors.addresses_of_user(user=request.user))
    chosen = _int(request.POST.get("address_id") or request.GET.get("address"))
    address = next((a for a in addresses if a.pk == chosen), None) or next(
        (a for a in addresses if a.is_default), addresses[0] if addresses else None)
    error = ""
    if request.method == "POST":
        if address is None or chosen is None:
            error = _("Choose a shipping address.")
        else:
            try:
                checkout = services.checkout_create(
                    buyer=request.user, address_id=address.pk,
                    request_key=request.POST.get("request_key", "")[:128] or None,
                    buyer_note=request.POST.get("note", ""))
            except DomainError as exc:
                error = str(exc.message)
            else:
                return redirect(f"/pay/checkout/{checkout.checkout_no}/")
    cart = selectors.cart_view(user=request.user,
                               province=address.province if address else None)
    groups = [g for g in cart.groups if any(item.counts for item in g.items)]
    return render(request, "orders/checkout.html", {
        "cart": cart, "groups": groups, "total": format_fen(cart.total_fen),
        "addresses": addresses, "address": address, "error": error,
        "note": request.POST.get("note", ""),
        "request_key": request.POST.get("request_key") or uuid.uuid4().hex,
    }, status=422 if error else 200)


# --- buyer's orders -----------------------------------------------------------------------------
@login_required
def order_list(request: HttpRequest) -> HttpResponse:
    tab = request.GET.get("tab", "all")
    if tab not in selectors.BUYER_TABS:
        tab = "all"
    page = Paginator(selectors.orders_of_buyer(user=request.user, tab=tab),
                     PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "orders/order_list.html", {
        "page": page, "tab": tab, "tabs": selectors.BUYER_TAB_LABELS.items()})


@login_required
@domain_errors
def order_detail(request: HttpRequest, order_no: str) -> HttpResponse:
    order = selectors.order_for_buyer(user=request.user, order_no=order_no)
    return _detail(request, order, viewer="buyer",
                   can_pay=order.status == Order.Status.AWAITING_PAYMENT,
                   can_cancel=order.status in (Order.Status.AWAITING_PAYMENT, Order.Status.PAID),
                   can_confirm=order.status == Order.Status.SHIPPED)


@login_required
@require_POST
@domain_errors(redirect_to="orders:order_detail", url_kwargs=("order_no",))
def order_action(request: HttpRequest, order_no: str, action: str) -> HttpResponse:
    """``cancel`` or ``confirm`` (receipt), from the order page's buttons."""
    if action == "cancel":
        services.order_cancel(user=request.user, order_no=order_no,
                              reason=request.POST.get("reason", ""))
        messages.success(request, _("Order cancelled."))
    elif action == "confirm":
        services.order_confirm_receipt(order_no=order_no, user=request.user)
        messages.success(request, _("Receipt confirmed."))
    else:
        raise NotFound()
    return redirect("orders:order_detail", order_no=order_no)


# --- merchant console ---------------------------------------------------------------------------
@login_required
@domain_errors
def merchant_order_list(request: HttpRequest) -> HttpResponse:
    """For the merchant of the signed-in staff member (``?merchant=`` picks one of several)."""
    merchant_ids = list(merchants_of_user(user=request.user).values_list("pk", flat=True))
    merchant_id = _int(request.GET.get("merchant")) or (merchant_ids[0] if merchant_ids else 0)
    tab = request.GET.get("tab", "to_ship")
    if tab not in selectors.MERCHANT_TABS:
        tab = "to_ship"
    orders = selectors.orders_of_merchant(user=request.user, merchant_id=merchant_id,
                                          tab=tab)
    page = Paginator(orders, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "orders/merchant_order_list.html", {
        "page": page, "tab": tab, "tabs": selectors.MERCHANT_TAB_LABELS.items(),
        "merchant_id": merchant_id})


@login_required
@domain_errors
def merchant_order_detail(request: HttpRequest, order_no: str) -> HttpResponse:
    order = selectors.order_for_merchant_staff(user=request.user, order_no=order_no)
    return _detail(request, order, viewer="merchant",
                   can_ship=order.status == Order.Status.PAID)


# --- operators ----------------------------------------------------------------------------------
@login_required
@domain_errors
def ops_order_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")
    orders = selectors.orders_for_operator(user=request.user, query=query)
    page = Paginator(orders, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "orders/ops_order_list.html", {"page": page, "q": query})


@login_required
@domain_errors
def ops_order_detail(request: HttpRequest, order_no: str) -> HttpResponse:
    order = selectors.order_for_operator(user=request.user, order_no=order_no)
    return _detail(request, order, viewer="ops")
