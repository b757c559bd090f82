"""The answers that are now built from what the services just wrote (not read back) must say
exactly what a fresh read says: the checkout answer equals its detail, the cart count equals
``cart_count``, and another user's checkout still cannot be paid (issue 4's query cuts)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from trustmart.accounts.models import User
from trustmart.catalog.models import Sku
from trustmart.orders import selectors
from trustmart.payments.models import Payment

from .test_services import add_address

JSON = "application/json"


@pytest.mark.django_db
def test_checkout_answer_equals_a_fresh_read_and_cart_count_is_the_units(
        api_client_for: Callable[[User], Client], buyer: User, sku: Sku) -> None:
    api = api_client_for(buyer)
    address = add_address(buyer)
    api.post("/api/orders/cart/lines", {"sku_id": sku.pk, "quantity": 2}, content_type=JSON)
    response = api.post("/api/orders/cart/lines", {"sku_id": sku.pk, "quantity": 1},
                        content_type=JSON)
    assert response.status_code == 201, response.content
    assert response.json()["count"] == selectors.cart_count(user=buyer) == 3
    assert response.json()["line"]["quantity"] == 3
    created = api.post("/api/orders/checkouts", {"address_id": address.pk},
                       content_type=JSON, HTTP_IDEMPOTENCY_KEY="answer-1")
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["orders"] and body["orders"][0]["lines"][0]["quantity"] == 3
    detail = api.get(f"/api/orders/checkouts/{body['checkout_no']}")
    assert detail.status_code == 200
    assert body == detail.json()


@pytest.mark.django_db
def test_another_users_checkout_cannot_be_paid_and_nothing_is_created(
        api_client_for: Callable[[User], Client], buyer: User, stranger: User,
        sku: Sku) -> None:
    api = api_client_for(buyer)
    address = add_address(buyer)
    api.post("/api/orders/cart/lines", {"sku_id": sku.pk, "quantity": 1}, content_type=JSON)
    checkout_no = api.post("/api/orders/checkouts", {"address_id": address.pk},
                           content_type=JSON, HTTP_IDEMPOTENCY_KEY="answer-2"
                           ).json()["checkout_no"]
    response = api_client_for(stranger).post(
        "/api/payments/checkouts", {"checkout_no": checkout_no}, content_type=JSON,
        HTTP_IDEMPOTENCY_KEY="answer-3")
    assert response.status_code == 404
    assert response.json()["code"] == "checkout_not_found"
    assert not Payment.objects.exists()
