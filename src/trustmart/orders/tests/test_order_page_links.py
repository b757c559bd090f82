"""The buyer's order page links each line to what comes after the purchase."""

from __future__ import annotations

import pytest
from django.test import Client

from trustmart.accounts.models import User
from trustmart.catalog.models import Sku
from trustmart.orders import services

from .test_attribution import buy

pytestmark = pytest.mark.django_db


def test_a_received_order_offers_a_review_per_line(buyer: User, sku: Sku) -> None:
    line = buy(buyer, sku)
    checkout = line.order.checkout
    services.checkout_paid(checkout_no=checkout.checkout_no, amount_fen=checkout.total_fen,
                           payment_ref="p-review")
    client = Client()
    client.force_login(buyer)
    assert "write-review" not in client.get(f"/orders/{line.order.order_no}/").content.decode()
    services.order_ship(order_no=line.order.order_no)
    services.order_confirm_receipt(order_no=line.order.order_no)
    page = client.get(f"/orders/{line.order.order_no}/").content.decode()
    assert f'href="/my/reviews/write/{line.pk}/"' in page and "发表评价" in page
