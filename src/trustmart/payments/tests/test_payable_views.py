"""The merchant payable page: balance, settled orders, withdrawals; 404 for everyone else."""

from __future__ import annotations

from typing import Any

import pytest
import time_machine
from django.test import Client

from trustmart.accounts.models import User
from trustmart.catalog.models import Sku
from trustmart.merchants.models import Merchant
from trustmart.orders import settlement
from trustmart.orders.models import Order
from trustmart.orders.tests.test_settlement import FEE_FEN, PRICE_FEN, after_window, received_order
from trustmart.payments.models import Payout

from .helpers import verified_account
from .test_merchant_withdrawals import buyer, merchant, other_seller, sellable, seller, tea

URL = "/merchant/payable/"
__all__ = ["buyer", "merchant", "other_seller", "sellable", "seller", "tea"]  # fixtures


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def settled(buyer: User, sellable: Sku, seller: User, merchant: Merchant) -> Order:
    verified_account(owner_type="merchant", owner_id=merchant.pk, user=seller)
    order = received_order(buyer, sellable)
    with time_machine.travel(after_window(), tick=False):
        assert settlement.orders_settle_due() == 1
    order.refresh_from_db()
    return order


def test_page_shows_balance_and_settled_orders(settled: Order, seller: User) -> None:
    response = client_for(seller).get(URL)
    assert response.status_code == 200
    body = response.content.decode()
    net = PRICE_FEN - FEE_FEN
    assert f"¥{net // 100}.{net % 100:02d}" in body
    assert settled.order_no in body
    assert "¥9.96" in body  # the fee
    assert 'data-testid="withdrawal-form"' in body


def test_withdrawal_form_pays_out(settled: Order, seller: User, merchant: Merchant,
                                  django_capture_on_commit_callbacks: Any) -> None:
    client = client_for(seller)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(URL, {"amount": "100.00", "request_id": "abc123"})
    assert response.status_code == 302
    assert settlement.merchant_payable_fen(merchant=merchant) == PRICE_FEN - FEE_FEN - 10_000
    page = client.get(URL).content.decode()
    assert 'data-testid="withdrawal" data-status="succeeded"' in page
    assert 'data-testid="payout-account"' in page
    # A double-submitted form (same request id) pays once.
    client.post(URL, {"amount": "100.00", "request_id": "abc123"})
    assert Payout.objects.count() == 1


@pytest.mark.parametrize("amount", ["99.99", "1000.00", "abc"])
def test_bad_withdrawal_shows_error_and_changes_nothing(settled: Order, seller: User,
                                                        merchant: Merchant,
                                                        amount: str) -> None:
    response = client_for(seller).post(URL, {"amount": amount, "request_id": "x1"})
    assert response.status_code == 200
    assert 'class="field-error"' in response.content.decode()
    assert settlement.merchant_payable_fen(merchant=merchant) == PRICE_FEN - FEE_FEN
    assert not Payout.objects.exists()


def test_other_users_get_404(settled: Order, other_seller: User, buyer: User,
                             merchant: Merchant) -> None:
    for user in (other_seller, buyer):
        client = client_for(user)
        assert client.get(URL).status_code == 404
        assert client.get(f"{URL}?merchant={merchant.pk}").status_code == 404
        response = client.post(f"{URL}?merchant={merchant.pk}",
                               {"amount": "100.00", "request_id": "evil"})
        assert response.status_code == 404
    assert not Payout.objects.exists()


def test_visitor_is_sent_to_log_in(db: None) -> None:
    response = Client().get(URL)
    assert response.status_code == 302
