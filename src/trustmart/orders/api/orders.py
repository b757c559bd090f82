"""REST endpoints for checkouts and orders (buyer, merchant staff, operator). Thin: parse,
call, return. Mounted by ``orders.api`` after the cart's routes (so under /api/orders)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from ninja import Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from trustmart.accounts.auth import app_or_user, token_or_session
from trustmart.core.errors import InvalidInput
from trustmart.core.idempotency import HEADER, MAX_KEY_LENGTH

from .. import selectors, services
from ..models import Checkout, Order

router = Router(tags=["orders"], auth=token_or_session)


class CheckoutIn(Schema):
    address_id: int
    line_ids: list[int] | None = None
    note: str = ""


class OrderLineOut(Schema):
    id: int
    sku_id: int
    product_id: int
    product_name: str
    spec_key: str
    image_url: str
    unit_price_fen: int
    quantity: int
    paid_fen: int
    refunded_fen: int
    store_id: int | None
    share_code: str | None


class OrderEventOut(Schema):
    kind: str
    from_status: str
    to_status: str
    note: str
    created_at: datetime


class OrderOut(Schema):
    order_no: str
    checkout_no: str
    merchant_id: int
    merchant_name: str
    status: str
    goods_fen: int
    shipping_fen: int
    discount_fen: int
    total_fen: int
    refunded_fen: int
    address: dict[str, Any]
    buyer_note: str
    created_at: datetime
    paid_at: datetime | None
    shipped_at: datetime | None
    received_at: datetime | None
    expires_at: datetime | None
    lines: list[OrderLineOut]

    @staticmethod
    def resolve_checkout_no(obj: Order) -> str:
        return obj.checkout.checkout_no

    @staticmethod
    def resolve_merchant_name(obj: Order) -> str:
        return obj.merchant.name

    @staticmethod
    def resolve_lines(obj: Order) -> list[Any]:
        # ``created_lines``: the lines checkout_create has just written (no read back).
        created = getattr(obj, "created_lines", None)
        return list(obj.lines.all()) if created is None else list(created)


class OrderDetailOut(OrderOut):
    events: list[OrderEventOut]

    @staticmethod
    def resolve_events(obj: Order) -> list[Any]:
        return selectors.order_timeline(obj)


class CheckoutOut(Schema):
    checkout_no: str
    status: str
    total_fen: int
    expires_at: datetime
    paid_at: datetime | None
    pay_url: str
    orders: list[OrderOut]

    @staticmethod
    def resolve_pay_url(obj: Checkout) -> str:
        return f"/pay/checkout/{obj.checkout_no}/"

    @staticmethod
    def resolve_orders(obj: Checkout) -> list[Any]:
        # ``created_orders``: the orders checkout_create has just written (no read back).
        created = getattr(obj, "created_orders", None)
        return list(obj.orders.all()) if created is None else list(created)


class CancelIn(Schema):
    reason: str = ""


# --- buyer --------------------------------------------------------------------------------------
@router.post("/checkouts", response={201: CheckoutOut},
             summary="Check out the cart (one order per merchant); send an Idempotency-Key")
def checkout_create(request: HttpRequest, response: HttpResponse,
                    payload: CheckoutIn) -> Status[Checkout]:
    """The key is the checkout's own request key (unique per buyer, kept with the checkout),
    so a retry costs no extra writes: the same key with the same body answers the first
    checkout (``Idempotent-Replayed: true``), with another body ``idempotency_key_reused``."""
    key = request.META.get(HEADER, "").strip()
    if len(key) > MAX_KEY_LENGTH:
        raise InvalidInput(_("The idempotency key is too long."),
                           code="idempotency_key_invalid")
    checkout = services.checkout_create(
        buyer=request.user, address_id=payload.address_id, line_ids=payload.line_ids,
        buyer_note=payload.note, request_key=key or None)
    if not hasattr(checkout, "created_orders"):  # a replayed key: the first checkout
        checkout = selectors.checkout_for_buyer(user=request.user,
                                                checkout_no=checkout.checkout_no)
        response["Idempotent-Replayed"] = "true"
    return Status(201, checkout)


@router.get("/checkouts/{checkout_no}", response=CheckoutOut)
def checkout_detail(request: HttpRequest, checkout_no: str) -> Checkout:
    return selectors.checkout_for_buyer(user=request.user, checkout_no=checkout_no)


@router.get("/merchant/{merchant_id}/orders", response=list[OrderOut],
            summary="A merchant's orders by tab: to_ship, shipped, done",
            auth=app_or_user("orders:read"))
@paginate
def merchant_orders(request: HttpRequest, merchant_id: int,
                    tab: str = "to_ship") -> QuerySet[Order]:
    return selectors.orders_of_merchant(user=request.user, merchant_id=merchant_id, tab=tab)


@router.get("/merchant/orders/{order_no}", response=OrderDetailOut,
            auth=app_or_user("orders:read"))
def merchant_order_detail(request: HttpRequest, order_no: str) -> Order:
    return selectors.order_for_merchant_staff(user=request.user, order_no=order_no)


@router.get("/ops/orders", response=list[OrderOut], summary="All orders (operators)")
@paginate
def ops_orders(request: HttpRequest, q: str = "") -> QuerySet[Order]:
    return selectors.orders_for_operator(user=request.user, query=q)


@router.get("", response=list[OrderOut],
            summary="My orders by tab: all, unpaid, to_ship, to_receive, to_review, after_sale")
@paginate
def order_list(request: HttpRequest, tab: str = "all") -> QuerySet[Order]:
    return selectors.orders_of_buyer(user=request.user, tab=tab)


@router.get("/{order_no}", response=OrderDetailOut)
def order_detail(request: HttpRequest, order_no: str) -> Order:
    return selectors.order_for_buyer(user=request.user, order_no=order_no)


@router.post("/{order_no}/cancel", response=OrderDetailOut)
def order_cancel(request: HttpRequest, order_no: str, payload: CancelIn) -> Order:
    services.order_cancel(user=request.user, order_no=order_no, reason=payload.reason)
    return selectors.order_for_buyer(user=request.user, order_no=order_no)


@router.post("/{order_no}/confirm-receipt", response=OrderDetailOut)
def order_confirm_receipt(request: HttpRequest, order_no: str) -> Order:
    services.order_confirm_receipt(order_no=order_no, user=request.user)
    return selectors.order_for_buyer(user=request.user, order_no=order_no)
