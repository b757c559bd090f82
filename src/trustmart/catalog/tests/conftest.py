from __future__ import annotations

from collections.abc import Callable

import pytest

from trustmart.accounts.models import Role, User
from trustmart.catalog.models import Category, Product
from trustmart.merchants.models import Merchant

from .factories import make_category, make_live_product, make_merchant, make_product


@pytest.fixture
def tea(db: None) -> Category:
    food = make_category("food", name="食品", licence=True, batches=True, deposit_fen=1_000_000)
    return make_category("tea", name="茶叶", parent=food)


@pytest.fixture
def apparel(db: None) -> Category:
    return make_category("apparel", name="服饰")


@pytest.fixture
def seller(make_user: Callable[..., User]) -> User:
    return make_user("王建国", roles=(Role.MERCHANT_STAFF,))


@pytest.fixture
def merchant(seller: User, tea: Category, apparel: Category) -> Merchant:
    return make_merchant(seller, categories=[tea.parent, apparel])  # type: ignore[list-item]


@pytest.fixture
def other_seller(make_user: Callable[..., User]) -> User:
    return make_user("李四")


@pytest.fixture
def other_merchant(other_seller: User, tea: Category) -> Merchant:
    return make_merchant(other_seller, categories=[tea], name="别家茶行")


@pytest.fixture
def draft(seller: User, merchant: Merchant, tea: Category) -> Product:
    return make_product(seller, merchant, tea)


@pytest.fixture
def live(seller: User, merchant: Merchant, tea: Category, operator: User) -> Product:
    return make_live_product(seller, merchant, tea, operator)
