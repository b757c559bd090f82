"""Checkout attributes each line to the store (and share) that brought the sale (锁客)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

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


def test_a_paid_purchase_through_the_binding_renews_it(
        buyer: User, sku: Sku, store: Store, store_owner: User,
        django_capture_on_commit_callbacks: Callable[..., Any]) -> None:
    from datetime import timedelta

    import time_machine
    from django.utils import timezone

    from trustmart.sharing.selectors import binding_of

    share = sharing.share_create(user=store_owner, target="product", product_id=sku.product_id,
                                 channel="weibo")
    sharing.visit_record(code=share.code, channel="weibo", visitor=buyer, device_id="d1")
    first_expiry = binding_of(buyer_id=buyer.pk).expires_at  # type: ignore[union-attr]
    with time_machine.travel(timezone.now() + timedelta(days=10)):
        line = buy(buyer, sku)
        checkout = line.order.checkout
        with django_capture_on_commit_callbacks(execute=True):
            services.checkout_paid(checkout_no=checkout.checkout_no,
                                   amount_fen=checkout.total_fen, payment_ref="p-renew")
    binding = binding_of(buyer_id=buyer.pk)
    assert binding is not None and first_expiry is not None
    assert binding.expires_at is not None and binding.expires_at > first_expiry

