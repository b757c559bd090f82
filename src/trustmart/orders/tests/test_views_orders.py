from __future__ import annotations

import pytest
from django.test import Client

from trustmart.accounts.models import User
from trustmart.catalog.models import Sku
from trustmart.merchants.models import Merchant
from trustmart.orders import services
from trustmart.orders.models import Checkout, Order
from trustmart.stores.models import Store, StoreItem

from .test_services import add_address


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def in_cart(buyer: User, sku: Sku, other_sku: Sku) -> None:
    services.cart_line_add(user=buyer, sku_id=sku.pk, quantity=1)
    services.cart_line_add(user=buyer, sku_id=other_sku.pk, quantity=1)


def place(buyer: User) -> Checkout:
    address = add_address(buyer)
    return services.checkout_create(buyer=buyer, address_id=address.pk)


def test_cart_links_to_checkout_and_checkout_page_submits(buyer: User, in_cart: None,
                                                          sku: Sku) -> None:
    client = client_for(buyer)
    assert 'href="/checkout/"' in client.get("/cart/").content.decode()
    page = client.get("/checkout/").content.decode()
    assert "/my/addresses/new/" in page and page.count('data-testid="checkout-group"') == 2
    refused = client.post("/checkout/", {"request_key": "k", "note": "hi"})
    assert refused.status_code == 422 and not Checkout.objects.exists()
    address = add_address(buyer)
    form = {"address_id": address.pk, "request_key": "k", "note": "hi"}
    response = client.post("/checkout/", form)
    checkout = Checkout.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/pay/checkout/{checkout.checkout_no}/"
    assert client.post("/checkout/", form)["Location"] == response["Location"]  # double tap
    assert Checkout.objects.count() == 1
    sku.refresh_from_db()
    assert sku.stock == 9


def test_checkout_page_needs_log_in() -> None:
    assert Client().get("/checkout/").status_code == 302


def test_order_pages_for_buyer_and_404_for_others(buyer: User, stranger: User, in_cart: None,
                                                  sku: Sku, seller: User) -> None:
    store = Store.objects.create(owner=seller, name="小王的店")
    StoreItem.objects.create(store=store, product=sku.product)
    checkout = place(buyer)
    order = checkout.orders.order_by("pk").first()
    assert order is not None
    order.lines.update(store=store)
    client, other = client_for(buyer), client_for(stranger)
    listing = client.get("/orders/?tab=unpaid").content.decode()
    assert listing.count('data-testid="order-card"') == 2
    assert 'data-testid="order-card"' not in client.get("/orders/?tab=to_ship").content.decode()
    detail = client.get(f"/orders/{order.order_no}/").content.decode()
    assert f"/pay/checkout/{checkout.checkout_no}/" in detail
    assert 'data-testid="attribution"' in detail and seller.nickname in detail
    assert 'data-testid="cancel-order"' in detail
    assert other.get(f"/orders/{order.order_no}/").status_code == 404
    assert other.post(f"/orders/{order.order_no}/cancel/").status_code == 404
    assert other.post(f"/orders/{order.order_no}/confirm/").status_code == 404
    assert 'data-testid="order-card"' not in other.get("/orders/").content.decode()
    assert client.post(f"/orders/{order.order_no}/cancel/").status_code == 302
    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED


def test_confirm_receipt_button(buyer: User, in_cart: None) -> None:
    checkout = place(buyer)
    services.checkout_paid(checkout_no=checkout.checkout_no, amount_fen=checkout.total_fen,
                           payment_ref="p")
    order = checkout.orders.order_by("pk").first()
    assert order is not None
    services.order_ship(order_no=order.order_no)
    client = client_for(buyer)
    detail = client.get(f"/orders/{order.order_no}/").content.decode()
    assert 'data-testid="confirm-receipt"' in detail and "/tracking/" in detail
    client.post(f"/orders/{order.order_no}/confirm/")
    order.refresh_from_db()
    assert order.status == Order.Status.RECEIVED


def test_merchant_console_and_ops(buyer: User, seller: User, other_seller: User,
                                  operator: User, merchant: Merchant, in_cart: None) -> None:
    checkout = place(buyer)
    services.checkout_paid(checkout_no=checkout.checkout_no, amount_fen=checkout.total_fen,
                           payment_ref="p")
    order = checkout.orders.get(merchant=merchant)
    staff, other = client_for(seller), client_for(other_seller)
    listing = staff.get("/merchant/orders/?tab=to_ship").content.decode()
    assert order.order_no in listing
    detail = staff.get(f"/merchant/orders/{order.order_no}/").content.decode()
    assert f"/merchant/orders/{order.order_no}/ship/" in detail
    assert other.get(f"/merchant/orders/{order.order_no}/").status_code == 404
    assert order.order_no not in other.get("/merchant/orders/").content.decode()
    assert staff.get(f"/merchant/orders/?merchant={merchant.pk + 999}").status_code == 404
    assert staff.get("/ops/orders/").status_code == 404
    assert staff.get(f"/ops/orders/{order.order_no}/").status_code == 404
    ops = client_for(operator)
    assert order.order_no in ops.get(f"/ops/orders/?q={order.order_no}").content.decode()
    assert ops.get(f"/ops/orders/{order.order_no}/").status_code == 200
