"""Settlement: escrow → merchant payable + platform fee, exactly once, after the window."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.utils import timezone

from trustmart.accounts.models import User
from trustmart.catalog.models import Category, Sku
from trustmart.catalog.tests.factories import make_live_product
from trustmart.core.errors import NotFound
from trustmart.core.jobs import registered_jobs, run_job
from trustmart.core.models import OutboxEvent
from trustmart.core.money import Rounding, apply_bps
from trustmart.ledger.models import Hold, Journal, Purpose
from trustmart.ledger.selectors import account_find, ledger_check
from trustmart.merchants.models import Merchant
from trustmart.orders import services, settlement
from trustmart.orders.models import Order

ADDRESS = {"recipient_name": "张三", "mobile": "13800001111", "province": "浙江",
           "city": "杭州市", "district": "西湖区", "detail": "文三路 1 号"}
# 5% of 199.10 is 9.955 yuan: HALF_UP makes the fee 996 fen (DOWN would give 995).
PRICE_FEN = 19_910
FEE_FEN = 996


def received_order(buyer: User, sku: Sku) -> Order:
    """A received order made the way production makes one: cart, checkout, pay, ship, confirm."""
    address = services.address_create(user=buyer, **ADDRESS)  # type: ignore[arg-type]
    services.cart_line_add(user=buyer, sku_id=sku.pk, quantity=1)
    checkout = services.checkout_create(buyer=buyer, address_id=address.pk)
    assert services.checkout_paid(checkout_no=checkout.checkout_no,
                                  amount_fen=checkout.total_fen,
                                  payment_ref=f"test-{checkout.checkout_no}")
    order = checkout.orders.get()
    services.order_ship(order_no=order.order_no)
    services.order_confirm_receipt(order_no=order.order_no)
    order.refresh_from_db()
    return order


def hold_of(order: Order) -> Hold:
    assert order.escrow_hold_id is not None
    return Hold.objects.get(pk=order.escrow_hold_id)


def after_window() -> datetime:
    return timezone.now() + timedelta(days=settings.ORDER_AFTER_SALE_DAYS, minutes=1)


def balance(owner_type: str, owner_id: int | None, purpose: str) -> int:
    account = account_find(owner_type=owner_type, owner_id=owner_id, purpose=purpose)
    return account.balance_fen if account is not None else 0


@pytest.fixture
def sellable(seller: User, merchant: Merchant, tea: Category, operator: User) -> Sku:
    product = make_live_product(seller, merchant, tea, operator, price_fen=PRICE_FEN,
                                stock=100, purchase_limit=None)
    return product.skus.order_by("pk").first()  # type: ignore[return-value]


@pytest.fixture
def order(buyer: User, sellable: Sku) -> Order:
    return received_order(buyer, sellable)


def test_fee_rounds_half_up() -> None:
    assert apply_bps(PRICE_FEN, 500, rounding=Rounding.HALF_UP) == FEE_FEN


def test_settles_after_the_window(order: Order, merchant: Merchant) -> None:
    assert order.total_fen == PRICE_FEN
    with time_machine.travel(after_window(), tick=False):
        assert settlement.order_settle(order_no=order.order_no) is True
    order.refresh_from_db()
    assert order.status == Order.Status.COMPLETED
    assert order.platform_fee_fen == FEE_FEN
    assert order.settled_at is not None and order.completed_at is not None
    assert settlement.merchant_payable_fen(merchant=merchant) == PRICE_FEN - FEE_FEN
    assert balance("merchant", merchant.pk, Purpose.MERCHANT_PAYABLE) == PRICE_FEN - FEE_FEN
    assert balance("platform", None, Purpose.PLATFORM_REVENUE) == FEE_FEN
    assert balance("platform", None, Purpose.PLATFORM_ESCROW) == 0
    assert hold_of(order).status == Hold.Status.POSTED
    journal = Journal.objects.get(reference=f"order:{order.order_no}:settle")
    assert journal.kind == settlement.SETTLE_KIND
    assert ledger_check() == []
    event = OutboxEvent.objects.get(name="order.settled")
    line = order.lines.get()
    assert event.payload == {
        "order_no": order.order_no, "merchant_id": merchant.pk, "buyer_id": order.buyer_id,
        "total_fen": PRICE_FEN, "fee_fen": FEE_FEN,
        "lines": [{"line_id": line.pk, "paid_fen": line.paid_fen, "store_id": None,
                   "share_code": None, "commission_bps": line.commission_bps,
                   "commission_fen": 0, "refunded_fen": 0}]}
    assert order.events.filter(kind="settled", to_status=Order.Status.COMPLETED).count() == 1


def test_not_before_the_window(order: Order, merchant: Merchant) -> None:
    assert order.settle_due_at is not None
    with time_machine.travel(order.settle_due_at - timedelta(minutes=1), tick=False):
        assert settlement.order_settle(order_no=order.order_no) is False
        assert settlement.orders_settle_due() == 0
    order.refresh_from_db()
    assert order.status == Order.Status.RECEIVED
    assert settlement.merchant_payable_fen(merchant=merchant) == 0
    assert hold_of(order).status == Hold.Status.PENDING


def test_not_with_an_open_case(order: Order, merchant: Merchant) -> None:
    Order.objects.filter(pk=order.pk).update(open_cases=1)
    with time_machine.travel(after_window(), tick=False):
        assert settlement.order_settle(order_no=order.order_no) is False
        assert settlement.orders_settle_due() == 0
    order.refresh_from_db()
    assert order.status == Order.Status.RECEIVED
    assert settlement.merchant_payable_fen(merchant=merchant) == 0
    assert not Journal.objects.filter(reference=f"order:{order.order_no}:settle").exists()


def test_job_settles_once_however_often_it_runs(buyer: User, sellable: Sku,
                                                merchant: Merchant) -> None:
    orders = [received_order(buyer, sellable) for _ in range(3)]
    with time_machine.travel(after_window(), tick=False):
        assert settlement.orders_settle_due() == 3
        assert settlement.orders_settle_due() == 0
        assert all(settlement.order_settle(order_no=o.order_no) is False for o in orders)
    assert settlement.merchant_payable_fen(merchant=merchant) == 3 * (PRICE_FEN - FEE_FEN)
    assert Journal.objects.filter(kind=settlement.SETTLE_KIND).count() == 3
    assert OutboxEvent.objects.filter(name="order.settled").count() == 3
    assert ledger_check() == []


def test_crash_after_hold_post_rolls_everything_back(order: Order, merchant: Merchant,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    def crash(**kwargs: Any) -> None:
        raise RuntimeError("power cut")

    monkeypatch.setattr(settlement, "post", crash)
    with time_machine.travel(after_window(), tick=False):
        with pytest.raises(RuntimeError):
            settlement.order_settle(order_no=order.order_no)
        assert settlement.orders_settle_due() == 0  # the job logs the failure and goes on
    order.refresh_from_db()
    assert order.status == Order.Status.RECEIVED and order.settled_at is None
    assert hold_of(order).status == Hold.Status.PENDING
    assert not order.events.filter(kind="settled").exists()
    assert not OutboxEvent.objects.filter(name="order.settled").exists()
    assert ledger_check() == []

    monkeypatch.undo()
    with time_machine.travel(after_window(), tick=False):
        assert settlement.orders_settle_due() == 1
        assert settlement.orders_settle_due() == 0
    assert settlement.merchant_payable_fen(merchant=merchant) == PRICE_FEN - FEE_FEN
    assert Journal.objects.filter(kind=settlement.SETTLE_KIND).count() == 1
    assert ledger_check() == []


def test_refunded_part_is_not_settled(order: Order, merchant: Merchant) -> None:
    # The refund path returns money from escrow with its own journal; simulate its row change.
    Order.objects.filter(pk=order.pk).update(refunded_fen=910)
    with time_machine.travel(after_window(), tick=False):
        assert settlement.order_settle(order_no=order.order_no) is True
    order.refresh_from_db()
    fee = apply_bps(PRICE_FEN - 910, settings.PLATFORM_FEE_BPS, rounding=Rounding.HALF_UP)
    assert order.platform_fee_fen == fee == 950
    assert settlement.merchant_payable_fen(merchant=merchant) == PRICE_FEN - 910 - fee
    assert balance("platform", None, Purpose.PLATFORM_ESCROW) == 910


def test_job_is_registered(order: Order) -> None:
    assert "orders.settle_due" in [j.name for j in registered_jobs()]
    with time_machine.travel(after_window(), tick=False):
        assert run_job("orders.settle_due") == 1


def test_unknown_order_is_not_found(db: None) -> None:
    with pytest.raises(NotFound):
        settlement.order_settle(order_no="O-nope")


# --- PostgreSQL: concurrent sweeps ------------------------------------------------------------
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_sweeps_settle_each_order_once(make_user: Callable[..., User],
                                                  sellable: Sku, merchant: Merchant) -> None:
    buyer = make_user("并发买家")
    orders = [received_order(buyer, sellable) for _ in range(20)]
    results: list[int] = []
    errors: list[BaseException] = []
    start = threading.Barrier(8)

    def sweep() -> None:
        try:
            start.wait()
            results.append(settlement.orders_settle_due())
        except BaseException as exc:  # reported to the main thread
            errors.append(exc)
        finally:
            connection.close()

    with time_machine.travel(after_window(), tick=False):
        threads = [threading.Thread(target=sweep) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert errors == []
    assert sum(results) == 20
    assert Journal.objects.filter(reference__startswith="order:",
                                  reference__endswith=":settle").count() == 20
    holds = Hold.objects.filter(pk__in=[o.escrow_hold_id for o in orders])
    assert holds.filter(status=Hold.Status.POSTED).count() == 20
    assert Journal.objects.filter(kind="order_escrow").count() == 20  # each hold posted once
    assert Order.objects.filter(status=Order.Status.COMPLETED).count() == 20
    assert OutboxEvent.objects.filter(name="order.settled").count() == 20
    assert settlement.merchant_payable_fen(merchant=merchant) == 20 * (PRICE_FEN - FEE_FEN)
    assert ledger_check() == []
