"""The contract other apps rely on: merchant_for_staff, merchants_of_user, the deposit."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser

from trustmart.accounts.models import User
from trustmart.core.errors import NotFound
from trustmart.ledger.models import Account, Purpose
from trustmart.merchants import selectors, services
from trustmart.merchants.models import Merchant

from .factories import approved, fund_deposit, submit

pytestmark = pytest.mark.django_db


def test_merchant_for_staff_whatever_the_status(merchant: Merchant, applicant: User,
                                                operator: User) -> None:
    assert selectors.merchant_for_staff(user=applicant, merchant_id=merchant.pk) == merchant
    services.merchant_suspend(operator=operator, merchant_id=merchant.pk, reason="x")
    assert selectors.merchant_for_staff(user=applicant, merchant_id=merchant.pk) == merchant


def test_merchant_for_staff_refuses_everyone_else(merchant: Merchant, operator: User,
                                                  make_user: Callable[..., User]) -> None:
    for someone in (make_user(), operator, AnonymousUser()):
        with pytest.raises(NotFound):
            selectors.merchant_for_staff(user=someone, merchant_id=merchant.pk)
    with pytest.raises(NotFound):
        selectors.merchant_for_staff(user=merchant.owner, merchant_id=merchant.pk + 1000)


def test_merchants_of_user(applicant: User, operator: User, categories: dict[str, Any],
                           make_user: Callable[..., User]) -> None:
    first = approved(applicant, operator, [categories["food"]])
    second = approved(applicant, operator, [categories["digital"]])
    assert list(selectors.merchants_of_user(user=applicant)) == [first, second]
    assert not selectors.merchants_of_user(user=make_user()).exists()
    assert not selectors.merchants_of_user(user=AnonymousUser()).exists()


def test_deposit_balance_and_account(merchant: Merchant) -> None:
    assert selectors.merchant_deposit_balance_fen(merchant=merchant) == 0
    assert not Account.objects.filter(owner_type="merchant").exists()  # a read creates nothing
    account = selectors.merchant_deposit_account(merchant=merchant)
    assert (account.owner_type, account.owner_id, account.purpose) == (
        "merchant", merchant.pk, Purpose.MERCHANT_DEPOSIT)
    assert selectors.merchant_deposit_account(merchant=merchant).pk == account.pk
    fund_deposit(merchant, 123_456)
    assert selectors.merchant_deposit_balance_fen(merchant=merchant) == 123_456


def test_is_selling(merchant: Merchant, operator: User) -> None:
    assert not selectors.merchant_is_selling(merchant)
    fund_deposit(merchant, merchant.deposit_required_fen)
    merchant = services.merchant_deposit_refresh(merchant_id=merchant.pk)
    assert selectors.merchant_is_selling(merchant) and merchant.can_sell
    merchant = services.merchant_suspend(operator=operator, merchant_id=merchant.pk, reason="x")
    assert not selectors.merchant_is_selling(merchant)


def test_pending_queue_is_oldest_first_and_for_operators(
        operator: User, categories: dict[str, Any], make_user: Callable[..., User]) -> None:
    first = submit(make_user(), [categories["food"]])
    second = submit(make_user(), [categories["beauty"]])
    rejected = submit(make_user(), [categories["beauty"]])
    services.application_reject(operator=operator, application_id=rejected.pk, reason="x")
    assert list(selectors.application_pending_queue(user=operator)) == [first, second]
    with pytest.raises(NotFound):
        selectors.application_pending_queue(user=make_user())


def test_public_card_hides_closed_merchants(merchant: Merchant, operator: User) -> None:
    assert selectors.merchant_public(merchant_id=merchant.pk) == merchant
    services.merchant_close(operator=operator, merchant_id=merchant.pk, reason="x")
    with pytest.raises(NotFound):
        selectors.merchant_public(merchant_id=merchant.pk)
