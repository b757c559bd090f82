"""Checkout attributes each line to the store (and share) that brought the sale (锁客)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from trustmart.accounts.models import User
from trustmart.catalog.models import Sku
from trustmart.orders import services
from trustmart.orders.models import Checkout, OrderLine
from trustmart.sharing import services as sharing
from trustmart.stores.models import Store, StoreItem

from .test_services import add_address

pytestmark = pytest.mark.django_db


@pytest.fixture
def store_owner(make_user: Callable[..., User]) -> User:
    return make_user("店主小芳")


@pytest.fixture
def store(store_owner: User, sku: Sku) -> Store:
    store = Store.objects.create(owner=store_owner, name="小芳的店")
    StoreItem.objects.create(store=store, product=sku.product)
    return store


def buy(buyer: User, sku: Sku, **line: object) -> OrderLine:
    address = add_address(buyer)
    services.cart_line_add(user=buyer, sku_id=sku.pk, quantity=1, **line)  # type: ignore[arg-type]
    checkout: Checkout = services.checkout_create(buyer=buyer, address_id=address.pk)
    return OrderLine.objects.get(order__checkout=checkout)


def test_a_bound_buyer_buying_directly_is_attributed_to_the_sharer(
        buyer: User, sku: Sku, store: Store, store_owner: User) -> None:
    share = sharing.share_create(user=store_owner, target="product", product_id=sku.product_id,
                                 channel="wechat_friend")
    sharing.visit_record(code=share.code, channel="wechat_friend", visitor=buyer,
                         device_id="dev-buyer")
    line = buy(buyer, sku)  # from the plain product page, days later: the binding decides
    assert (line.store_id, line.share_code) == (store.pk, share.code)
    assert line.commission_bps == sku.product.commission_bps > 0


def test_a_line_from_a_store_page_is_attributed_to_that_store(
        buyer: User, sku: Sku, store: Store) -> None:
    line = buy(buyer, sku, store_id=store.pk)
    assert (line.store_id, line.share_code) == (store.pk, None)
    assert line.commission_bps == sku.product.commission_bps


def test_a_direct_purchase_without_binding_pays_no_commission(buyer: User, sku: Sku) -> None:
    line = buy(buyer, sku)
    assert (line.store_id, line.share_code, line.commission_bps) == (None, None, 0)


def test_the_order_page_names_the_sharer(buyer: User, sku: Sku, store: Store,
                                         store_owner: User) -> None:
    share = sharing.share_create(user=store_owner, target="product", product_id=sku.product_id,
                                 channel="link")
    line = buy(buyer, sku, share_code=share.code)
    assert line.share_code == share.code
    client = Client()
    client.force_login(buyer)
    response = client.get(f"/orders/{line.order.order_no}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "通过 店主小芳 的分享" in page
