from __future__ import annotations

from collections.abc import Callable

import pytest

from trustmart.accounts.models import Role, User
from trustmart.catalog.models import Category, Product, Sku
from trustmart.catalog.tests.factories import make_category, make_live_product, make_merchant
from trustmart.merchants.models import Merchant


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
    return make_user("李四")


@pytest.fixture
def other_merchant(other_seller: User, tea: Category) -> Merchant:
    return make_merchant(other_seller, categories=[tea.parent],  # type: ignore[list-item]
                         name="别家茶行")


@pytest.fixture
def live(seller: User, merchant: Merchant, tea: Category, operator: User) -> Product:
    return make_live_product(seller, merchant, tea, operator, purchase_limit=5)


@pytest.fixture
def sku(live: Product) -> Sku:
    return live.skus.order_by("pk").first()  # type: ignore[return-value]


@pytest.fixture
def other_sku(other_seller: User, other_merchant: Merchant, tea: Category,
              operator: User) -> Sku:
    product = make_live_product(other_seller, other_merchant, tea, operator,
                                name="别家 红茶", price_fen=5_000, stock=50)
    return product.skus.order_by("pk").first()  # type: ignore[return-value]


@pytest.fixture
def buyer(make_user: Callable[..., User]) -> User:
    return make_user("买家")


@pytest.fixture
def stranger(make_user: Callable[..., User]) -> User:
    return make_user("路人")
