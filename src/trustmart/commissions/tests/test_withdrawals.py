"""Withdrawals of available commission: minimum, daily limit, idempotent, never overdrawn."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from trustmart.accounts.models import User
from trustmart.commissions import services
from trustmart.commissions.models import CommissionWithdrawal
from trustmart.commissions.services.withdrawals import withdrawn_today_fen
from trustmart.core.errors import Conflict, InvalidInput, NotAuthenticated
from trustmart.ledger.models import Hold, Purpose
from trustmart.ledger.selectors import ledger_check
from trustmart.payments.models import Payout, PayoutAccount

from .conftest import World, available, balance

pytestmark = pytest.mark.django_db


@pytest.fixture
def earned(world: World, operator: User) -> World:
    """B has 3 × 10.00 yuan available."""
    for _ in range(3):
        world.settle(world.buy())
    assert available(world.b) == 3000
    return world


def test_withdraw_pays_out_through_the_ledger(earned: World,
                                              django_capture_on_commit_callbacks: Any) -> None:
    payout_before = balance("platform", None, Purpose.EXTERNAL_PAYOUT)
    with django_capture_on_commit_callbacks(execute=True):
        w = services.commission_withdraw(user=earned.b, amount_fen=1200, request_id="r1")
    assert available(earned.b) == 1800
    assert balance("platform", None, Purpose.EXTERNAL_PAYOUT) == payout_before + 1200
    payout = Payout.objects.get(pk=int(w.payout_id or 0))
    assert payout.status == Payout.Status.SUCCEEDED
    assert payout.reference == f"commission_withdrawal:{w.pk}"
    assert payout.account.owner_id == earned.b.pk
    hold = Hold.objects.get(pk=payout.hold_id)
    assert hold.status == "posted" and hold.kind == "payout"
    assert ledger_check() == []


def test_a_failed_payout_gives_the_money_back(earned: World,
                                              django_capture_on_commit_callbacks: Any) -> None:
    PayoutAccount.objects.filter(owner_id=earned.b.pk).update(openid="fail-closed-account")
    with django_capture_on_commit_callbacks(execute=True):
        w = services.commission_withdraw(user=earned.b, amount_fen=1200, request_id="r1")
    payout = Payout.objects.get(pk=int(w.payout_id or 0))
    assert payout.status == Payout.Status.FAILED and "ACCOUNT_FROZEN" in payout.last_error
    assert available(earned.b) == 3000
    assert Hold.objects.get(pk=payout.hold_id).status == "voided"
    # A failed payout does not use up the day's limit.
    assert withdrawn_today_fen(user_id=earned.b.pk) == 0
    assert ledger_check() == []


def test_without_a_payout_account_nothing_is_withdrawn(earned: World) -> None:
    PayoutAccount.objects.filter(owner_id=earned.b.pk).update(status="removed")
    with pytest.raises(Conflict) as exc:
        services.commission_withdraw(user=earned.b, amount_fen=1200, request_id="r1")
    assert exc.value.code == "payout_account_required"
    assert not CommissionWithdrawal.objects.exists() and not Payout.objects.exists()
    assert available(earned.b) == 3000


def test_same_request_pays_once(earned: World) -> None:
    first = services.commission_withdraw(user=earned.b, amount_fen=1200, request_id="r1")
    again = services.commission_withdraw(user=earned.b, amount_fen=1200, request_id="r1")
    assert first.pk == again.pk
    assert available(earned.b) == 1800


def test_minimum(earned: World) -> None:
    with pytest.raises(InvalidInput) as exc:
        services.commission_withdraw(user=earned.b, amount_fen=999, request_id="r1")
    assert exc.value.code == "withdrawal_below_minimum"


def test_not_more_than_available(earned: World) -> None:
    with pytest.raises(Conflict) as exc:
        services.commission_withdraw(user=earned.b, amount_fen=3001, request_id="r1")
    assert exc.value.code == "withdrawal_exceeds_balance"
    assert not CommissionWithdrawal.objects.exists()


def test_daily_limit(earned: World, operator: User) -> None:
    services.policy_change(user=operator, withdrawal_daily_limit_fen=2000)
    services.commission_withdraw(user=earned.b, amount_fen=1500, request_id="r1")
    with pytest.raises(InvalidInput) as exc:
        services.commission_withdraw(user=earned.b, amount_fen=1000, request_id="r2")
    assert exc.value.code == "withdrawal_daily_limit"
    with time_machine.travel(timezone.now() + timedelta(days=1), tick=False):
        services.commission_withdraw(user=earned.b, amount_fen=1000, request_id="r2")
    assert available(earned.b) == 500


def test_anonymous_refused(earned: World) -> None:
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(NotAuthenticated):
        services.commission_withdraw(user=AnonymousUser(), amount_fen=1000, request_id="r")
