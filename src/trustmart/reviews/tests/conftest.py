from __future__ import annotations

from collections.abc import Callable

import pytest

from trustmart.accounts.models import User
from trustmart.catalog.models import Sku
from trustmart.orders.models import Order
from trustmart.orders.tests.conftest import (  # noqa: F401
    buyer,
    live,
    merchant,
    other_merchant,
    other_seller,
    other_sku,
    seller,
    sku,
    stranger,
    tea,
)
from trustmart.stores.models import Store

from .factories import received_order


@pytest.fixture
def shop(make_user: Callable[..., User]) -> Store:
    owner = make_user("店主小红")
    return Store.objects.create(owner=owner, name="小红的店")


@pytest.fixture
def order(buyer: User, sku: Sku, shop: Store) -> Order:  # noqa: F811
    return received_order(buyer, sku, store=shop)
