"""End to end with the orders app: checkout, pay, ship, track, confirm (no shortcuts)."""

from __future__ import annotations

import pytest

from trustmart.accounts.models import User
from trustmart.catalog.models import Category
from trustmart.catalog.tests.factories import make_live_product
from trustmart.core.errors import Conflict
from trustmart.logistics import services
from trustmart.merchants.models import Merchant
from trustmart.orders import services as order_services
from trustmart.orders.models import Order

from .conftest import ADDRESS

pytestmark = pytest.mark.django_db


def test_paid_checkout_ships_and_delivered_waits_for_the_buyer(
        seller: User, buyer: User, merchant: Merchant, tea: Category, operator: User) -> None:
    product = make_live_product(seller, merchant, tea, operator)
    sku = product.skus.order_by("pk").first()
    assert sku is not None
    address = order_services.address_create(user=buyer, **ADDRESS)  # type: ignore[arg-type]
    order_services.cart_line_add(user=buyer, sku_id=sku.pk, quantity=1)
    checkout = order_services.checkout_create(buyer=buyer, address_id=address.pk)
    order = checkout.orders.get()

    with pytest.raises(Conflict):  # not paid yet
        services.shipment_create(user=seller, order_no=order.order_no, carrier="SF",
                                 tracking_no="SF1234567890")

    assert order_services.checkout_paid(checkout_no=checkout.checkout_no,
                                        amount_fen=checkout.total_fen, payment_ref="pay-1")
    shipment = services.shipment_create(user=seller, order_no=order.order_no, carrier="SF",
                                        tracking_no="SF1234567890")
    services.tracking_event_add(user=seller, shipment_id=shipment.pk, status="delivered")
    order.refresh_from_db()
    assert order.status == Order.Status.SHIPPED

    order_services.order_confirm_receipt(order_no=order.order_no, user=buyer)
    order.refresh_from_db()
    assert order.status == Order.Status.RECEIVED
    with pytest.raises(Conflict):  # the goods are with the buyer: no more packages
        services.shipment_create(user=seller, order_no=order.order_no, carrier="ZTO",
                                 tracking_no="75312345678901")
