"""What higher apps ask of an order after payment: refunds from escrow, case counts and the
commission reserve, and how settlement honours all three."""

from __future__ import annotations

import pytest
import time_machine
from django.conf import settings

from trustmart.accounts.models import User
from trustmart.catalog.models import Category, Sku
from trustmart.catalog.tests.factories import make_live_product
from trustmart.core.errors import Conflict, InvalidInput
from trustmart.core.models import OutboxEvent
from trustmart.core.money import Rounding, apply_bps
from trustmart.ledger.models import Hold, Journal, Purpose
from trustmart.ledger.selectors import ledger_check
from trustmart.merchants.models import Merchant
from trustmart.orders import services, settlement
from trustmart.orders.models import Order

from .test_settlement import after_window, balance, received_order

PRICE_FEN = 10_000


@pytest.fixture
def sellable(seller: User, merchant: Merchant, tea: Category, operator: User) -> Sku:
    product = make_live_product(seller, merchant, tea, operator, price_fen=PRICE_FEN,
                                stock=100, purchase_limit=None)
    return product.skus.order_by("pk").first()  # type: ignore[return-value]


@pytest.fixture
def order(buyer: User, sellable: Sku) -> Order:
    return received_order(buyer, sellable)


def refunded_events() -> list[dict[str, object]]:
    return [e.payload for e in OutboxEvent.objects.filter(name="order.refunded").order_by(
        "created_at")]


def test_partial_refund_posts_escrow_and_returns_part(order: Order) -> None:
    line = order.lines.get()
    services.order_line_commission_set(line_id=line.pk, commission_fen=1_000)
    services.order_refund(order_no=order.order_no, amount_fen=2_500, lines={line.pk: 2_500},
                          reason="少发一件", reference="case:T1:refund")
    order.refresh_from_db()
    line.refresh_from_db()
    assert order.status == Order.Status.RECEIVED  # a partial refund does not end the order
    assert order.refunded_fen == line.refunded_fen == 2_500
    assert line.commission_fen == 750  # 1000 * 7500 // 10000
    assert Hold.objects.get(pk=order.escrow_hold_id or 0).status == Hold.Status.POSTED
    assert balance("platform", None, Purpose.PLATFORM_ESCROW) == order.total_fen - 2_500
    [event] = refunded_events()
    assert event["reference"] == "case:T1:refund" and event["full"] is False
    assert event["lines"] == [{"line_id": line.pk, "refunded_fen": 2_500,
                               "total_refunded_fen": 2_500, "paid_fen": line.paid_fen,
                               "commission_fen": 750}]
    assert ledger_check() == []


def test_the_same_refund_twice_changes_nothing(order: Order) -> None:
    line = order.lines.get()
    for _ in range(2):
        services.order_refund(order_no=order.order_no, amount_fen=1_000,
                              lines={line.pk: 1_000}, reason="", reference="case:T2:refund")
    order.refresh_from_db()
    assert order.refunded_fen == 1_000
    assert Journal.objects.filter(reference="case:T2:refund").count() == 1
    assert len(refunded_events()) == 1


def test_full_refund_ends_the_order_and_settles_nothing(order: Order) -> None:
    line = order.lines.get()
    services.order_refund(order_no=order.order_no, amount_fen=order.total_fen,
                          lines={line.pk: line.paid_fen}, reason="假货",
                          reference="case:T3:refund")
    order.refresh_from_db()
    assert order.status == Order.Status.REFUNDED
    assert balance("platform", None, Purpose.PLATFORM_ESCROW) == 0
    with time_machine.travel(after_window()):
        assert settlement.orders_settle_due() == 0
    with pytest.raises(Conflict):
        services.order_refund(order_no=order.order_no, amount_fen=1, lines={},
                              reason="", reference="case:T3b:refund")
    assert ledger_check() == []


def test_refunds_are_bounded(order: Order) -> None:
    line = order.lines.get()
    with pytest.raises(InvalidInput):
        services.order_refund(order_no=order.order_no, amount_fen=order.total_fen + 1,
                              lines={}, reason="", reference="r1")
    with pytest.raises(InvalidInput):
        services.order_refund(order_no=order.order_no, amount_fen=100, lines={line.pk: 200},
                              reason="", reference="r2")
    with pytest.raises(InvalidInput):
        services.order_refund(order_no=order.order_no, amount_fen=100, lines={999_999: 100},
                              reason="", reference="r3")
    assert not Journal.objects.filter(kind="order_refund").exists()


def test_settlement_after_partial_refund_routes_commission(order: Order) -> None:
    line = order.lines.get()
    assert services.order_line_commission_set(line_id=line.pk, commission_fen=1_000)
    services.order_refund(order_no=order.order_no, amount_fen=2_000, lines={line.pk: 2_000},
                          reason="", reference="case:T4:refund")
    with time_machine.travel(after_window()):
        assert settlement.orders_settle_due() == 1
    order.refresh_from_db()
    settled = order.total_fen - 2_000
    fee = apply_bps(settled, settings.PLATFORM_FEE_BPS, rounding=Rounding.HALF_UP)
    assert order.commission_fen == 800
    assert balance("platform", None, Purpose.COMMISSION_CLEARING) == 800
    assert balance("merchant", order.merchant_id, Purpose.MERCHANT_PAYABLE) == (
        settled - fee - 800)
    assert balance("platform", None, Purpose.PLATFORM_ESCROW) == 0
    [settled_event] = OutboxEvent.objects.filter(name="order.settled")
    assert settled_event.payload["lines"][0]["commission_fen"] == 800
    assert settled_event.payload["lines"][0]["refunded_fen"] == 2_000
    # once settled, no more reserve can be set
    assert services.order_line_commission_set(line_id=line.pk, commission_fen=10) is False
    assert ledger_check() == []


def test_commission_reserve_is_bounded(order: Order) -> None:
    line = order.lines.get()
    with pytest.raises(InvalidInput):
        services.order_line_commission_set(line_id=line.pk, commission_fen=line.paid_fen + 1)
    with pytest.raises(InvalidInput):
        services.order_line_commission_set(line_id=line.pk, commission_fen=-1)


def test_an_open_case_holds_settlement_until_closed(order: Order) -> None:
    services.order_case_open(order_no=order.order_no)
    with time_machine.travel(after_window()):
        assert settlement.orders_settle_due() == 0
        services.order_case_close(order_no=order.order_no)
        services.order_case_close(order_no=order.order_no)  # never below zero
        order.refresh_from_db()
        assert order.open_cases == 0
        assert settlement.orders_settle_due() == 1


def test_no_case_after_the_window(order: Order) -> None:
    with time_machine.travel(after_window()), pytest.raises(Conflict) as caught:
        services.order_case_open(order_no=order.order_no)
    assert caught.value.code == "order_not_disputable"


def test_an_open_case_holds_auto_confirm(buyer: User, sellable: Sku) -> None:
    address = services.address_create(user=buyer, recipient_name="张三", mobile="13800001111",
                                      province="浙江", city="杭州市", district="西湖区",
                                      detail="文三路 1 号")
    services.cart_line_add(user=buyer, sku_id=sellable.pk, quantity=1)
    checkout = services.checkout_create(buyer=buyer, address_id=address.pk)
    services.checkout_paid(checkout_no=checkout.checkout_no, amount_fen=checkout.total_fen,
                           payment_ref="p-1")
    order = checkout.orders.get()
    services.order_ship(order_no=order.order_no)
    services.order_case_open(order_no=order.order_no)
    order.refresh_from_db()
    assert order.auto_confirm_due_at is not None
    with time_machine.travel(order.auto_confirm_due_at):
        assert services.orders_auto_confirm_due() == 0
        services.order_case_close(order_no=order.order_no)
        assert services.orders_auto_confirm_due() == 1


def test_cancel_of_a_paid_order_reports_lines(buyer: User, sellable: Sku) -> None:
    address = services.address_create(user=buyer, recipient_name="张三", mobile="13800001111",
                                      province="浙江", city="杭州市", district="西湖区",
                                      detail="文三路 1 号")
    services.cart_line_add(user=buyer, sku_id=sellable.pk, quantity=1)
    checkout = services.checkout_create(buyer=buyer, address_id=address.pk)
    services.checkout_paid(checkout_no=checkout.checkout_no, amount_fen=checkout.total_fen,
                           payment_ref="p-2")
    order = checkout.orders.get()
    line = order.lines.get()
    services.order_line_commission_set(line_id=line.pk, commission_fen=500)
    services.order_cancel(user=buyer, order_no=order.order_no, reason="不想要了")
    [event] = refunded_events()
    assert event["full"] is True
    assert event["lines"] == [{"line_id": line.pk, "refunded_fen": line.paid_fen,
                               "total_refunded_fen": line.paid_fen, "paid_fen": line.paid_fen,
                               "commission_fen": 0}]
    assert ledger_check() == []
