from collections.abc import Callable
from typing import Any

import pytest

from trustmart.accounts.models import User
from trustmart.catalog.models import Category, Product
from trustmart.merchants.models import Merchant

from .factories import make_category, make_merchant, make_product


@pytest.fixture
def category(db: None) -> Category:
    return make_category()


@pytest.fixture
def merchant(make_user: Callable[..., User]) -> Merchant:
    return make_merchant(make_user("品牌方"))


@pytest.fixture
def product_factory(merchant: Merchant, category: Category) -> Callable[..., Product]:
    def make(name: str = "明前龙井 250g", **extra: Any) -> Product:
        extra.setdefault("category", category)
        owner = extra.pop("merchant", merchant)
        return make_product(owner, name=name, **extra)

    return make


@pytest.fixture
def product(product_factory: Callable[..., Product]) -> Product:
    return product_factory()
