"""Real threads against PostgreSQL: ordered locks mean no deadlock, no overdraft, and every
hold resolved by exactly one of the threads racing for it."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable

import pytest
from django.db import connection

from trustmart.core import testing
from trustmart.core.errors import Conflict
from trustmart.ledger.models import Account, Hold, Journal, Purpose
from trustmart.ledger.selectors import ledger_check
from trustmart.ledger.services import (
    InsufficientFunds,
    Leg,
    account_get_or_create,
    hold_create,
    hold_post,
    hold_void,
    post,
)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 8
OPS_PER_THREAD = 50
SEED = 20_261_122


@pytest.fixture(autouse=True)
def _postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks and real concurrency need PostgreSQL")


def run_threads(work: Callable[[int], None], count: int = THREADS) -> list[Exception]:
    """Start ``count`` threads together; return whatever they raised that they did not expect."""
    return testing.errors(testing.race(work, count))


def resolve(hold_id: int, action: str) -> str:
    """Try to resolve a hold; 'won' or 'lost', nothing else is acceptable."""
    try:
        if action == "void":
            hold_void(hold_id=hold_id)
        else:
            hold_post(hold_id=hold_id, amount_fen=None if action == "post" else 1)
    except Conflict as exc:
        assert exc.code == "hold_already_resolved"
        return "lost"
    return "won"


@pytest.fixture
def book() -> dict[str, list[Account]]:
    source = account_get_or_create(owner_type="platform", owner_id=None,
                                   purpose=Purpose.EXTERNAL_PAYMENT_SOURCE)
    fund = account_get_or_create(owner_type="platform", owner_id=None,
                                 purpose=Purpose.GUARANTEE_FUND)
    protected = [account_get_or_create(owner_type="merchant", owner_id=n,
                                       purpose=Purpose.MERCHANT_PAYABLE) for n in range(5)]
    for account in protected:
        post(entries=[Leg.debit(source, 20_000), Leg.credit(account, 20_000)], kind="fund")
    return {"protected": protected, "all": [fund, *protected]}


def test_random_concurrent_traffic_keeps_the_books_sound(book: dict[str, list[Account]]) -> None:
    accounts = [a.pk for a in book["all"]]
    raced = [hold_create(debit_account=book["protected"][i % 5],
                         credit_account=book["protected"][(i + 1) % 5], amount_fen=500,
                         kind="raced").pk for i in range(16)]
    outcomes: list[tuple[int, str, str]] = []
    refusals = Counter[str]()

    def traffic(i: int) -> None:
        rng = random.Random(SEED + i)
        own_holds: list[int] = []
        for _ in range(OPS_PER_THREAD):
            roll = rng.random()
            try:
                if roll < 0.45:  # two accounts in random order: unordered locks would deadlock
                    debit, credit = rng.sample(accounts, 2)
                    n = rng.randint(1, 3_000)
                    post(entries=rng.sample([Leg.debit(debit, n), Leg.credit(credit, n)], 2),
                         kind="transfer")
                elif roll < 0.60:
                    debit, first, second = rng.sample(accounts, 3)
                    n, m = rng.randint(1, 2_000), rng.randint(1, 2_000)
                    legs = [Leg.debit(debit, n + m), Leg.credit(first, n), Leg.credit(second, m)]
                    post(entries=rng.sample(legs, 3), kind="split")
                elif roll < 0.75:
                    debit, credit = rng.sample(accounts, 2)
                    own_holds.append(hold_create(debit_account=debit, credit_account=credit,
                                                 amount_fen=rng.randint(1, 2_000),
                                                 kind="own").pk)
                elif roll < 0.85 and own_holds:
                    hold_id = own_holds.pop(rng.randrange(len(own_holds)))
                    assert resolve(hold_id, rng.choice(["post", "void", "partial"])) == "won"
                else:
                    hold_id = rng.choice(raced)
                    action = rng.choice(["post", "void", "partial"])
                    outcomes.append((hold_id, action, resolve(hold_id, action)))
            except InsufficientFunds:
                refusals["insufficient_funds"] += 1
        for hold_id in rng.sample(raced, len(raced)):  # every thread tries every raced hold
            action = rng.choice(["post", "void", "partial"])
            outcomes.append((hold_id, action, resolve(hold_id, action)))

    errors = run_threads(traffic)

    assert errors == []
    assert ledger_check() == []
    for hold_id in raced:
        results = [(action, result) for h, action, result in outcomes if h == hold_id]
        winners = [action for action, result in results if result == "won"]
        assert len(winners) == 1, f"hold {hold_id} resolved {len(winners)} times"
        assert len(results) >= THREADS
        status = Hold.objects.get(pk=hold_id).status
        assert status == (Hold.Status.VOIDED if winners[0] == "void" else Hold.Status.POSTED)
    assert all(a.available_fen >= 0 for a in Account.objects.filter(allow_negative=False))


def test_racing_post_and_void_of_one_hold_have_one_winner(
        book: dict[str, list[Account]]) -> None:
    payable, other = book["protected"][:2]
    hold = hold_create(debit_account=payable, credit_account=other, amount_fen=700, kind="h")
    results: list[tuple[str, str]] = []

    def race(i: int) -> None:
        action = "post" if i % 2 else "void"
        results.append((action, resolve(hold.pk, action)))

    assert run_threads(race) == []

    winners = [action for action, result in results if result == "won"]
    assert len(winners) == 1 and len(results) == THREADS
    hold.refresh_from_db()
    assert hold.status == (Hold.Status.POSTED if winners == ["post"] else Hold.Status.VOIDED)
    assert Journal.objects.filter(kind="h").count() == (1 if winners == ["post"] else 0)
    assert ledger_check() == []


def test_racing_debits_never_overdraw(book: dict[str, list[Account]]) -> None:
    payable, other = book["protected"][:2]  # payable holds 20 000
    results: list[str] = []

    def spend(i: int) -> None:
        try:
            post(entries=[Leg.debit(payable, 6_000), Leg.credit(other, 6_000)], kind="spend")
            results.append("ok")
        except InsufficientFunds:
            results.append("refused")

    assert run_threads(spend) == []

    assert sorted(results) == ["ok"] * 3 + ["refused"] * (THREADS - 3)
    assert Account.objects.get(pk=payable.pk).balance_fen == 2_000
    assert ledger_check() == []


def test_racing_retries_of_one_reference_post_once(book: dict[str, list[Account]]) -> None:
    payable, other = book["protected"][:2]
    journals: list[int] = []

    def retry(i: int) -> None:
        journals.append(post(entries=[Leg.debit(payable, 100), Leg.credit(other, 100)],
                             kind="settle", reference="order:1:settle").pk)

    assert run_threads(retry) == []

    assert len(set(journals)) == 1 and len(journals) == THREADS
    assert Account.objects.get(pk=payable.pk).balance_fen == 19_900
    assert ledger_check() == []
