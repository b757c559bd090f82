from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from trustmart.accounts.models import User
from trustmart.catalog.models import Sku
from trustmart.core.errors import Conflict, InvalidInput, NotFound
from trustmart.core.events import OutboxEvent
from trustmart.ledger.models import Hold
from trustmart.ledger.selectors import ledger_check
from trustmart.merchants.models import Merchant
from trustmart.orders import selectors, services
from trustmart.orders.models import Address, CartLine, Checkout, Order, OrderEvent, ShippingRule

from .test_services import add_address


@pytest.fixture
def address(buyer: User) -> Address:
    return add_address(buyer)


@pytest.fixture
def cart(buyer: User, sku: Sku, other_sku: Sku, merchant: Merchant) -> list[CartLine]:
    ShippingRule.objects.create(merchant=merchant, flat_fee_fen=1_000, free_over_fen=100_000)
    return [services.cart_line_add(user=buyer, sku_id=sku.pk, quantity=2),
            services.cart_line_add(user=buyer, sku_id=other_sku.pk, quantity=3)]


def checkout(buyer: User, address: Address, **kw: object) -> Checkout:
    return services.checkout_create(buyer=buyer, address_id=address.pk, **kw)  # type: ignore


def stock(sku: Sku) -> int:
    sku.refresh_from_db()
    return sku.stock


def test_checkout_splits_by_merchant_with_totals_in_fen(
        buyer: User, address: Address, cart: list[CartLine], sku: Sku, other_sku: Sku,
        merchant: Merchant, other_merchant: Merchant) -> None:
    result = checkout(buyer, address, buyer_note="请尽快发货")
    orders = {o.merchant_id: o for o in result.orders.all()}
    mine, theirs = orders[merchant.pk], orders[other_merchant.pk]
    assert (mine.goods_fen, mine.shipping_fen, mine.total_fen) == (39_800, 1_000, 40_800)
    assert (theirs.goods_fen, theirs.shipping_fen, theirs.total_fen) == (15_000, 0, 15_000)
    assert result.total_fen == 55_800
    assert result.status == Checkout.Status.AWAITING_PAYMENT
    assert result.expires_at == mine.expires_at
    line = mine.lines.get()
    assert (line.product_name, line.spec_key, line.unit_price_fen, line.quantity,
            line.paid_fen, line.commission_bps) == (sku.product.name, sku.spec_key, 19_900, 2,
                                                    39_800, 0)  # bought directly: no sharer
    assert line.batch is not None and line.image_url
    assert mine.address["province"] == "浙江" and mine.buyer_note == "请尽快发货"
    assert (stock(sku), stock(other_sku)) == (8, 47)
    assert not CartLine.objects.filter(user=buyer).exists()
    # Placing the order heads its timeline, taken from the order itself (no event row).
    assert not OrderEvent.objects.filter(order=mine).exists()
    [placed] = selectors.order_timeline(mine)
    assert (placed.kind, placed.to_status, placed.actor_id, placed.created_at) == (
        "created", Order.Status.AWAITING_PAYMENT, buyer.pk, mine.created_at)
    assert OutboxEvent.objects.filter(name="checkout.created").count() == 1


def test_an_order_placed_with_a_recorded_created_event_shows_it_once(
        buyer: User, address: Address, cart: list[CartLine]) -> None:
    order = checkout(buyer, address).orders.order_by("pk").first()
    assert order is not None
    OrderEvent.objects.create(order=order, to_status=order.status, kind="created", actor=buyer)
    assert [event.kind for event in selectors.order_timeline(order)] == ["created"]


def test_only_selected_lines_or_given_line_ids_are_checked_out(
        buyer: User, address: Address, cart: list[CartLine]) -> None:
    services.cart_line_update(user=buyer, line_id=cart[1].pk, selected=False)
    first = checkout(buyer, address)
    assert first.orders.count() == 1
    assert list(CartLine.objects.filter(user=buyer)) == [cart[1]]
    second = checkout(buyer, address, line_ids=[cart[1].pk])
    assert second.orders.count() == 1 and not CartLine.objects.filter(user=buyer).exists()


def test_idempotent_retry_returns_same_checkout_and_takes_stock_once(
        buyer: User, address: Address, cart: list[CartLine], sku: Sku) -> None:
    first = checkout(buyer, address, request_key="k-1")
    again = checkout(buyer, address, request_key="k-1")
    assert again.pk == first.pk and Checkout.objects.count() == 1
    assert stock(sku) == 8
    with pytest.raises(InvalidInput) as exc:
        checkout(buyer, address, request_key="k-1", buyer_note="另一个请求")
    assert exc.value.code == "idempotency_key_reused"


def test_insufficient_stock_takes_nothing(buyer: User, address: Address, cart: list[CartLine],
                                          sku: Sku, other_sku: Sku) -> None:
    Sku.objects.filter(pk=other_sku.pk).update(stock=2)
    with pytest.raises(Conflict) as exc:
        checkout(buyer, address)
    assert exc.value.code == "insufficient_stock"
    assert (stock(sku), stock(other_sku)) == (10, 2)
    assert not Checkout.objects.exists() and not Order.objects.exists()
    assert CartLine.objects.filter(user=buyer).count() == 2


def test_bad_input_creates_nothing(buyer: User, stranger: User, address: Address,
                                   cart: list[CartLine], sku: Sku) -> None:
    other_address = add_address(stranger)
    with pytest.raises(NotFound):
        checkout(buyer, other_address)
    with pytest.raises(NotFound):
        checkout(buyer, address, line_ids=[cart[0].pk, 999_999])
    CartLine.objects.filter(pk=cart[0].pk).update(quantity=6)  # over the limit of 5
    with pytest.raises(InvalidInput) as exc:
        checkout(buyer, address)
    assert exc.value.code == "purchase_limit_exceeded"
    with pytest.raises(InvalidInput) as exc:
        checkout(stranger, other_address)
    assert exc.value.code == "cart_empty"
    assert not Checkout.objects.exists() and stock(sku) == 10


def test_unpurchasable_product_is_refused(buyer: User, address: Address, cart: list[CartLine],
                                          sku: Sku) -> None:
    Sku.objects.filter(pk=sku.pk).update(is_active=False)
    with pytest.raises(InvalidInput) as exc:
        checkout(buyer, address)
    assert exc.value.code == "product_unavailable" and not Checkout.objects.exists()


def test_expiry_returns_stock(buyer: User, address: Address, cart: list[CartLine],
                              sku: Sku) -> None:
    result = checkout(buyer, address)
    assert services.checkout_expire_due() == 0
    with time_machine.travel(timezone.now() + timedelta(minutes=31)):
        assert services.checkout_expire_due() == 1
        assert services.checkout_expire_due() == 0
    result.refresh_from_db()
    assert result.status == Checkout.Status.EXPIRED
    assert set(result.orders.values_list("status", flat=True)) == {Order.Status.CANCELLED}
    assert stock(sku) == 10
    assert services.checkout_paid(checkout_no=result.checkout_no, amount_fen=result.total_fen,
                                  payment_ref="late") is False


def test_cancel_unpaid_closes_checkout_and_returns_stock(
        buyer: User, stranger: User, address: Address, cart: list[CartLine], sku: Sku,
        other_sku: Sku) -> None:
    result = checkout(buyer, address)
    order = result.orders.order_by("pk").first()
    assert order is not None
    with pytest.raises(NotFound):
        services.order_cancel(user=stranger, order_no=order.order_no)
    services.order_cancel(user=buyer, order_no=order.order_no, reason="不想要了")
    assert (stock(sku), stock(other_sku)) == (10, 50)
    result.refresh_from_db()
    assert result.status == Checkout.Status.CANCELLED
    with pytest.raises(Conflict):
        services.order_cancel(user=buyer, order_no=order.order_no)
    assert stock(sku) == 10


def pay(result: Checkout, ref: str = "pay-1") -> bool:
    return services.checkout_paid(checkout_no=result.checkout_no, amount_fen=result.total_fen,
                                  payment_ref=ref)


def test_checkout_paid_holds_escrow_and_is_idempotent(
        buyer: User, address: Address, cart: list[CartLine]) -> None:
    result = checkout(buyer, address)
    with pytest.raises(Conflict) as exc:
        services.checkout_paid(checkout_no=result.checkout_no, amount_fen=result.total_fen - 1,
                               payment_ref="pay-1")
    assert exc.value.code == "amount_mismatch"
    assert pay(result) is True
    assert pay(result) is True
    assert pay(result, "another-payment") is False
    holds = Hold.objects.filter(kind="order_escrow")
    assert holds.count() == 2
    assert sum(h.amount_fen for h in holds) == result.total_fen
    for order in result.orders.all():
        assert order.status == Order.Status.PAID and order.paid_at is not None
        assert Hold.objects.get(pk=order.escrow_hold_id or 0).amount_fen == order.total_fen
    paid = OutboxEvent.objects.filter(name="order.paid")
    assert paid.count() == 2
    payload = paid.first().payload  # type: ignore[union-attr]
    assert {"order_no", "buyer_id", "merchant_id", "total_fen", "lines"} <= set(payload)
    assert {"paid_fen", "store_id", "share_code", "commission_bps"} <= set(payload["lines"][0])
    assert ledger_check() == []
    with time_machine.travel(timezone.now() + timedelta(hours=2)):
        assert services.checkout_expire_due() == 0  # paid checkouts never expire


def test_cancel_paid_voids_hold_returns_stock_and_publishes_refund(
        buyer: User, address: Address, cart: list[CartLine], sku: Sku) -> None:
    result = checkout(buyer, address)
    pay(result)
    order = result.orders.get(lines__sku=sku)
    services.order_cancel(user=buyer, order_no=order.order_no, reason="买错了")
    order.refresh_from_db()
    assert order.status == Order.Status.REFUNDED and order.refunded_fen == order.total_fen
    assert Hold.objects.get(pk=order.escrow_hold_id or 0).status == Hold.Status.VOIDED
    assert stock(sku) == 10
    event = OutboxEvent.objects.get(name="order.refunded")
    line = order.lines.get()
    assert event.payload == {
        "order_no": order.order_no, "checkout_no": result.checkout_no,
        "merchant_id": order.merchant_id, "buyer_id": order.buyer_id,
        "amount_fen": order.total_fen, "reason": "买错了", "full": True,
        "reference": f"order:{order.order_no}:refund",
        "lines": [{"line_id": line.pk, "refunded_fen": line.paid_fen,
                   "total_refunded_fen": line.paid_fen, "paid_fen": line.paid_fen,
                   "commission_fen": 0}]}
    assert ledger_check() == []


def test_transitions_are_guarded(buyer: User, address: Address, cart: list[CartLine],
                                 sku: Sku) -> None:
    result = checkout(buyer, address)
    order = result.orders.get(lines__sku=sku)
    with pytest.raises(Conflict):
        services.order_ship(order_no=order.order_no)  # not paid yet
    with pytest.raises(Conflict):
        services.order_confirm_receipt(order_no=order.order_no)
    assert services.order_transition(order, Order.Status.COMPLETED, kind="x") is False
    pay(result)
    order.refresh_from_db()
    stale = Order.objects.get(pk=order.pk)
    shipped = services.order_ship(order_no=order.order_no)
    assert shipped.status == Order.Status.SHIPPED and shipped.auto_confirm_due_at is not None
    # A request that read the order before it shipped loses the race.
    assert services.order_transition(stale, Order.Status.REFUNDED, kind="refunded") is False
    with pytest.raises(Conflict):
        services.order_cancel(user=buyer, order_no=order.order_no)
    received = services.order_confirm_receipt(order_no=order.order_no, user=buyer)
    assert received.status == Order.Status.RECEIVED and received.settle_due_at is not None
    with pytest.raises(Conflict):
        services.order_confirm_receipt(order_no=order.order_no, user=buyer)
    kinds = [event.kind for event in selectors.order_timeline(order)]
    assert kinds == ["created", "paid", "shipped", "received"]
    assert stock(sku) == 8


def test_auto_confirm_job(buyer: User, stranger: User, address: Address, cart: list[CartLine],
                          sku: Sku) -> None:
    result = checkout(buyer, address)
    pay(result)
    order = result.orders.get(lines__sku=sku)
    services.order_ship(order_no=order.order_no)
    with pytest.raises(NotFound):
        services.order_confirm_receipt(order_no=order.order_no, user=stranger)
    assert services.orders_auto_confirm_due() == 0
    with time_machine.travel(timezone.now() + timedelta(days=10, minutes=1)):
        assert services.orders_auto_confirm_due() == 1
    order.refresh_from_db()
    assert order.status == Order.Status.RECEIVED
    assert order.events.filter(kind="auto_confirmed").exists()


def test_selectors_hide_other_peoples_orders(
        buyer: User, stranger: User, seller: User, other_seller: User, address: Address,
        cart: list[CartLine], merchant: Merchant, operator: User) -> None:
    result = checkout(buyer, address)
    order = result.orders.get(merchant=merchant)
    assert selectors.order_for_buyer(user=buyer, order_no=order.order_no) == order
    assert selectors.order_for_merchant_staff(user=seller, order_no=order.order_no) == order
    for call in (lambda: selectors.order_for_buyer(user=stranger, order_no=order.order_no),
                 lambda: selectors.order_for_merchant_staff(user=other_seller,
                                                            order_no=order.order_no),
                 lambda: selectors.checkout_for_buyer(user=stranger,
                                                      checkout_no=result.checkout_no),
                 lambda: selectors.orders_of_merchant(user=other_seller,
                                                      merchant_id=merchant.pk),
                 lambda: selectors.orders_for_operator(user=buyer)):
        with pytest.raises(NotFound):
            call()
    assert list(selectors.orders_of_buyer(user=buyer, tab="unpaid")).count(order) == 1
    assert not selectors.orders_of_buyer(user=buyer, tab="to_ship").exists()
    assert not selectors.orders_of_merchant(user=seller, merchant_id=merchant.pk).exists()
    pay(result)
    assert list(selectors.orders_of_merchant(user=seller, merchant_id=merchant.pk)) == [order]
    assert selectors.orders_for_operator(user=operator, query=order.order_no[-6:]).count() == 1


def test_jobs_are_registered_and_run(buyer: User, address: Address, cart: list[CartLine],
                                     sku: Sku) -> None:
    from trustmart.core import jobs

    names = {j.name for j in jobs.registered_jobs()}
    assert {"orders.expire_unpaid", "orders.auto_confirm"} <= names
    checkout(buyer, address)
    with time_machine.travel(timezone.now() + timedelta(hours=1)):
        assert jobs.run_job("orders.expire_unpaid") == 1
        assert jobs.run_job("orders.auto_confirm") == 0
    assert stock(sku) == 10
