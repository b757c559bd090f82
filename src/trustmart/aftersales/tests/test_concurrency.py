"""Races that only a real database shows: PostgreSQL, real threads, one connection each."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from trustmart.accounts.models import User
from trustmart.aftersales import services
from trustmart.aftersales.models import Case, Kind, Status
from trustmart.core.errors import Conflict
from trustmart.core.testing import run_all
from trustmart.ledger.selectors import ledger_check
from trustmart.merchants.models import Merchant
from trustmart.merchants.tests.factories import fund_deposit
from trustmart.orders.models import Order

from .factories import PRICE_FEN, open_case

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


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


def test_racing_settlements_repay_a_debt_once_and_never_too_much(
        buyer: User, seller: User, operator: User, merchant: Merchant, sku: object) -> None:
    """Two orders settle at once while the merchant owes the fund 3,000 fen: together they
    repay exactly 3,000, the payable keeps the rest, and the books balance."""
    from django.conf import settings

    from trustmart.aftersales.models import DebtRepayment, MerchantDebt
    from trustmart.ledger.models import Journal, Purpose
    from trustmart.orders.settlement import order_settle

    from .factories import balance, make_order

    first, second, bad = (make_order(buyer, sku, "received") for _ in range(3))  # type: ignore[arg-type]
    fund_deposit(merchant, 10 * PRICE_FEN - 3_000)
    case = open_case(buyer, bad, Kind.COUNTERFEIT)
    services.case_merchant_reject(user=seller, case_no=case.case_no, reason="正品")
    services.case_escalate(buyer=buyer, case_no=case.case_no)
    services.case_arbitrate(operator=operator, case_no=case.case_no, decision="upheld",
                            reason="假货")
    debt = MerchantDebt.objects.get(case=case)
    assert debt.amount_fen == 3_000
    later = timezone.now() + timedelta(days=settings.ORDER_AFTER_SALE_DAYS, minutes=1)
    with time_machine.travel(later, tick=False):
        results = run_all([lambda o=o: order_settle(order_no=o.order_no)  # type: ignore[misc]
                           for o in (first, second)])
    assert results == [True, True], results
    debt.refresh_from_db()
    assert debt.repaid_fen == 3_000 and debt.repaid_at is not None
    assert sum(DebtRepayment.objects.values_list("amount_fen", flat=True)) == 3_000
    net = 0
    for order in (first, second):
        order.refresh_from_db()
        net += order.total_fen - order.platform_fee_fen - order.commission_fen
    assert balance("merchant", merchant.pk, Purpose.MERCHANT_PAYABLE) == net - 3_000
    assert balance("platform", None, Purpose.GUARANTEE_FUND) == 0
    assert Journal.objects.filter(kind="debt.repayment").count() == 1
    assert ledger_check() == []


def test_racing_repayments_never_over_repay_or_overdraw(
        buyer: User, seller: User, operator: User, merchant: Merchant, sku: object) -> None:
    from trustmart.aftersales.models import MerchantDebt
    from trustmart.ledger.models import Journal, Purpose
    from trustmart.ledger.services import Leg, account_get_or_create, post

    from .factories import balance, make_order

    orders = [make_order(buyer, sku, "received") for _ in range(2)]  # type: ignore[arg-type]
    for order in orders:
        case = open_case(buyer, order, Kind.COUNTERFEIT)
        services.case_merchant_reject(user=seller, case_no=case.case_no, reason="正品")
        services.case_escalate(buyer=buyer, case_no=case.case_no)
        services.case_arbitrate(operator=operator, case_no=case.case_no, decision="upheld",
                                reason="假货")
    owed = 2 * 10 * PRICE_FEN
    source = account_get_or_create(owner_type="platform", owner_id=None,
                                   purpose=Purpose.EXTERNAL_PAYMENT_SOURCE)
    payable = account_get_or_create(owner_type="merchant", owner_id=merchant.pk,
                                    purpose=Purpose.MERCHANT_PAYABLE)
    post(entries=[Leg.debit(source, owed + 7_000), Leg.credit(payable, owed + 7_000)],
         kind="test.settle")
    calls: list[Callable[[], object]] = [
        lambda n=n: services.debts_repay_for_settlement(  # type: ignore[misc]
            merchant_id=merchant.pk, order_no=f"O{n % 3}") for n in range(6)]
    calls += [lambda: services.debt_repay(user=seller, merchant_id=merchant.pk,
                                          amount_fen=50_000, request_id="same")
              for _ in range(2)]
    results = run_all(calls)
    unexpected = [r for r in results if isinstance(r, Exception)
                  and getattr(r, "code", "") not in ("no_open_debt", "payable_insufficient")]
    assert not unexpected, results
    assert sum(r for r in results if isinstance(r, int)) == owed
    assert not MerchantDebt.objects.filter(repaid_at__isnull=True).exists()
    assert set(MerchantDebt.objects.values_list("repaid_fen", flat=True)) == {10 * PRICE_FEN}
    assert balance("merchant", merchant.pk, Purpose.MERCHANT_PAYABLE) == 7_000
    assert balance("platform", None, Purpose.GUARANTEE_FUND) == 0
    repaid = Journal.objects.filter(kind="debt.repayment")
    assert len({j.reference for j in repaid}) == repaid.count() <= 4
    assert ledger_check() == []
