"""The checkout cashier on H5 and over the API; another user's checkout is a 404."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from trustmart.accounts.models import User
from trustmart.orders.models import Checkout, Order
from trustmart.payments.models import Payment

from .helpers import client_for

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("books_stay_sound")]
ApiClient = Callable[[User], Client]


def api_pay(client: Client, checkout_no: str, **headers: str) -> Any:
    return client.post("/api/payments/checkouts", {"checkout_no": checkout_no},
                       content_type="application/json", headers=headers)


def test_the_cashier_page_shows_the_amount_orders_and_providers(checkout: Checkout,
                                                                buyer: User) -> None:
    response = client_for(buyer).get(f"/pay/checkout/{checkout.checkout_no}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert f"¥{checkout.total_fen // 100}." in html
    for order in checkout.orders.select_related("merchant"):
        assert order.merchant.name in html
    assert 'value="sandbox"' in html and 'data-testid="go-pay"' in html


def test_go_to_pay_then_sandbox_then_result_returns_to_the_orders(checkout: Checkout,
                                                                   buyer: User) -> None:
    client = client_for(buyer)
    response = client.post(f"/pay/checkout/{checkout.checkout_no}/", {"provider": "sandbox"})
    assert response.status_code == 302
    payment = Payment.objects.get()
    assert response["Location"] == f"/pay/sandbox/{payment.payment_no}/"
    done = client.post(response["Location"], {"outcome": "succeeded"})
    assert done["Location"] == f"/pay/result/{payment.payment_no}/"
    result = client.get(done["Location"]).content.decode()
    assert 'href="/orders/"' in result and 'data-testid="result-done"' in result
    assert set(checkout.orders.values_list("status", flat=True)) == {Order.Status.PAID}
    # Paid: the cashier no longer offers to pay.
    again = client.get(f"/pay/checkout/{checkout.checkout_no}/").content.decode()
    assert 'data-testid="checkout-closed"' in again and 'data-testid="go-pay"' not in again


def test_an_unknown_provider_is_refused_on_the_page(checkout: Checkout, buyer: User) -> None:
    response = client_for(buyer).post(f"/pay/checkout/{checkout.checkout_no}/",
                                      {"provider": "bitcoin"})
    assert response.status_code == 422
    assert 'data-testid="checkout-error"' in response.content.decode()
    assert not Payment.objects.exists()


def test_another_users_cashier_page_is_404(checkout: Checkout, stranger: User) -> None:
    client = client_for(stranger)
    assert client.get(f"/pay/checkout/{checkout.checkout_no}/").status_code == 404
    assert client.post(f"/pay/checkout/{checkout.checkout_no}/",
                       {"provider": "sandbox"}).status_code == 404
    assert not Payment.objects.exists()


def test_api_creates_a_checkout_payment_idempotently(api_client_for: ApiClient,
                                                     checkout: Checkout, buyer: User) -> None:
    client = api_client_for(buyer)
    first = api_pay(client, checkout.checkout_no, **{"Idempotency-Key": "pay-1"})
    second = api_pay(client, checkout.checkout_no, **{"Idempotency-Key": "pay-1"})
    assert first.status_code == second.status_code == 201, first.content
    assert first.json() == second.json()
    body = first.json()
    assert body["amount_fen"] == checkout.total_fen and body["status"] == "created"
    assert body["pay_url"] == f"http://testserver/pay/sandbox/{body['payment_no']}/"
    done = client.post(body["app_params"]["complete_url"], {"outcome": "succeeded"},
                       content_type="application/json")
    assert done.json()["status"] == "succeeded"
    assert Payment.objects.count() == 1
    checkout.refresh_from_db()
    assert checkout.status == Checkout.Status.PAID


def test_api_refuses_another_users_checkout_with_404(api_client_for: ApiClient,
                                                     checkout: Checkout,
                                                     stranger: User) -> None:
    response = api_pay(api_client_for(stranger), checkout.checkout_no)
    assert response.status_code == 404
    assert not Payment.objects.exists()


def test_api_refuses_a_paid_checkout(api_client_for: ApiClient, checkout: Checkout,
                                     buyer: User) -> None:
    client = api_client_for(buyer)
    body = api_pay(client, checkout.checkout_no).json()
    client.post(body["app_params"]["complete_url"], {"outcome": "succeeded"},
                content_type="application/json")
    response = api_pay(client, checkout.checkout_no)
    assert response.status_code == 409
    assert response.json()["code"] == "checkout_not_payable"


def test_the_result_page_of_a_late_payment_says_it_was_refunded(
        checkout: Checkout, buyer: User, django_capture_on_commit_callbacks: Any) -> None:
    import time_machine

    from trustmart.orders import services as orders_services
    from trustmart.payments import services

    payment = services.checkout_payment_create(user=buyer, checkout_no=checkout.checkout_no)
    with time_machine.travel(checkout.expires_at):
        orders_services.checkout_expire_due()
        with django_capture_on_commit_callbacks(execute=True):
            services.sandbox_complete(user=buyer, payment_no=payment.payment_no,
                                      outcome="succeeded")
    html = client_for(buyer).get(f"/pay/result/{payment.payment_no}/").content.decode()
    assert 'data-testid="result-refunded"' in html
