"""Racing phones: two opens or two adds at once still leave one store and one item."""

from __future__ import annotations

import pytest

from trustmart.accounts.models import User
from trustmart.catalog.models import Product
from trustmart.core.errors import Conflict
from trustmart.core.testing import race
from trustmart.stores import services
from trustmart.stores.models import Store, StoreItem

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_opens_at_once_make_one_store(user: User) -> None:
    results = race(lambda _i: services.store_open(owner=user, name="好店"), 4)
    assert Store.objects.filter(owner=user).count() == 1
    assert sum(isinstance(r, Store) for r in results) == 1
    assert all(isinstance(r, Conflict) for r in results if not isinstance(r, Store))


def test_two_adds_at_once_make_one_item(user: User, product: Product) -> None:
    services.store_open(owner=user, name="好店")
    results = race(lambda _i: services.store_item_add(owner=user, product_id=product.pk), 4)
    assert StoreItem.objects.count() == 1
    assert sorted(created for _item, created in results) == [False, False, False, True]
