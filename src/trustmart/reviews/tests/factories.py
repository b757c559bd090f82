"""Orders made the way production makes them, ready to be reviewed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone

from trustmart.accounts.models import User
from trustmart.catalog.models import Sku
from trustmart.core.events import Event, deliver
from trustmart.core.models import OutboxEvent
from trustmart.orders import services
from trustmart.orders.models import Order
from trustmart.stores.models import Store, StoreItem

ADDRESS = {"recipient_name": "张三", "mobile": "13800001111", "province": "浙江",
           "city": "杭州市", "district": "西湖区", "detail": "文三路 1 号"}


def paid_order(buyer: User, sku: Sku, *, store: Store | None = None) -> Order:
    if store is not None:
        StoreItem.objects.get_or_create(store=store, product_id=sku.product_id)
    address = services.address_create(user=buyer, **ADDRESS)  # type: ignore[arg-type]
    services.cart_line_add(user=buyer, sku_id=sku.pk, quantity=1,
                           store_id=store.pk if store else None)
    checkout = services.checkout_create(buyer=buyer, address_id=address.pk)
    assert services.checkout_paid(checkout_no=checkout.checkout_no,
                                  amount_fen=checkout.total_fen,
                                  payment_ref=f"test-{checkout.checkout_no}")
    return checkout.orders.get()


def deliver_all() -> int:
    """Deliver every pending event now (a test's transaction never commits, so the outbox's
    after-commit delivery does not run by itself). Returns how many were delivered."""
    pending = list(OutboxEvent.objects.filter(status=OutboxEvent.Status.PENDING)
                   .order_by("created_at").values_list("id", flat=True))
    for event_id in pending:
        deliver(event_id)
    return len(pending)


def received_order(buyer: User, sku: Sku, *, store: Store | None = None) -> Order:
    order = paid_order(buyer, sku, store=store)
    services.order_ship(order_no=order.order_no)
    services.order_confirm_receipt(order_no=order.order_no)
    deliver_all()
    order.refresh_from_db()
    return order


def event(name: str, payload: dict[str, Any], *, at: datetime | None = None) -> Event:
    import uuid

    return Event(uuid.uuid4(), name, payload, at or timezone.now())
