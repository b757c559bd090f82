"""Fixtures for logistics: a paid order of one merchant, made with the ORM as checkout leaves it.

The orders are built directly (not through checkout) so these tests exercise shipping and
tracking only; the orders app tests the checkout that produces them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from trustmart.accounts.models import User
from trustmart.catalog.models import Category
from trustmart.catalog.tests.factories import make_category, make_merchant
from trustmart.merchants.models import Merchant, MerchantStaff
from trustmart.orders.models import Checkout, Order

ADDRESS = {"recipient_name": "李雷", "mobile": "13900000000", "province": "浙江省",
           "city": "杭州市", "district": "西湖区", "detail": "文三路 1 号"}


@pytest.fixture
def tea(db: None) -> Category:
    return make_category("tea", name="茶叶")


@pytest.fixture
def seller(make_user: Callable[..., User]) -> User:
    return make_user("王建国")


@pytest.fixture
def merchant(seller: User, tea: Category) -> Merchant:
    return make_merchant(seller, categories=[tea])


@pytest.fixture
def clerk(make_user: Callable[..., User], merchant: Merchant) -> User:
    """Staff (not owner) of the merchant: may ship too."""
    user = make_user("仓管")
    MerchantStaff.objects.create(merchant=merchant, user=user, role=MerchantStaff.Role.STAFF)
    return user


@pytest.fixture
def buyer(make_user: Callable[..., User]) -> User:
    return make_user("李雷")


@pytest.fixture
def stranger(make_user: Callable[..., User]) -> User:
    return make_user("路人甲")


@pytest.fixture
def other_seller(make_user: Callable[..., User], tea: Category) -> User:
    user = make_user("别家")
    make_merchant(user, categories=[tea], name="别家茶行")
    return user


@pytest.fixture
def make_order(buyer: User, merchant: Merchant) -> Callable[..., Order]:
    def make(status: str = Order.Status.PAID, *, seller: Merchant | None = None) -> Order:
        now = timezone.now()
        checkout = Checkout.objects.create(
            buyer=buyer, total_fen=5000, address=ADDRESS, expires_at=now + timedelta(minutes=30),
            status=Checkout.Status.PAID if status != Order.Status.AWAITING_PAYMENT
            else Checkout.Status.AWAITING_PAYMENT)
        return Order.objects.create(checkout=checkout, buyer=buyer,
                                    merchant=seller or merchant,
                                    status=status, goods_fen=5000, total_fen=5000,
                                    address=ADDRESS, paid_at=now)

    return make


@pytest.fixture
def order(make_order: Callable[..., Order]) -> Order:
    return make_order()


@pytest.fixture
def client_for() -> Callable[[User], Client]:
    def make(user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make

