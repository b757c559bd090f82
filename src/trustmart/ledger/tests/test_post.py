from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import IntegrityError, transaction
from django.db.models import F

from trustmart.core.errors import Conflict, InvalidInput, NotFound
from trustmart.ledger import services
from trustmart.ledger.models import Account, Journal, Purpose, Side
from trustmart.ledger.services import InsufficientFunds, Leg, journal_reverse, post

from .conftest import fresh, snapshot

Fund = Callable[[Account, int], Journal]


def test_post_moves_both_sides_and_records_entries(source: Account, escrow: Account) -> None:
    journal = post(entries=[Leg.debit(source, 1200), Leg.credit(escrow, 1200)],
                   kind="payment.capture", memo="order 1")

    assert fresh(escrow).balance_fen == 1200
    assert fresh(source).balance_fen == -1200
    assert sorted(journal.entries.values_list("account_id", "side", "amount_fen")) == sorted([
        (source.pk, Side.DEBIT, 1200), (escrow.pk, Side.CREDIT, 1200)])


def test_settlement_splits_escrow_between_merchant_and_platform(
        escrow: Account, payable: Account, revenue: Account, fund: Fund) -> None:
    fund(escrow, 10_000)

    post(entries=[Leg.debit(escrow, 10_000), Leg.credit(payable, 9_400),
                  Leg.credit(revenue, 600)], kind="order.settle")

    assert [fresh(a).balance_fen for a in (escrow, payable, revenue)] == [0, 9_400, 600]


@pytest.mark.parametrize(("legs", "code"), [
    (lambda a, b: [Leg.debit(a, 100)], "too_few_entries"),
    (lambda a, b: [], "too_few_entries"),
    (lambda a, b: [Leg.debit(a, 100), Leg.credit(b, 99)], "unbalanced_journal"),
    (lambda a, b: [Leg.debit(a, 100), Leg.debit(b, 100)], "unbalanced_journal"),
    (lambda a, b: [Leg.debit(a, 0), Leg.credit(b, 0)], "invalid_amount"),
    (lambda a, b: [Leg.debit(a, -5), Leg.credit(b, -5)], "invalid_amount"),
    (lambda a, b: [Leg.debit(a, 1.5), Leg.credit(b, 1.5)],  # type: ignore[arg-type]
     "invalid_amount"),
    (lambda a, b: [Leg.debit(a, True), Leg.credit(b, True)], "invalid_amount"),
    (lambda a, b: [Leg(a, "sideways", 5), Leg.credit(b, 5)], "invalid_side"),
    (lambda a, b: [Leg.debit(a, 5), Leg.credit(a, 5)], "same_account_both_sides"),
])
def test_post_refuses_invalid_sets_and_changes_nothing(
        source: Account, escrow: Account, fund: Fund, legs: Callable[..., list[Leg]],
        code: str) -> None:
    fund(escrow, 500)
    before = snapshot()

    with pytest.raises(InvalidInput) as caught:
        post(entries=legs(source, escrow), kind="test")

    assert caught.value.code == code
    assert snapshot() == before


def test_post_to_unknown_account_changes_nothing(source: Account) -> None:
    before = snapshot()
    with pytest.raises(NotFound):
        post(entries=[Leg.debit(source, 5), Leg.credit(999_999, 5)], kind="test")
    assert snapshot() == before


def test_insufficient_funds_on_a_non_negative_account(
        escrow: Account, payable: Account, fund: Fund) -> None:
    fund(escrow, 100)
    before = snapshot()

    with pytest.raises(InsufficientFunds) as caught:
        post(entries=[Leg.debit(escrow, 101), Leg.credit(payable, 101)], kind="test")

    assert caught.value.code == "insufficient_funds"
    assert caught.value.status == 409
    assert snapshot() == before
    post(entries=[Leg.debit(escrow, 100), Leg.credit(payable, 100)], kind="test")
    assert fresh(escrow).balance_fen == 0


def test_pending_debits_count_against_the_available_balance(
        escrow: Account, payable: Account, fund: Fund) -> None:
    fund(escrow, 100)
    services.hold_create(debit_account=escrow, credit_account=payable, amount_fen=80,
                         kind="test.hold")

    with pytest.raises(InsufficientFunds):
        post(entries=[Leg.debit(escrow, 30), Leg.credit(payable, 30)], kind="test")
    post(entries=[Leg.debit(escrow, 20), Leg.credit(payable, 20)], kind="test")
    assert fresh(escrow).available_fen == 0


def test_the_guarded_update_refuses_an_overdraft_even_without_the_python_check(
        escrow: Account, payable: Account, fund: Fund, monkeypatch: pytest.MonkeyPatch) -> None:
    fund(escrow, 100)
    for module in (services.journals, services.holds):
        monkeypatch.setattr(module, "_check_funds", lambda accounts, deltas: None)
    before = snapshot()

    with pytest.raises(InsufficientFunds):
        post(entries=[Leg.debit(escrow, 150), Leg.credit(payable, 150)], kind="test")
    assert snapshot() == before


def test_the_database_refuses_a_negative_balance_whatever_the_code(
        escrow: Account, fund: Fund) -> None:
    fund(escrow, 100)
    with pytest.raises(IntegrityError), transaction.atomic():
        Account.objects.filter(pk=escrow.pk).update(debits_posted_fen=F("debits_posted_fen") + 101)
    with pytest.raises(IntegrityError), transaction.atomic():
        Account.objects.filter(pk=escrow.pk).update(debits_pending_fen=101)
    assert fresh(escrow).balance_fen == 100


def test_accounts_that_may_go_negative_do(source: Account, escrow: Account) -> None:
    post(entries=[Leg.debit(source, 5_000), Leg.credit(escrow, 5_000)], kind="test")
    assert fresh(source).balance_fen == -5_000


def test_same_reference_and_entries_returns_the_first_journal(
        source: Account, escrow: Account) -> None:
    first = post(entries=[Leg.debit(source, 300), Leg.credit(escrow, 300)], kind="payment",
                 reference="payment:1")
    before = snapshot()

    again = post(entries=[Leg.credit(escrow, 300), Leg.debit(source, 300)], kind="payment",
                 reference="payment:1")

    assert again.pk == first.pk
    assert snapshot() == before


@pytest.mark.parametrize(("amount", "kind"), [(301, "payment"), (300, "refund")])
def test_same_reference_with_other_entries_is_a_conflict(
        source: Account, escrow: Account, amount: int, kind: str) -> None:
    post(entries=[Leg.debit(source, 300), Leg.credit(escrow, 300)], kind="payment",
         reference="payment:1")
    before = snapshot()

    with pytest.raises(Conflict) as caught:
        post(entries=[Leg.debit(source, amount), Leg.credit(escrow, amount)], kind=kind,
             reference="payment:1")

    assert caught.value.code == "journal_reference_conflict"
    assert snapshot() == before


def test_a_reversal_mirrors_the_journal_exactly_once(
        escrow: Account, payable: Account, revenue: Account, fund: Fund) -> None:
    fund(escrow, 1_000)
    settle = post(entries=[Leg.debit(escrow, 1_000), Leg.credit(payable, 900),
                           Leg.credit(revenue, 100)], kind="order.settle")

    reversal = journal_reverse(journal_id=settle.pk, memo="wrong merchant")

    assert reversal.reversal_of_id == settle.pk
    assert reversal.kind == "order.settle.reversal"
    assert [fresh(a).balance_fen for a in (escrow, payable, revenue)] == [1_000, 0, 0]
    with pytest.raises(Conflict) as caught:
        journal_reverse(journal_id=settle.pk)
    assert caught.value.code == "journal_already_reversed"
    assert fresh(escrow).balance_fen == 1_000


def test_a_reversal_cannot_overdraw(escrow: Account, payable: Account, fund: Fund) -> None:
    fund(escrow, 500)
    settle = post(entries=[Leg.debit(escrow, 500), Leg.credit(payable, 500)], kind="settle")
    post(entries=[Leg.debit(payable, 500), Leg.credit(escrow, 500)], kind="payout")

    with pytest.raises(InsufficientFunds):
        journal_reverse(journal_id=settle.pk)


def test_post_refuses_bad_text(source: Account, escrow: Account) -> None:
    legs = [Leg.debit(source, 1), Leg.credit(escrow, 1)]
    for kwargs in ({"kind": ""}, {"kind": "k" * 51}, {"kind": "k", "reference": ""},
                   {"kind": "k", "memo": "m" * 201}):
        with pytest.raises(InvalidInput):
            post(entries=legs, **kwargs)
    assert Journal.objects.count() == 0


def test_account_get_or_create_returns_one_account_per_owner_and_purpose(db: None) -> None:
    first = services.account_get_or_create(owner_type="platform", owner_id=None,
                                           purpose=Purpose.PLATFORM_ESCROW)
    again = services.account_get_or_create(owner_type="platform", owner_id=None,
                                           purpose=Purpose.PLATFORM_ESCROW)
    merchant = services.account_get_or_create(owner_type="merchant", owner_id=3,
                                              purpose=Purpose.MERCHANT_DEPOSIT)

    assert first.pk == again.pk
    assert merchant.pk != first.pk
    assert not first.allow_negative and not merchant.allow_negative
    with pytest.raises(IntegrityError), transaction.atomic():  # NULL owner_id still unique
        Account.objects.create(owner_type="platform", owner_id=None,
                               purpose=Purpose.PLATFORM_ESCROW)
    with pytest.raises(IntegrityError), transaction.atomic():
        Account.objects.create(owner_type="merchant", owner_id=3,
                               purpose=Purpose.MERCHANT_DEPOSIT)


@pytest.mark.parametrize(("purpose", "allowed"), [
    (Purpose.EXTERNAL_PAYMENT_SOURCE, True), (Purpose.EXTERNAL_PAYOUT, True),
    (Purpose.GUARANTEE_FUND, True), (Purpose.PLATFORM_ESCROW, False),
    (Purpose.PLATFORM_REVENUE, False), (Purpose.MERCHANT_DEPOSIT, False),
    (Purpose.MERCHANT_PAYABLE, False), (Purpose.COMMISSION_PENDING, False),
    (Purpose.COMMISSION_AVAILABLE, False),
])
def test_each_purpose_has_a_default_overdraft_policy(db: None, purpose: str,
                                                     allowed: bool) -> None:
    account = services.account_get_or_create(owner_type="x", owner_id=1, purpose=purpose)
    assert account.allow_negative is allowed


def test_account_get_or_create_refuses_contradictions(db: None) -> None:
    services.account_get_or_create(owner_type="merchant", owner_id=1,
                                   purpose=Purpose.MERCHANT_PAYABLE)
    with pytest.raises(Conflict) as caught:
        services.account_get_or_create(owner_type="merchant", owner_id=1,
                                       purpose=Purpose.MERCHANT_PAYABLE, allow_negative=True)
    assert caught.value.code == "account_policy_mismatch"
    with pytest.raises(InvalidInput):
        services.account_get_or_create(owner_type="merchant", owner_id=1, purpose="bitcoin")
    with pytest.raises(InvalidInput):
        services.account_get_or_create(owner_type="", owner_id=1,
                                       purpose=Purpose.MERCHANT_PAYABLE)
