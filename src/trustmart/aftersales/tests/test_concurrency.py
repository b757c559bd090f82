"""Races that only a real database shows: PostgreSQL, real threads, one connection each."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from trustmart.accounts.models import User
from trustmart.aftersales import services
from trustmart.aftersales.models import Case, Kind, Status
from trustmart.core.errors import Conflict
from trustmart.ledger.selectors import ledger_check
from trustmart.merchants.models import Merchant
from trustmart.merchants.tests.factories import fund_deposit
from trustmart.orders.models import Order

from .factories import PRICE_FEN, open_case

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def run_all(calls: list[Callable[[], object]]) -> list[object]:
    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def run(i: int) -> None:
        try:
            barrier.wait()
            results[i] = calls[i]()
        except Exception as exc:  # collected for the assertions
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_two_accepts_refund_once(buyer: User, seller: User, paid: Order) -> None:
    case = open_case(buyer, paid)
    results = run_all([lambda: services.case_merchant_accept(user=seller, case_no=case.case_no)
                       for _ in range(4)])
    won = [r for r in results if isinstance(r, Case)]
    lost = [r for r in results if isinstance(r, Conflict)]
    assert len(won) == 1 and len(lost) == 3, results
    case.refresh_from_db()
    assert case.status == Status.REFUNDED and case.refund_fen == PRICE_FEN
    paid.refresh_from_db()
    assert paid.refunded_fen == PRICE_FEN and paid.open_cases == 0
    assert ledger_check() == []


def test_accept_against_the_auto_accept_job(buyer: User, seller: User, paid: Order) -> None:
    case = open_case(buyer, paid)
    later = timezone.now() + timedelta(hours=49)
    with time_machine.travel(later, tick=False):
        results = run_all([
            lambda: services.case_merchant_accept(user=seller, case_no=case.case_no),
            services.cases_due_sweep,
        ])
    assert not [r for r in results if isinstance(r, Exception) and not isinstance(r, Conflict)]
    case.refresh_from_db()
    assert case.status == Status.REFUNDED and case.refund_fen == PRICE_FEN
    paid.refresh_from_db()
    assert paid.refunded_fen == PRICE_FEN and paid.open_cases == 0
    assert ledger_check() == []


def test_two_operators_uphold_a_counterfeit_once(buyer: User, seller: User, operator: User,
                                                 make_user: Callable[..., User],
                                                 merchant: Merchant, received: Order) -> None:
    from trustmart.accounts.models import Role

    second = make_user("运营二", roles=(Role.OPERATOR,))
    fund_deposit(merchant, 1_000_000)
    case = open_case(buyer, received, Kind.COUNTERFEIT)
    services.case_merchant_reject(user=seller, case_no=case.case_no, reason="正品")
    services.case_escalate(buyer=buyer, case_no=case.case_no)
    results = run_all([
        lambda op=op: services.case_arbitrate(operator=op, case_no=case.case_no,  # type: ignore[misc]
                                              decision="upheld", reason="假货")
        for op in (operator, second)])
    assert len([r for r in results if isinstance(r, Case)]) == 1, results
    case.refresh_from_db()
    assert case.compensation_fen == 10 * PRICE_FEN
    assert ledger_check() == []


def test_two_claims_on_one_line_open_one_case(buyer: User, received: Order) -> None:
    results = run_all([lambda: open_case(buyer, received, Kind.QUALITY) for _ in range(3)])
    assert len([r for r in results if isinstance(r, Case)]) == 1, results
    assert {r.code for r in results if isinstance(r, Conflict)} == {"case_already_open"}
    received.refresh_from_db()
    assert received.open_cases == 1 and Case.objects.count() == 1
