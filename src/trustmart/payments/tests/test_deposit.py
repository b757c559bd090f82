"""The deposit flow through the services: create, start, pay in the sandbox, ledger, deposit_ok."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from trustmart.accounts.models import User
from trustmart.core.errors import Conflict, DomainError, InvalidInput, NotFound
from trustmart.ledger.models import Journal
from trustmart.merchants.models import Merchant, MerchantApplication, MerchantStaff
from trustmart.merchants.selectors import merchant_deposit_balance_fen
from trustmart.payments import demo, selectors, services
from trustmart.payments.models import CallbackLog, Payment

from .helpers import state

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("books_stay_sound")]


def pay(user: User, merchant: Merchant, amount_fen: int, outcome: str = "succeeded") -> Payment:
    payment = services.deposit_payment_create(user=user, merchant_id=merchant.pk,
                                              amount_fen=amount_fen)
    services.sandbox_complete(user=user, payment_no=payment.payment_no, outcome=outcome)
    payment.refresh_from_db()
    return payment


def test_a_deposit_payment_records_what_is_paid_for(owner: User, merchant: Merchant) -> None:
    payment = services.deposit_payment_create(user=owner, merchant_id=merchant.pk,
                                              amount_fen=1_000_00,
                                              return_url=f"/pay/deposit/{merchant.pk}/")
    assert (payment.purpose, payment.reference, payment.payer, payment.amount_fen,
            payment.provider, payment.status, payment.return_url, payment.description) == (
        "deposit", f"merchant:{merchant.pk}", owner, 1_000_00, "sandbox", "created",
        f"/pay/deposit/{merchant.pk}/", "山水茶业")
    start = services.payment_start(user=owner, payment_no=payment.payment_no)
    assert start.redirect_url == f"/pay/sandbox/{payment.payment_no}/"
    assert start.app_params["complete_url"] == (
        f"/api/payments/sandbox/{payment.payment_no}/complete")


def test_paying_in_parts_reaches_deposit_ok_only_when_complete(owner: User,
                                                               merchant: Merchant) -> None:
    first = pay(owner, merchant, 3_000_00)
    merchant.refresh_from_db()
    assert first.status == "succeeded"
    assert merchant_deposit_balance_fen(merchant=merchant) == 3_000_00
    assert not merchant.deposit_ok
    summary = selectors.deposit_summary(user=owner, merchant_id=merchant.pk)
    assert (summary.required_fen, summary.balance_fen, summary.shortfall_fen,
            summary.suggested_fen) == (5_000_00, 3_000_00, 2_000_00, 2_000_00)
    pay(owner, merchant, summary.suggested_fen)
    merchant.refresh_from_db()
    assert merchant.deposit_ok
    assert merchant_deposit_balance_fen(merchant=merchant) == 5_000_00
    # Topping up a complete deposit works the same way (at least ¥100).
    summary = selectors.deposit_summary(user=owner, merchant_id=merchant.pk)
    assert (summary.shortfall_fen, summary.minimum_fen, summary.suggested_fen) == (0, 100_00,
                                                                                 100_00)
    pay(owner, merchant, 100_00)
    assert merchant_deposit_balance_fen(merchant=merchant) == 5_100_00
    assert Journal.objects.filter(kind="payment.deposit").count() == 3
    assert [p.amount_fen for p in summary.recent] == [2_000_00, 3_000_00]


def test_a_staff_member_may_pay_for_the_merchant(make_user: Callable[..., User],
                                                 merchant: Merchant) -> None:
    clerk = make_user("店员")
    MerchantStaff.objects.create(merchant=merchant, user=clerk, role=MerchantStaff.Role.STAFF)
    payment = pay(clerk, merchant, merchant.deposit_required_fen)
    assert payment.payer == clerk and payment.status == "succeeded"


def test_a_suspended_merchant_may_pay_to_get_back(make_merchant: Callable[..., Merchant],
                                                  owner: User) -> None:
    suspended = make_merchant(owner, status=Merchant.Status.SUSPENDED)
    assert pay(owner, suspended, 5_000_00).status == "succeeded"


def test_less_than_the_minimum_is_fine_when_that_is_all_that_is_missing(
        owner: User, merchant: Merchant) -> None:
    pay(owner, merchant, merchant.deposit_required_fen - 30_00)
    with pytest.raises(InvalidInput):
        services.deposit_payment_create(user=owner, merchant_id=merchant.pk, amount_fen=29_99)
    pay(owner, merchant, 30_00)
    merchant.refresh_from_db()
    assert merchant.deposit_ok


@pytest.mark.parametrize("amount,code", [
    (99_99, "amount_below_minimum"), (0, "amount_below_minimum"),
    (-100_00, "amount_below_minimum"), (10_000_000_01, "amount_above_maximum"),
    (100.5, "invalid_amount"), ("10000", "invalid_amount"), (True, "invalid_amount"),
    (None, "invalid_amount"),
])
def test_bad_amounts_save_nothing(owner: User, merchant: Merchant, amount: Any,
                                  code: str) -> None:
    before = state()
    with pytest.raises(InvalidInput) as caught:
        services.deposit_payment_create(user=owner, merchant_id=merchant.pk, amount_fen=amount)
    assert caught.value.code == code
    assert "amount_fen" in caught.value.fields
    assert state() == before


@pytest.mark.parametrize("url", ["https://evil.example/", "//evil.example/x", "pay/x",
                                 "/\\evil.example", "/a b"])
def test_only_local_return_paths_are_kept(owner: User, merchant: Merchant, url: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        services.deposit_payment_create(user=owner, merchant_id=merchant.pk,
                                        amount_fen=100_00, return_url=url)
    assert caught.value.code == "invalid_return_url"
    assert not Payment.objects.exists()


def test_an_unknown_provider_saves_nothing(owner: User, merchant: Merchant) -> None:
    with pytest.raises(InvalidInput) as caught:
        services.deposit_payment_create(user=owner, merchant_id=merchant.pk,
                                        amount_fen=100_00, provider="alipay")
    assert caught.value.code == "payment_provider_unavailable"
    assert not Payment.objects.exists()


@pytest.mark.parametrize("application_status,status,code", [
    (MerchantApplication.Status.PENDING, Merchant.Status.ACTIVE, "merchant_not_approved"),
    (MerchantApplication.Status.APPROVED, Merchant.Status.CLOSED, "merchant_closed"),
])
def test_a_merchant_that_is_not_approved_or_closed_cannot_pay(
        make_merchant: Callable[..., Merchant], owner: User, application_status: str,
        status: str, code: str) -> None:
    target = make_merchant(owner, application_status=application_status, status=status)
    with pytest.raises(Conflict) as caught:
        services.deposit_payment_create(user=owner, merchant_id=target.pk, amount_fen=100_00)
    assert caught.value.code == code
    assert not Payment.objects.exists()


def test_only_the_merchants_staff_may_pay_or_see_its_deposit(
        stranger: User, merchant: Merchant) -> None:
    from django.contrib.auth.models import AnonymousUser

    for who in (stranger, AnonymousUser()):
        with pytest.raises(NotFound):
            services.deposit_payment_create(user=who, merchant_id=merchant.pk,  # type: ignore[arg-type]
                                            amount_fen=100_00)
        with pytest.raises(NotFound):
            selectors.deposit_summary(user=who, merchant_id=merchant.pk)
    with pytest.raises(NotFound):
        services.deposit_payment_create(user=stranger, merchant_id=999_999, amount_fen=100_00)
    assert not Payment.objects.exists()


def test_only_the_payer_may_start_or_complete_a_payment(owner: User, stranger: User,
                                                        merchant: Merchant) -> None:
    payment = services.deposit_payment_create(user=owner, merchant_id=merchant.pk,
                                              amount_fen=100_00)
    with pytest.raises(NotFound):
        services.payment_start(user=stranger, payment_no=payment.payment_no)
    with pytest.raises(NotFound):
        services.sandbox_complete(user=stranger, payment_no=payment.payment_no,
                                  outcome="succeeded")
    with pytest.raises(NotFound):
        selectors.payment_for_payer(user=stranger, payment_no=payment.payment_no)
    payment.refresh_from_db()
    assert payment.status == "created"
    assert not CallbackLog.objects.exists()


def test_sandbox_completion_checks_the_choice_and_the_state(owner: User,
                                                            merchant: Merchant) -> None:
    payment = services.deposit_payment_create(user=owner, merchant_id=merchant.pk,
                                              amount_fen=100_00)
    with pytest.raises(InvalidInput) as caught:
        services.sandbox_complete(user=owner, payment_no=payment.payment_no, outcome="maybe")
    assert caught.value.code == "invalid_outcome"
    services.sandbox_complete(user=owner, payment_no=payment.payment_no, outcome="cancelled")
    # Pressing the same button twice is a replay, answered as already processed.
    again = services.sandbox_complete(user=owner, payment_no=payment.payment_no,
                                      outcome="cancelled")
    assert again.outcome == "duplicate"
    with pytest.raises(Conflict) as closed:
        services.sandbox_complete(user=owner, payment_no=payment.payment_no,
                                  outcome="succeeded")
    assert closed.value.code == "payment_closed"
    with pytest.raises(Conflict):
        services.payment_start(user=owner, payment_no=payment.payment_no)
    payment.refresh_from_db()
    assert payment.status == "cancelled"
    assert Journal.objects.count() == 0


def test_the_demo_pays_every_deposit_for_real(make_merchant: Callable[..., Merchant]) -> None:
    merchants = [make_merchant(required_fen=amount) for amount in (2_000_00, 10_000_00, 0)]
    demo.pay_deposits(merchants)
    for merchant in merchants:
        merchant.refresh_from_db()
        assert merchant.deposit_ok
        assert merchant_deposit_balance_fen(merchant=merchant) == merchant.deposit_required_fen
    assert Journal.objects.filter(kind="payment.deposit").count() == 2
    assert list(CallbackLog.objects.values_list("outcome", flat=True)) == ["applied"] * 2
    demo.pay_deposits(merchants)  # nothing is missing any more: nothing is paid twice
    assert Payment.objects.count() == 2


def test_errors_carry_messages_in_the_users_language(owner: User, merchant: Merchant) -> None:
    from django.utils import translation

    with translation.override("en"), pytest.raises(DomainError) as caught:
        services.deposit_payment_create(user=owner, merchant_id=merchant.pk, amount_fen=1)
    with translation.override("en"):
        assert str(caught.value.message) == "The amount must be at least ¥100.00."
