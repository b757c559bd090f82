"""The demo builder leaves orders in every state, made by the real services, with a clean
ledger and the merchants' payables equal to what they were settled."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import pytest
from django.db.models import Sum

from trustmart.accounts.models import Role, User
from trustmart.catalog.models import Category
from trustmart.catalog.tests.factories import make_live_product
from trustmart.ledger.selectors import ledger_check
from trustmart.logistics import demo
from trustmart.logistics.models import Shipment
from trustmart.merchants.models import Merchant
from trustmart.orders.models import Address, Order, OrderLine
from trustmart.orders.settlement import merchant_payable_fen
from trustmart.payments.models import Payment, Refund
from trustmart.stores import services as store_services
from trustmart.stores.models import Store

pytestmark = pytest.mark.django_db


@pytest.fixture
def other_merchant(other_seller: User) -> Merchant:
    return Merchant.objects.get(staff__user=other_seller)


@pytest.fixture
def world(make_user: Callable[..., User], tea: Category, merchant: Merchant, seller: User,
          other_merchant: Merchant, other_seller: User,
          operator: User) -> tuple[list[User], list[Store]]:
    products = [
        make_live_product(seller, merchant, tea, operator, stock=500),
        make_live_product(other_seller, other_merchant, tea, operator, name="别家 红茶 100g",
                          price_fen=5_000, stock=500),
    ]
    stores = []
    for n in range(2):
        owner = make_user(f"店主{n}", roles=(Role.STORE_OWNER,))
        store = store_services.store_open(owner=owner, name=f"小店{n}")
        for product in products:
            store_services.store_item_add(owner=owner, product_id=product.pk)
        stores.append(store)
    buyers = [make_user(name) for name in ("张小雨", "李晓燕", "王志强", "陈欣怡")]
    return buyers, stores


def test_orders_in_every_state_with_a_clean_ledger(
        world: tuple[list[User], list[Store]], operator: User,
        django_capture_on_commit_callbacks: Any) -> None:
    buyers, stores = world
    with django_capture_on_commit_callbacks(execute=True):
        counts = demo.build(random.Random(7), buyers=buyers, stores=stores, operator=operator)

    assert counts == {status: n for status, n in sorted(demo.PLAN)}
    assert sum(counts.values()) == Order.objects.count() == 40
    assert ledger_check() == []
    first = set(Order.objects.filter(buyer=buyers[0]).values_list("status", flat=True))
    assert first == {status for status, _n in demo.PLAN}  # the demo log-in sees every state
    assert all(Address.objects.filter(user=b, is_default=True).count() == 1 for b in buyers)
    assert not OrderLine.objects.filter(store__isnull=True).exists()  # all via a store
    shipped = Order.objects.filter(status__in=demo.SHIPPED_STATES)
    assert Shipment.objects.filter(order__in=shipped).count() == shipped.count()
    paid = Order.objects.filter(status__in=demo.PAID_STATES).count()
    assert Payment.objects.filter(status=Payment.Status.SUCCEEDED).count() == paid
    assert Refund.objects.count() == counts[Order.Status.REFUNDED]
    for merchant in Merchant.objects.all():
        settled = Order.objects.filter(merchant=merchant, status=Order.Status.COMPLETED)
        totals = settled.aggregate(t=Sum("total_fen"), f=Sum("platform_fee_fen"))
        assert merchant_payable_fen(merchant=merchant) == (totals["t"] or 0) - (totals["f"] or 0)


def test_nothing_to_sell_builds_nothing(make_user: Callable[..., User], operator: User) -> None:
    assert demo.build(random.Random(1), buyers=[make_user()], stores=[], operator=operator) == {}
    assert not Order.objects.exists()
