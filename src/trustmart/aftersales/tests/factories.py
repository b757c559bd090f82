"""Orders made the way production makes them, and shortcuts to open cases on them."""

from __future__ import annotations

from typing import Any

from trustmart.accounts.models import User
from trustmart.aftersales import services
from trustmart.aftersales.models import Case, Kind, Reason
from trustmart.catalog.models import Sku
from trustmart.catalog.tests.factories import image_upload
from trustmart.ledger.models import Purpose
from trustmart.ledger.selectors import account_find
from trustmart.orders import services as order_services
from trustmart.orders.models import Order

ADDRESS = {"recipient_name": "张三", "mobile": "13800001111", "province": "浙江",
           "city": "杭州市", "district": "西湖区", "detail": "文三路 1 号"}
PRICE_FEN = 19_900


def make_order(buyer: User, sku: Sku, status: str = "received", quantity: int = 1) -> Order:
    """An order in ``status`` (paid, shipped or received): cart, checkout, pay, ship, confirm."""
    address = order_services.address_create(user=buyer, **ADDRESS)  # type: ignore[arg-type]
    order_services.cart_line_add(user=buyer, sku_id=sku.pk, quantity=quantity)
    checkout = order_services.checkout_create(buyer=buyer, address_id=address.pk)
    assert order_services.checkout_paid(checkout_no=checkout.checkout_no,
                                        amount_fen=checkout.total_fen,
                                        payment_ref=f"test-{checkout.checkout_no}")
    order = checkout.orders.get()
    if status in ("shipped", "received"):
        order_services.order_ship(order_no=order.order_no)
    if status == "received":
        order_services.order_confirm_receipt(order_no=order.order_no)
    order.refresh_from_db()
    return order


def open_case(buyer: User, order: Order, kind: str = Kind.REFUND_ONLY, *,
              reason: str = Reason.NOT_AS_DESCRIBED, images: int = 0, **extra: Any) -> Case:
    line = order.lines.order_by("pk").first()
    assert line is not None
    return services.case_open(buyer=buyer, order_no=order.order_no, line_id=line.pk, kind=kind,
                              reason=reason, text=extra.pop("text", "不对版"),
                              images=[image_upload() for _ in range(images)], **extra)


def balance(owner_type: str, owner_id: int | None, purpose: str) -> int:
    account = account_find(owner_type=owner_type, owner_id=owner_id, purpose=purpose)
    return account.balance_fen if account is not None else 0


def wallet_fen(buyer: Any) -> int:
    """What the buyer's wallet holds (compensation is paid there, then withdrawn)."""
    return balance("user", buyer.pk, Purpose.BUYER_WALLET)
