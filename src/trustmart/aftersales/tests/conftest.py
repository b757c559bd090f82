from __future__ import annotations

from collections.abc import Callable

import pytest

from trustmart.accounts.models import Role, User
from trustmart.catalog.models import Category, Sku
from trustmart.catalog.tests.factories import make_category, make_live_product, make_merchant
from trustmart.merchants.models import Merchant
from trustmart.orders.models import Order

from .factories import PRICE_FEN, make_order


@pytest.fixture
def tea(db: None) -> Category:
    food = make_category("food", name="食品", licence=True, batches=True)
    return make_category("tea", name="茶叶", parent=food)


@pytest.fixture
def seller(make_user: Callable[..., User]) -> User:
    return make_user("王建国", roles=(Role.MERCHANT_STAFF,))


@pytest.fixture
def merchant(seller: User, tea: Category) -> Merchant:
    return make_merchant(seller, categories=[tea.parent])  # type: ignore[list-item]


@pytest.fixture
def other_seller(make_user: Callable[..., User]) -> User:
    return make_user("李四", roles=(Role.MERCHANT_STAFF,))


@pytest.fixture
def other_merchant(other_seller: User, tea: Category) -> Merchant:
    return make_merchant(other_seller, categories=[tea.parent],  # type: ignore[list-item]
                         name="别家茶行")


@pytest.fixture
def sku(seller: User, merchant: Merchant, tea: Category, operator: User) -> Sku:
    product = make_live_product(seller, merchant, tea, operator, price_fen=PRICE_FEN,
                                stock=100, purchase_limit=None)
    return product.skus.order_by("pk").first()  # type: ignore[return-value]


@pytest.fixture
def buyer(make_user: Callable[..., User]) -> User:
    return make_user("买家")


@pytest.fixture
def stranger(make_user: Callable[..., User]) -> User:
    return make_user("路人")


@pytest.fixture
def received(buyer: User, sku: Sku) -> Order:
    return make_order(buyer, sku, "received")


@pytest.fixture
def shipped(buyer: User, sku: Sku) -> Order:
    return make_order(buyer, sku, "shipped")


@pytest.fixture
def paid(buyer: User, sku: Sku) -> Order:
    return make_order(buyer, sku, "paid")
