"""A merchant's payable withdrawal, paid out to its verified payout account (moved from orders):
the money is held at once, paid after commit, once per request; bad input changes nothing."""

from __future__ import annotations

from typing import Any

import pytest
import time_machine
from django.conf import settings

from trustmart.accounts.models import User
from trustmart.catalog.models import Sku
from trustmart.core.errors import Conflict, InvalidInput, NotFound
from trustmart.ledger.models import Purpose
from trustmart.ledger.selectors import ledger_check
from trustmart.merchants.models import Merchant
from trustmart.orders import settlement
from trustmart.orders.models import Order
from trustmart.orders.tests.conftest import buyer, merchant, other_seller, seller, tea
from trustmart.orders.tests.test_settlement import after_window, balance, received_order, sellable
from trustmart.payments import services
from trustmart.payments.models import Payout, SandboxRecord

from .helpers import verified_account

__all__ = ["buyer", "merchant", "other_seller", "sellable", "seller", "tea"]  # fixtures


@pytest.fixture
def settled(buyer: User, sellable: Sku, seller: User, merchant: Merchant) -> list[Order]:
    orders = [received_order(buyer, sellable) for _ in range(2)]
    with time_machine.travel(after_window(), tick=False):
        assert settlement.orders_settle_due() == 2
    verified_account(owner_type="merchant", owner_id=merchant.pk, user=seller)
    return orders


def test_withdrawal_pays_out_once(settled: list[Order], seller: User, merchant: Merchant,
                                  django_capture_on_commit_callbacks: Any) -> None:
    before = settlement.merchant_payable_fen(merchant=merchant)
    with django_capture_on_commit_callbacks(execute=True):
        payout = services.merchant_withdrawal_create(user=seller, merchant_id=merchant.pk,
                                                     amount_fen=10_000, request_id="r1")
    assert payout.reference == f"merchant_withdrawal:{merchant.pk}:r1"
    # The same form submitted twice pays once.
    again = services.merchant_withdrawal_create(user=seller, merchant_id=merchant.pk,
                                                amount_fen=10_000, request_id="r1")
    assert again.pk == payout.pk
    payout.refresh_from_db()
    assert payout.status == Payout.Status.SUCCEEDED and payout.provider == "sandbox"
    assert SandboxRecord.objects.filter(kind="transfer").count() == 1
    assert settlement.merchant_payable_fen(merchant=merchant) == before - 10_000
    assert balance("platform", None, Purpose.EXTERNAL_PAYOUT) == 10_000
    assert [p.amount_fen for p in services.merchant_withdrawals(merchant=merchant)] == [10_000]
    assert ledger_check() == []


def test_a_held_withdrawal_cannot_be_spent_twice(settled: list[Order], seller: User,
                                                 merchant: Merchant) -> None:
    before = settlement.merchant_payable_fen(merchant=merchant)
    services.merchant_withdrawal_create(user=seller, merchant_id=merchant.pk,
                                        amount_fen=before, request_id="all")
    # Not paid out yet (no commit here), but held: nothing is left to withdraw.
    assert settlement.merchant_payable_fen(merchant=merchant) == 0
    with pytest.raises(Conflict) as exc:
        services.merchant_withdrawal_create(user=seller, merchant_id=merchant.pk,
                                            amount_fen=10_000, request_id="more")
    assert exc.value.code == "withdrawal_exceeds_balance"
    assert ledger_check() == []


def test_withdrawal_below_minimum_changes_nothing(settled: list[Order], seller: User,
                                                  merchant: Merchant) -> None:
    before = settlement.merchant_payable_fen(merchant=merchant)
    with pytest.raises(InvalidInput) as exc:
        services.merchant_withdrawal_create(
            user=seller, merchant_id=merchant.pk,
            amount_fen=settings.MERCHANT_WITHDRAWAL_MIN_FEN - 1)
    assert exc.value.code == "withdrawal_below_minimum"
    assert settlement.merchant_payable_fen(merchant=merchant) == before
    assert not Payout.objects.exists()


def test_withdrawal_overdraft_is_refused(settled: list[Order], seller: User,
                                         merchant: Merchant) -> None:
    before = settlement.merchant_payable_fen(merchant=merchant)
    with pytest.raises(Conflict) as exc:
        services.merchant_withdrawal_create(user=seller, merchant_id=merchant.pk,
                                            amount_fen=before + 1)
    assert exc.value.code == "withdrawal_exceeds_balance"
    assert settlement.merchant_payable_fen(merchant=merchant) == before
    assert not Payout.objects.exists()
    assert ledger_check() == []


def test_withdrawal_needs_a_verified_payout_account(settled: list[Order], seller: User,
                                                    merchant: Merchant) -> None:
    Payout.objects.all().delete()
    merchant_accounts = services.payout_account_for_withdrawal(owner_type="merchant",
                                                               owner_id=merchant.pk)
    merchant_accounts.status = "removed"
    merchant_accounts.save()
    with pytest.raises(Conflict) as exc:
        services.merchant_withdrawal_create(user=seller, merchant_id=merchant.pk,
                                            amount_fen=10_000)
    assert exc.value.code == "payout_account_required"
    assert not Payout.objects.exists()


def test_withdrawal_by_another_user_is_not_found(settled: list[Order], other_seller: User,
                                                 merchant: Merchant) -> None:
    with pytest.raises(NotFound):
        services.merchant_withdrawal_create(user=other_seller, merchant_id=merchant.pk,
                                            amount_fen=10_000)
    assert not Payout.objects.exists()
