import random
from collections.abc import Callable

import pytest

from trustmart.accounts.models import Role, RoleGrant, User
from trustmart.catalog.models import Product
from trustmart.stores import demo, selectors
from trustmart.stores.models import Store, StoreItem

pytestmark = pytest.mark.django_db


def test_demo_stores(make_user: Callable[..., User],
                     product_factory: Callable[..., Product]) -> None:
    products = [product_factory(f"商品{n}") for n in range(20)]
    draft = product_factory("草稿", status=Product.Status.DRAFT)
    owners = [make_user(f"店主{n}") for n in range(32)]
    stores = demo.build(random.Random(7), owners=owners, products=[*products, draft])
    assert len(stores) == Store.objects.count() == 32
    assert RoleGrant.objects.filter(role=Role.STORE_OWNER).count() == 32
    assert not StoreItem.objects.filter(product=draft).exists()
    for store in stores:
        assert 1 <= len(store.name) <= 30
        assert 5 <= len(selectors.store_products_shown(store=store)) <= 15
    assert StoreItem.objects.filter(featured=True).exists()
    names = [s.name for s in stores]
    StoreItem.objects.all().delete()
    Store.objects.all().delete()
    RoleGrant.objects.all().delete()
    again = demo.build(random.Random(7), owners=owners, products=[*products, draft])
    assert [s.name for s in again] == names
