"""The merchant state machine and the deposit rule."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from trustmart.accounts.models import User
from trustmart.core.errors import Conflict, InvalidInput, NotFound
from trustmart.core.models import OutboxEvent
from trustmart.merchants import services
from trustmart.merchants.models import Merchant, MerchantStatusChange
from trustmart.merchants.selectors import (
    merchant_deposit_balance_fen,
    merchant_is_selling,
)

from .factories import fund_deposit, take_from_deposit

pytestmark = pytest.mark.django_db
Status = Merchant.Status


def _events(name: str) -> list[dict[str, Any]]:
    return [e.payload for e in OutboxEvent.objects.filter(name=name).order_by("created_at")]


def test_suspend_and_reinstate_record_history_and_events(merchant: Merchant,
                                                         operator: User) -> None:
    suspended = services.merchant_suspend(operator=operator, merchant_id=merchant.pk,
                                          reason="涉嫌售假，暂停调查")
    assert suspended.status == Status.SUSPENDED
    assert suspended.status_reason == "涉嫌售假，暂停调查"
    assert suspended.suspension_kind == Merchant.SuspensionKind.OPERATOR
    reinstated = services.merchant_reinstate(operator=operator, merchant_id=merchant.pk,
                                             reason="调查结束")
    assert reinstated.status == Status.ACTIVE
    assert reinstated.suspension_kind == ""
    history = list(MerchantStatusChange.objects.filter(merchant=merchant)
                   .values_list("from_status", "to_status", "reason", "changed_by"))
    assert history == [("active", "suspended", "涉嫌售假，暂停调查", operator.pk),
                       ("suspended", "active", "调查结束", operator.pk)]
    assert _events("merchant.suspended") == [{"merchant_id": merchant.pk}]
    assert _events("merchant.reinstated") == [{"merchant_id": merchant.pk}]


def test_suspend_needs_a_reason(merchant: Merchant, operator: User) -> None:
    with pytest.raises(InvalidInput) as caught:
        services.merchant_suspend(operator=operator, merchant_id=merchant.pk, reason=" ")
    assert caught.value.code == "reason_required"
    merchant.refresh_from_db()
    assert merchant.status == Status.ACTIVE
    assert not MerchantStatusChange.objects.exists()


def test_close_is_final(merchant: Merchant, operator: User) -> None:
    services.merchant_suspend(operator=operator, merchant_id=merchant.pk, reason="a")
    closed = services.merchant_close(operator=operator, merchant_id=merchant.pk, reason="清退")
    assert closed.status == Status.CLOSED
    assert _events("merchant.closed") == [{"merchant_id": merchant.pk}]
    for attempt in (
        lambda: services.merchant_reinstate(operator=operator, merchant_id=merchant.pk),
        lambda: services.merchant_suspend(operator=operator, merchant_id=merchant.pk,
                                          reason="x"),
        lambda: services.merchant_close(operator=operator, merchant_id=merchant.pk,
                                        reason="x"),
    ):
        with pytest.raises(Conflict) as caught:
            attempt()
        assert caught.value.code == "illegal_transition"
    merchant.refresh_from_db()
    assert merchant.status == Status.CLOSED
    assert MerchantStatusChange.objects.count() == 2


def test_illegal_transitions_change_nothing(merchant: Merchant, operator: User) -> None:
    with pytest.raises(Conflict):
        services.merchant_reinstate(operator=operator, merchant_id=merchant.pk)
    services.merchant_suspend(operator=operator, merchant_id=merchant.pk, reason="a")
    with pytest.raises(Conflict):
        services.merchant_suspend(operator=operator, merchant_id=merchant.pk, reason="again")
    assert MerchantStatusChange.objects.count() == 1
    assert len(_events("merchant.suspended")) == 1


def test_transition_table_covers_every_status() -> None:
    sources = set().union(*(s for s, _t, _e in services.TRANSITIONS.values()))
    targets = {t for _s, t, _e in services.TRANSITIONS.values()}
    assert sources | targets == set(Status.values)
    assert Status.CLOSED not in sources  # nothing leaves closed


def test_only_operators_change_status(merchant: Merchant, applicant: User,
                                      make_user: Callable[..., User]) -> None:
    for someone in (applicant, make_user()):
        with pytest.raises(NotFound):
            services.merchant_suspend(operator=someone, merchant_id=merchant.pk, reason="x")
        with pytest.raises(NotFound):
            services.merchant_close(operator=someone, merchant_id=merchant.pk, reason="x")
    merchant.refresh_from_db()
    assert merchant.status == Status.ACTIVE


def test_unknown_merchant(operator: User) -> None:
    with pytest.raises(NotFound):
        services.merchant_suspend(operator=operator, merchant_id=987654, reason="x")


# --- deposit ----------------------------------------------------------------------------------
def test_deposit_paid_in_full_lets_the_merchant_sell(merchant: Merchant) -> None:
    assert merchant.deposit_required_fen == 2_000_000
    assert merchant_deposit_balance_fen(merchant=merchant) == 0
    fund_deposit(merchant, 1_999_999)
    assert services.merchant_deposit_refresh(merchant_id=merchant.pk).deposit_ok is False
    fund_deposit(merchant, 1)
    refreshed = services.merchant_deposit_refresh(merchant_id=merchant.pk)
    assert refreshed.deposit_ok is True
    assert merchant_is_selling(refreshed)
    assert merchant_deposit_balance_fen(merchant=merchant) == 2_000_000


def test_deposit_falling_below_minimum_suspends_and_top_up_reinstates(
        merchant: Merchant) -> None:
    fund_deposit(merchant, 2_000_000)
    services.merchant_deposit_refresh(merchant_id=merchant.pk)
    take_from_deposit(merchant, 500_000)  # 假一赔十 compensation paid from the deposit
    after_claim = services.merchant_deposit_refresh(merchant_id=merchant.pk)
    assert after_claim.status == Status.SUSPENDED
    assert after_claim.suspension_kind == Merchant.SuspensionKind.DEPOSIT
    assert not merchant_is_selling(after_claim)
    fund_deposit(merchant, 499_999)
    assert services.merchant_deposit_refresh(merchant_id=merchant.pk).status == Status.SUSPENDED
    fund_deposit(merchant, 1)
    topped_up = services.merchant_deposit_refresh(merchant_id=merchant.pk)
    assert topped_up.status == Status.ACTIVE and topped_up.deposit_ok
    assert topped_up.suspension_kind == ""
    changes = list(MerchantStatusChange.objects.values_list("to_status", "changed_by"))
    assert changes == [("suspended", None), ("active", None)]


def test_top_up_does_not_lift_an_operator_suspension(merchant: Merchant,
                                                     operator: User) -> None:
    services.merchant_suspend(operator=operator, merchant_id=merchant.pk, reason="售假调查")
    fund_deposit(merchant, 2_000_000)
    refreshed = services.merchant_deposit_refresh(merchant_id=merchant.pk)
    assert refreshed.deposit_ok is True
    assert refreshed.status == Status.SUSPENDED
    assert not merchant_is_selling(refreshed)


def test_refresh_is_idempotent(merchant: Merchant) -> None:
    fund_deposit(merchant, 2_000_000)
    services.merchant_deposit_refresh(merchant_id=merchant.pk)
    services.merchant_deposit_refresh(merchant_id=merchant.pk)
    assert not MerchantStatusChange.objects.exists()


def test_refresh_of_unknown_merchant() -> None:
    with pytest.raises(NotFound):
        services.merchant_deposit_refresh(merchant_id=55555)


def test_closed_merchant_stays_closed_when_deposit_changes(merchant: Merchant,
                                                           operator: User) -> None:
    fund_deposit(merchant, 2_000_000)
    services.merchant_deposit_refresh(merchant_id=merchant.pk)
    services.merchant_close(operator=operator, merchant_id=merchant.pk, reason="退出")
    take_from_deposit(merchant, 2_000_000)  # the deposit is refunded on exit
    refreshed = services.merchant_deposit_refresh(merchant_id=merchant.pk)
    assert refreshed.status == Status.CLOSED and refreshed.deposit_ok is False
