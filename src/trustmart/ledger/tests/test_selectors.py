from __future__ import annotations

from collections.abc import Callable
from itertools import accumulate

import pytest
from django.db import connection
from django.db.models import F

from trustmart.core.errors import NotFound
from trustmart.ledger import selectors
from trustmart.ledger.models import Account, Entry, Hold, Journal, Purpose, Side
from trustmart.ledger.services import Leg, hold_create, hold_post, post

Fund = Callable[[Account, int], Journal]


@pytest.fixture
def busy_escrow(escrow: Account, payable: Account, revenue: Account, fund: Fund) -> Account:
    """Escrow with a mix of credits and debits: +1000, +500, -900 (two legs), +250, -300."""
    fund(escrow, 1_000)
    fund(escrow, 500)
    post(entries=[Leg.debit(escrow, 900), Leg.credit(payable, 800), Leg.credit(revenue, 100)],
         kind="settle")
    fund(escrow, 250)
    hold = hold_create(debit_account=escrow, credit_account=payable, amount_fen=400, kind="h")
    hold_post(hold_id=hold.pk, amount_fen=300)
    return escrow


def test_statement_running_balance_follows_every_entry(busy_escrow: Account) -> None:
    lines = list(selectors.account_statement(account=busy_escrow))

    signed = [line.signed_amount_fen for line in lines]  # type: ignore[attr-defined]
    assert signed == [1_000, 500, -900, 250, -300]
    assert [line.running_balance_fen for line in lines] == list(accumulate(signed))  # type: ignore[attr-defined]
    assert lines[-1].running_balance_fen == Account.objects.get(  # type: ignore[attr-defined]
        pk=busy_escrow.pk).balance_fen == 550


def test_a_page_of_the_statement_keeps_the_whole_history_in_its_balance(
        busy_escrow: Account) -> None:
    statement = selectors.account_statement(account=busy_escrow, newest_first=True)

    page = list(statement[1:3])

    assert statement.count() == 5
    assert [(e.signed_amount_fen, e.running_balance_fen) for e in page] == [  # type: ignore[attr-defined]
        (250, 850), (-900, 600)]


def test_statement_of_an_account_with_no_entries_is_empty(escrow: Account) -> None:
    assert list(selectors.account_statement(account=escrow)) == []


def test_balance_reads_the_database_not_the_instance(busy_escrow: Account,
                                                     payable: Account) -> None:
    hold_create(debit_account=busy_escrow, credit_account=payable, amount_fen=50, kind="h")

    balance = selectors.account_balance(account=busy_escrow.pk)

    assert (balance.balance_fen, balance.debits_pending_fen, balance.available_fen) == (
        550, 50, 500)


def test_journal_detail_and_lookups(busy_escrow: Account, payable: Account) -> None:
    journal = Journal.objects.get(kind="settle")

    detail = selectors.journal_detail(journal_id=journal.pk)

    assert {(e.account.purpose, e.side) for e in detail.entries.all()} == {
        (Purpose.PLATFORM_ESCROW, Side.DEBIT), (Purpose.MERCHANT_PAYABLE, Side.CREDIT),
        (Purpose.PLATFORM_REVENUE, Side.CREDIT)}
    assert selectors.account_find(owner_type="merchant", owner_id=7,
                                  purpose=Purpose.MERCHANT_PAYABLE) == payable
    assert selectors.account_find(owner_type="merchant", owner_id=8,
                                  purpose=Purpose.MERCHANT_PAYABLE) is None
    assert list(selectors.account_list(owner_type="merchant")) == [payable]
    assert list(selectors.account_list(purpose=Purpose.PLATFORM_ESCROW)) == [busy_escrow]
    for missing in (lambda: selectors.journal_detail(journal_id=10**9),
                    lambda: selectors.account_get(account_id=10**9),
                    lambda: selectors.hold_get(hold_id=10**9)):
        with pytest.raises(NotFound):
            missing()


def test_ledger_check_is_clean_after_normal_activity(busy_escrow: Account) -> None:
    assert selectors.ledger_check() == []


def _codes() -> set[str]:
    return {problem.code for problem in selectors.ledger_check()}


def test_ledger_check_finds_a_balance_that_drifted_from_its_entries(
        busy_escrow: Account) -> None:
    Account.objects.filter(pk=busy_escrow.pk).update(credits_posted_fen=F("credits_posted_fen") + 7)
    assert _codes() == {"balance_drift", "posted_sum_not_zero"}


def test_ledger_check_finds_pending_counters_without_holds(busy_escrow: Account,
                                                            payable: Account) -> None:
    Account.objects.filter(pk=busy_escrow.pk).update(debits_pending_fen=5)
    Account.objects.filter(pk=payable.pk).update(credits_pending_fen=5)
    assert _codes() == {"pending_drift"}


def test_ledger_check_finds_an_unbalanced_journal(escrow: Account) -> None:
    journal = Journal.objects.create(kind="broken")
    Entry.objects.create(journal=journal, account=escrow, side=Side.CREDIT, amount_fen=10)
    Account.objects.filter(pk=escrow.pk).update(credits_posted_fen=10)
    assert _codes() == {"unbalanced_journal", "posted_sum_not_zero"}


def test_ledger_check_finds_a_posted_hold_whose_journal_does_not_match(
        busy_escrow: Account) -> None:
    Hold.objects.filter(status=Hold.Status.POSTED).update(posted_amount_fen=299)
    assert _codes() == {"hold_journal_mismatch"}


@pytest.mark.skipif(connection.vendor == "postgresql", reason="SQLite only: bypasses CHECK")
def test_ledger_check_finds_a_forbidden_negative(escrow: Account, payable: Account) -> None:
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA ignore_check_constraints = ON")
        try:
            Account.objects.filter(pk=escrow.pk).update(debits_posted_fen=10)
            Account.objects.filter(pk=payable.pk).update(credits_posted_fen=10)
        finally:
            cursor.execute("PRAGMA ignore_check_constraints = OFF")
    assert "forbidden_negative" in _codes()
