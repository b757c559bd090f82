"""A merchant suspended because its deposit fell short cannot withdraw its payable; the
service refuses, and the payable page and the API say why before anyone tries."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import time_machine
from django.test import Client

from trustmart.accounts.models import User
from trustmart.catalog.models import Sku
from trustmart.core.errors import Conflict
from trustmart.merchants.models import Merchant
from trustmart.merchants.services import merchant_deposit_refresh
from trustmart.merchants.tests.factories import fund_deposit
from trustmart.orders import settlement
from trustmart.orders.models import Order
from trustmart.orders.tests.conftest import buyer, merchant, other_seller, seller, tea
from trustmart.orders.tests.test_settlement import after_window, received_order, sellable
from trustmart.payments import services
from trustmart.payments.models import Payout

from .helpers import verified_account

__all__ = ["buyer", "merchant", "other_seller", "sellable", "seller", "tea"]  # fixtures
pytestmark = pytest.mark.django_db


@pytest.fixture
def settled(buyer: User, sellable: Sku, seller: User, merchant: Merchant) -> Order:
    order = received_order(buyer, sellable)
    with time_machine.travel(after_window(), tick=False):
        assert settlement.orders_settle_due() == 1
    verified_account(owner_type="merchant", owner_id=merchant.pk, user=seller)
    return order


def _deposit_falls_short(merchant: Merchant) -> Merchant:
    """The platform raises the required deposit above what the merchant holds: the refresh
    suspends the merchant for its deposit (as compensation taken from it would)."""
    Merchant.objects.filter(pk=merchant.pk).update(deposit_required_fen=1_000_000,
                                                   deposit_ok=True)
    refreshed = merchant_deposit_refresh(merchant_id=merchant.pk)
    assert refreshed.status == Merchant.Status.SUSPENDED
    assert refreshed.suspension_kind == Merchant.SuspensionKind.DEPOSIT
    return refreshed


def test_no_withdrawal_while_suspended_for_the_deposit(settled: Order, seller: User,
                                                      merchant: Merchant) -> None:
    before = settlement.merchant_payable_fen(merchant=merchant)
    assert before >= 10_000
    suspended = _deposit_falls_short(merchant)
    refusal = services.merchant_withdrawal_refusal(merchant=suspended)
    assert refusal is not None and refusal.code == "deposit_insufficient"
    with pytest.raises(Conflict) as caught:
        services.merchant_withdrawal_create(user=seller, merchant_id=merchant.pk,
                                              amount_fen=10_000)
    assert caught.value.code == "deposit_insufficient"
    assert "¥10000.00" in str(caught.value.message)
    assert settlement.merchant_payable_fen(merchant=merchant) == before
    assert not Payout.objects.exists()
    # Topping the deposit up reinstates the merchant, and the payable may go out again.
    fund_deposit(merchant, 1_000_000)
    assert merchant_deposit_refresh(merchant_id=merchant.pk).status == Merchant.Status.ACTIVE
    services.merchant_withdrawal_create(user=seller, merchant_id=merchant.pk,
                                          amount_fen=10_000)
    assert settlement.merchant_payable_fen(merchant=merchant) == before - 10_000


def test_the_api_says_why_and_refuses(settled: Order, seller: User, merchant: Merchant,
                                      other_seller: User,
                                      api_client_for: Callable[[User], Client]) -> None:
    api = api_client_for(seller)
    url = f"/api/payments/merchant/{merchant.pk}/payable"
    open_now = api.get(url).json()
    assert open_now["can_withdraw"] is True and open_now["refusal"] is None
    _deposit_falls_short(merchant)
    shown = api.get(url, HTTP_ACCEPT_LANGUAGE="en").json()
    assert shown["can_withdraw"] is False
    assert shown["refusal"]["code"] == "deposit_insufficient"
    assert "deposit" in shown["refusal"]["message"]
    chinese = api.get(url).json()
    assert "保证金" in chinese["refusal"]["message"]
    refused = api.post(f"/api/payments/merchant/{merchant.pk}/withdrawals",
                       {"amount_fen": 10_000}, content_type="application/json")
    assert refused.status_code == 409 and refused.json()["code"] == "deposit_insufficient"
    assert api_client_for(other_seller).get(url).status_code == 404


def test_the_api_withdraws_when_allowed(settled: Order, seller: User, merchant: Merchant,
                                        api_client_for: Callable[[User], Client]) -> None:
    api = api_client_for(seller)
    before = settlement.merchant_payable_fen(merchant=merchant)
    body = {"amount_fen": 10_000, "request_id": "app-1"}
    first = api.post(f"/api/payments/merchant/{merchant.pk}/withdrawals", body,
                     content_type="application/json")
    assert first.status_code == 201, first.content
    assert first.json()["payable_fen"] == before - 10_000
    assert first.json()["payout"]["amount_fen"] == 10_000
    again = api.post(f"/api/payments/merchant/{merchant.pk}/withdrawals", body,
                     content_type="application/json")
    assert again.json()["payout"]["id"] == first.json()["payout"]["id"]  # paid once
    assert Payout.objects.count() == 1
    assert settlement.merchant_payable_fen(merchant=merchant) == before - 10_000


def test_the_payable_page_says_why_and_disables_the_form(settled: Order, seller: User,
                                                         merchant: Merchant) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(seller)
    before = client.get("/merchant/payable/").content.decode()
    assert 'data-testid="withdrawal-refused"' not in before
    _deposit_falls_short(merchant)
    page = client.get("/merchant/payable/").content.decode()
    assert 'data-testid="withdrawal-refused"' in page and "guarantee deposit" in page
    assert "disabled" in page
    posted = client.post("/merchant/payable/", {"amount": "100", "request_id": "x1"})
    assert posted.status_code == 200 and "guarantee deposit" in posted.content.decode()
    assert not Payout.objects.exists()
