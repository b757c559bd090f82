from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from trustmart.accounts.models import User
from trustmart.catalog.models import Category, Product
from trustmart.merchants.models import Merchant
from trustmart.stores.models import Store, StoreItem
from trustmart.stores.tests.factories import make_category, make_merchant, make_product


@pytest.fixture
def category(db: None) -> Category:
    return make_category("护肤")


@pytest.fixture
def merchant(make_user: Callable[..., User]) -> Merchant:
    return make_merchant(make_user("品牌方"), name="山泉美妆")


@pytest.fixture
def product(merchant: Merchant, category: Category) -> Product:
    return make_product(merchant, category, name="保湿面霜 50g", price_fen=12_800)


@pytest.fixture
def open_store() -> Callable[..., Store]:
    def make(owner: User, *products: Product, status: str = Store.Status.OPEN) -> Store:
        store = Store.objects.create(owner=owner, name=f"{owner.nickname}的小店", status=status)
        for product in products:
            StoreItem.objects.create(store=store, product=product)
        return store

    return make


@pytest.fixture
def product_factory(merchant: Merchant, category: Category) -> Callable[..., Product]:
    def make(name: str = "明前龙井 250g", **extra: Any) -> Product:
        return make_product(merchant, category, name=name, **extra)

    return make
