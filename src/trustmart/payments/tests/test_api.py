"""The REST API: deposits, my payments, one payment, sandbox completion."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from trustmart.accounts.models import User
from trustmart.merchants.models import Merchant
from trustmart.merchants.selectors import merchant_deposit_balance_fen
from trustmart.payments.models import Payment

from .helpers import state

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("books_stay_sound")]
ApiClient = Callable[[User], Client]


def create(client: Client, merchant: Merchant, amount_fen: Any = 1_000_00,
           **headers: str) -> Any:
    return client.post("/api/payments/deposits", {"merchant_id": merchant.pk,
                                                  "amount_fen": amount_fen},
                       content_type="application/json", headers=headers)


def test_create_a_deposit_payment_and_pay_it(api_client_for: ApiClient, owner: User,
                                             merchant: Merchant) -> None:
    client = api_client_for(owner)
    response = create(client, merchant, merchant.deposit_required_fen)
    assert response.status_code == 201, response.content
    body = response.json()
    no = body["payment_no"]
    assert body == {"payment_no": no, "amount_fen": merchant.deposit_required_fen,
                    "status": "created", "provider": "sandbox", "channel": "h5",
                    "action": "redirect", "code_url": "",
                    "pay_url": f"http://testserver/pay/sandbox/{no}/",
                    "app_params": {"payment_no": no,
                                   "complete_url": f"/api/payments/sandbox/{no}/complete"}}
    done = client.post(body["app_params"]["complete_url"], {"outcome": "succeeded"},
                       content_type="application/json")
    assert done.status_code == 200
    assert done.json()["status"] == "succeeded" and done.json()["paid_at"]
    detail = client.get(f"/api/payments/{no}").json()
    assert detail["purpose"] == "deposit" and detail["reference"] == f"merchant:{merchant.pk}"
    merchant.refresh_from_db()
    assert merchant.deposit_ok
    assert merchant_deposit_balance_fen(merchant=merchant) == merchant.deposit_required_fen


def test_a_retried_create_with_its_idempotency_key_makes_one_payment(
        api_client_for: ApiClient, owner: User, merchant: Merchant) -> None:
    client = api_client_for(owner)
    first = create(client, merchant, **{"Idempotency-Key": "key-1"})
    second = create(client, merchant, **{"Idempotency-Key": "key-1"})
    assert first.status_code == second.status_code == 201
    assert second["Idempotent-Replayed"] == "true"
    assert first.json() == second.json()
    assert Payment.objects.count() == 1
    other = create(client, merchant, 2_000_00, **{"Idempotency-Key": "key-1"})
    assert other.status_code == 422 and other.json()["code"] == "idempotency_key_reused"
    assert create(client, merchant).status_code == 201
    assert Payment.objects.count() == 2


def test_another_user_cannot_pay_for_the_merchant(api_client_for: ApiClient, stranger: User,
                                                  merchant: Merchant) -> None:
    response = create(api_client_for(stranger), merchant)
    assert response.status_code == 404
    assert response.json()["code"] == "merchant_not_found"
    assert create(Client(), merchant).status_code == 401
    assert not Payment.objects.exists()


@pytest.mark.parametrize("amount,code", [
    (50_00, "amount_below_minimum"), (1000.5, "invalid_input"), ("100000", "invalid_input"),
    ("abc", "invalid_input"), (None, "invalid_input"), (10_000_000_01, "amount_above_maximum"),
])
def test_bad_amounts_are_refused_and_save_nothing(api_client_for: ApiClient, owner: User,
                                                  merchant: Merchant, amount: Any,
                                                  code: str) -> None:
    before = state()
    response = create(api_client_for(owner), merchant, amount)
    assert response.status_code == 422
    assert response.json()["code"] == code
    assert "amount_fen" in response.json()["fields"]
    assert state() == before


def test_a_merchant_that_is_not_approved_cannot_pay(api_client_for: ApiClient, owner: User,
                                                    make_merchant: Callable[..., Merchant]
                                                    ) -> None:
    pending = make_merchant(owner, application_status="pending")
    response = create(api_client_for(owner), pending)
    assert response.status_code == 409
    assert response.json()["code"] == "merchant_not_approved"
    assert not Payment.objects.exists()


def test_a_payment_is_visible_to_its_payer_only(api_client_for: ApiClient, owner: User,
                                                stranger: User, merchant: Merchant) -> None:
    no = create(api_client_for(owner), merchant).json()["payment_no"]
    assert api_client_for(owner).get(f"/api/payments/{no}").status_code == 200
    hidden = api_client_for(stranger).get(f"/api/payments/{no}")
    assert hidden.status_code == 404 and hidden.json()["code"] == "payment_not_found"
    assert Client().get(f"/api/payments/{no}").status_code == 401
    blocked = api_client_for(stranger).post(f"/api/payments/sandbox/{no}/complete",
                                            {"outcome": "succeeded"},
                                            content_type="application/json")
    assert blocked.status_code == 404
    assert Payment.objects.get().status == "created"


def test_my_payments_lists_only_mine(api_client_for: ApiClient, owner: User, stranger: User,
                                     merchant: Merchant,
                                     make_merchant: Callable[..., Merchant]) -> None:
    mine = [create(api_client_for(owner), merchant, n * 100_00).json()["payment_no"]
            for n in (1, 2)]
    create(api_client_for(stranger), make_merchant(stranger))
    listed = api_client_for(owner).get("/api/payments/mine").json()
    assert listed["count"] == 2
    assert [p["payment_no"] for p in listed["items"]] == mine[::-1]
    assert api_client_for(stranger).get("/api/payments/mine").json()["count"] == 1


def test_sandbox_completion_refuses_bad_choices_and_closed_payments(
        api_client_for: ApiClient, owner: User, merchant: Merchant) -> None:
    client = api_client_for(owner)
    no = create(client, merchant).json()["payment_no"]
    url = f"/api/payments/sandbox/{no}/complete"
    bad = client.post(url, {"outcome": "refunded"}, content_type="application/json")
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_outcome"
    assert client.post(url, {"outcome": "failed"},
                       content_type="application/json").json()["status"] == "failed"
    late = client.post(url, {"outcome": "succeeded"}, content_type="application/json")
    assert late.status_code == 409 and late.json()["code"] == "payment_closed"
    assert Payment.objects.get().status == "failed"
