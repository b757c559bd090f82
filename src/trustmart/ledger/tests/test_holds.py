from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import transaction

from trustmart.core.errors import Conflict, InvalidInput, NotFound
from trustmart.ledger.models import Account, Hold, Journal, Side
from trustmart.ledger.selectors import ledger_check
from trustmart.ledger.services import (
    InsufficientFunds,
    NewHold,
    hold_create,
    hold_post,
    hold_void,
    holds_create_new,
)

from .conftest import fresh, snapshot

Fund = Callable[[Account, int], Journal]


@pytest.fixture
def held(escrow: Account, payable: Account, fund: Fund) -> Hold:
    """Escrow holds 1000 and reserves 600 of it for the merchant."""
    fund(escrow, 1_000)
    return hold_create(debit_account=escrow, credit_account=payable, amount_fen=600,
                       kind="order.settle", reference="order:1:settle")


def test_a_hold_reserves_without_posting(held: Hold, escrow: Account, payable: Account) -> None:
    assert held.status == Hold.Status.PENDING
    assert (fresh(escrow).balance_fen, fresh(escrow).available_fen) == (1_000, 400)
    assert fresh(escrow).debits_pending_fen == 600
    assert (fresh(payable).balance_fen, fresh(payable).credits_pending_fen) == (0, 600)
    assert fresh(payable).available_fen == 0  # pending credits are not spendable
    assert ledger_check() == []


def test_a_hold_beyond_the_available_balance_is_refused(
        held: Hold, escrow: Account, payable: Account) -> None:
    before = snapshot()
    with pytest.raises(InsufficientFunds):
        hold_create(debit_account=escrow, credit_account=payable, amount_fen=401, kind="x")
    assert snapshot() == before


def test_posting_moves_the_money_and_writes_one_journal(
        held: Hold, escrow: Account, payable: Account) -> None:
    posted = hold_post(hold_id=held.pk)

    assert posted.status == Hold.Status.POSTED
    assert posted.posted_amount_fen == 600
    assert posted.resolved_at is not None
    assert posted.journal is not None
    assert sorted(posted.journal.entries.values_list("account_id", "side", "amount_fen")) == \
        sorted([(escrow.pk, Side.DEBIT, 600), (payable.pk, Side.CREDIT, 600)])
    assert (fresh(escrow).balance_fen, fresh(escrow).available_fen) == (400, 400)
    assert (fresh(payable).balance_fen, fresh(payable).credits_pending_fen) == (600, 0)
    assert ledger_check() == []


def test_a_partial_post_releases_the_rest(held: Hold, escrow: Account, payable: Account) -> None:
    posted = hold_post(hold_id=held.pk, amount_fen=250)

    assert posted.posted_amount_fen == 250
    assert (fresh(escrow).balance_fen, fresh(escrow).available_fen) == (750, 750)
    assert fresh(escrow).debits_pending_fen == 0
    assert (fresh(payable).balance_fen, fresh(payable).credits_pending_fen) == (250, 0)
    assert ledger_check() == []


@pytest.mark.parametrize(("amount", "code"), [(601, "amount_exceeds_hold"),
                                              (0, "invalid_amount"), (-1, "invalid_amount")])
def test_a_post_outside_the_hold_is_refused(held: Hold, amount: int, code: str) -> None:
    before = snapshot()
    with pytest.raises(InvalidInput) as caught:
        hold_post(hold_id=held.pk, amount_fen=amount)
    assert caught.value.code == code
    assert snapshot() == before


def test_voiding_releases_everything(held: Hold, escrow: Account, payable: Account) -> None:
    voided = hold_void(hold_id=held.pk)

    assert voided.status == Hold.Status.VOIDED
    assert voided.journal is None
    assert (fresh(escrow).balance_fen, fresh(escrow).available_fen) == (1_000, 1_000)
    assert fresh(payable).credits_pending_fen == 0
    assert ledger_check() == []


@pytest.mark.parametrize("first", [hold_post, hold_void])
@pytest.mark.parametrize("second", [hold_post, hold_void])
def test_a_hold_resolves_exactly_once(held: Hold, first: Callable[..., Hold],
                                      second: Callable[..., Hold]) -> None:
    first(hold_id=held.pk)
    before = snapshot()

    with pytest.raises(Conflict) as caught:
        second(hold_id=held.pk)

    assert caught.value.code == "hold_already_resolved"
    assert snapshot() == before


def test_the_same_hold_reference_returns_the_first_hold(
        held: Hold, escrow: Account, payable: Account) -> None:
    before = snapshot()
    again = hold_create(debit_account=escrow, credit_account=payable, amount_fen=600,
                        kind="order.settle", reference="order:1:settle")
    assert again.pk == held.pk
    assert snapshot() == before

    with pytest.raises(Conflict) as caught:
        hold_create(debit_account=escrow, credit_account=payable, amount_fen=599,
                    kind="order.settle", reference="order:1:settle")
    assert caught.value.code == "hold_reference_conflict"


def test_a_hold_needs_two_accounts_and_a_positive_amount(escrow: Account,
                                                         payable: Account) -> None:
    with pytest.raises(InvalidInput):
        hold_create(debit_account=escrow, credit_account=escrow, amount_fen=1, kind="x")
    with pytest.raises(InvalidInput):
        hold_create(debit_account=escrow, credit_account=payable, amount_fen=0, kind="x")
    with pytest.raises(NotFound):
        hold_post(hold_id=123_456)
    with pytest.raises(NotFound):
        hold_void(hold_id=123_456)


def test_new_holds_open_together_in_one_insert(
        source: Account, escrow: Account, payable: Account,
        django_assert_num_queries: Callable[..., Any]) -> None:
    specs = [NewHold(debit_account=source, credit_account=escrow, amount_fen=amount,
                     kind="order_escrow", reference=f"order:{n}:escrow")
             for n, amount in enumerate((300, 500, 200))]
    # One guarded UPDATE per account, one INSERT for the three holds.
    with transaction.atomic(), django_assert_num_queries(3):
        holds = holds_create_new(specs)
    assert [h.amount_fen for h in holds] == [300, 500, 200] and all(h.pk for h in holds)
    assert fresh(source).debits_pending_fen == 1_000
    assert fresh(escrow).credits_pending_fen == 1_000
    assert ledger_check() == []
    hold_post(hold_id=holds[1].pk)
    assert fresh(escrow).balance_fen == 500 and ledger_check() == []


def test_new_holds_beyond_the_balance_roll_the_caller_back(
        escrow: Account, payable: Account, fund: Fund) -> None:
    fund(escrow, 1_000)
    before = snapshot()
    with pytest.raises(InsufficientFunds), transaction.atomic():
        holds_create_new([NewHold(debit_account=escrow, credit_account=payable,
                                  amount_fen=600, kind="x"),
                          NewHold(debit_account=escrow, credit_account=payable,
                                  amount_fen=401, kind="x")])
    assert snapshot() == before
