"""Seeded randomized simulation: random transfers, holds, posts and voids against a model.

After every step the database must agree with a plain-Python model of every counter (so no
protected account is overdrawn, no refusal or success is a surprise and no hold is resolved
twice), and at the end of every run ``ledger_check()`` must find nothing: journals balance,
balances sum to zero, stored balances equal their entries and pending holds.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    invariant,
    multiple,
    rule,
    run_state_machine_as_test,
)

from trustmart.core.errors import Conflict, InvalidInput
from trustmart.ledger.models import Account, Journal, Purpose
from trustmart.ledger.selectors import ledger_check
from trustmart.ledger.services import (
    InsufficientFunds,
    Leg,
    account_get_or_create,
    hold_create,
    hold_post,
    hold_void,
    holds_post_many,
    post,
)

ACCOUNTS = [
    ("platform", None, Purpose.EXTERNAL_PAYMENT_SOURCE),  # may go negative
    ("platform", None, Purpose.GUARANTEE_FUND),  # may go negative
    ("platform", None, Purpose.PLATFORM_ESCROW),
    ("platform", None, Purpose.PLATFORM_REVENUE),
    ("merchant", 1, Purpose.MERCHANT_PAYABLE),
    ("merchant", 2, Purpose.MERCHANT_DEPOSIT),
    ("user", 3, Purpose.COMMISSION_AVAILABLE),
]

index = st.integers(0, len(ACCOUNTS) - 1)
amount = st.integers(1, 3_000)


def _pk(leg: Leg) -> int:
    assert isinstance(leg.account, int)  # the simulation always passes account ids
    return leg.account


@dataclass
class Counters:
    allow_negative: bool
    dp: int = 0
    cp: int = 0
    dq: int = 0
    cq: int = 0

    @property
    def available(self) -> int:
        return self.cp - self.dp - self.dq

    def can_spend(self, n: int) -> bool:
        return self.allow_negative or self.available >= n


@dataclass
class ModelHold:
    pk: int
    debit: int
    credit: int
    amount: int
    resolved: bool = False


@dataclass
class Model:
    counters: dict[int, Counters] = field(default_factory=dict)
    journals: int = 0


class LedgerMachine(RuleBasedStateMachine):
    holds = Bundle("holds")
    references = Bundle("references")

    def __init__(self) -> None:
        super().__init__()
        # Each run starts from an empty ledger and is rolled back at the end.
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        self.accounts: list[Account] = [
            account_get_or_create(owner_type=t, owner_id=o, purpose=p) for t, o, p in ACCOUNTS]
        self.model = Model({a.pk: Counters(a.allow_negative) for a in self.accounts})
        self.posted: dict[str, tuple[list[Leg], str, int]] = {}

    def teardown(self) -> None:
        try:
            # The full check is a handful of aggregate queries; once per run keeps this fast,
            # while the model comparison below runs after every step.
            assert ledger_check() == []
        finally:
            transaction.set_rollback(True)
            self._atomic.__exit__(None, None, None)

    def _pk(self, i: int) -> int:
        return int(self.accounts[i].pk)

    def _post(self, legs: list[Leg], reference: str | None = None) -> Journal | None:
        """Post and update the model; a refusal must be exactly what the model predicts."""
        spend: dict[int, int] = {}
        for leg in legs:
            sign = 1 if leg.side == "debit" else -1
            spend[_pk(leg)] = spend.get(_pk(leg), 0) + sign * leg.amount_fen
        affordable = all(n <= 0 or self.model.counters[pk].can_spend(n)
                         for pk, n in spend.items())
        try:
            journal = post(entries=legs, kind="sim.transfer", reference=reference)
        except InsufficientFunds:
            assert not affordable
            return None
        assert affordable
        for leg in legs:
            counters = self.model.counters[_pk(leg)]
            if leg.side == "debit":
                counters.dp += leg.amount_fen
            else:
                counters.cp += leg.amount_fen
        self.model.journals += 1
        return journal

    @rule(debit=index, credit=index, n=amount)
    def transfer(self, debit: int, credit: int, n: int) -> None:
        if debit != credit:
            self._post([Leg.debit(self._pk(debit), n), Leg.credit(self._pk(credit), n)])

    @rule(target=references, debit=index, first=index, second=index, n=amount, m=amount)
    def split_with_reference(self, debit: int, first: int, second: int, n: int, m: int
                             ) -> object:
        if debit in (first, second):
            return multiple()
        legs = [Leg.debit(self._pk(debit), n + m), Leg.credit(self._pk(first), n),
                Leg.credit(self._pk(second), m)]
        reference = f"sim:{len(self.posted)}"
        journal = self._post(legs, reference)
        if journal is None:
            return multiple()
        self.posted[reference] = (legs, "sim.transfer", journal.pk)
        return reference

    @rule(reference=references, tamper=st.booleans())
    def replay(self, reference: str, tamper: bool) -> None:
        legs, kind, journal_id = self.posted[reference]
        if tamper:  # still balanced, but not the journal posted under this reference
            legs = [Leg(leg.account, leg.side, leg.amount_fen + (i < 2))
                    for i, leg in enumerate(legs)]
            with pytest.raises(Conflict):
                post(entries=legs, kind=kind, reference=reference)
        else:
            assert post(entries=list(reversed(legs)), kind=kind, reference=reference).pk == \
                journal_id

    @rule(debit=index, credit=index, n=st.integers(-5, 5), skew=st.integers(1, 3))
    def refused_post(self, debit: int, credit: int, n: int, skew: int) -> None:
        legs = [Leg.debit(self._pk(debit), n), Leg.credit(self._pk(credit), n + skew)]
        with pytest.raises(InvalidInput):
            post(entries=legs, kind="sim.bad")

    @rule(target=holds, debit=index, credit=index, n=amount)
    def hold(self, debit: int, credit: int, n: int) -> object:
        if debit == credit:
            return multiple()
        d, c = self._pk(debit), self._pk(credit)
        affordable = self.model.counters[d].can_spend(n)
        try:
            created = hold_create(debit_account=d, credit_account=c, amount_fen=n,
                                  kind="sim.hold")
        except InsufficientFunds:
            assert not affordable
            return multiple()
        assert affordable
        self.model.counters[d].dq += n
        self.model.counters[c].cq += n
        return ModelHold(created.pk, d, c, n)

    def _resolve(self, hold: ModelHold, posted: int | None) -> None:
        try:
            if posted is None:
                hold_void(hold_id=hold.pk)
            else:
                hold_post(hold_id=hold.pk, amount_fen=posted)
        except Conflict as exc:
            assert exc.code == "hold_already_resolved"
            assert hold.resolved
            return
        assert not hold.resolved, "a hold was resolved twice"
        hold.resolved = True
        debit, credit = self.model.counters[hold.debit], self.model.counters[hold.credit]
        debit.dq -= hold.amount
        credit.cq -= hold.amount
        if posted is not None:
            debit.dp += posted
            credit.cp += posted
            self.model.journals += 1

    @rule(hold=holds, fraction=st.sampled_from([None, 1, 2, 3]))
    def post_hold(self, hold: ModelHold, fraction: int | None) -> None:
        posted = hold.amount if fraction is None else max(1, hold.amount * fraction // 3)
        self._resolve(hold, posted)

    @rule(hold=holds)
    def void_hold(self, hold: ModelHold) -> None:
        self._resolve(hold, None)

    @rule(batch=st.lists(holds, min_size=1, max_size=5))
    def post_many(self, batch: list[ModelHold]) -> None:
        """All or nothing: posted only if every hold in it is still pending."""
        unique = list({hold.pk: hold for hold in batch}.values())
        try:
            assert holds_post_many(hold_ids=[hold.pk for hold in batch]) == len(unique)
        except Conflict as exc:
            assert exc.code == "hold_already_resolved"
            assert any(hold.resolved for hold in unique)
            return
        assert not any(hold.resolved for hold in unique), "a hold was resolved twice"
        for hold in unique:
            hold.resolved = True
            debit, credit = self.model.counters[hold.debit], self.model.counters[hold.credit]
            debit.dq -= hold.amount
            credit.cq -= hold.amount
            debit.dp += hold.amount
            credit.cp += hold.amount
            self.model.journals += 1

    @rule(hold=consumes(holds))
    def post_then_void(self, hold: ModelHold) -> None:
        self._resolve(hold, hold.amount)
        self._resolve(hold, None)

    @invariant()
    def books_agree_with_the_model(self) -> None:
        stored = {pk: Counters(neg, dp, cp, dq, cq) for pk, neg, dp, cp, dq, cq in
                  Account.objects.values_list("pk", "allow_negative", "debits_posted_fen",
                                              "credits_posted_fen", "debits_pending_fen",
                                              "credits_pending_fen")}
        assert stored == self.model.counters
        assert all(c.allow_negative or c.available >= 0 for c in stored.values())
        assert Journal.objects.count() == self.model.journals  # a double post adds a journal


@pytest.mark.django_db
def test_random_operations_keep_the_books_sound() -> None:
    run_state_machine_as_test(LedgerMachine, settings=settings(
        max_examples=60, stateful_step_count=30, deadline=None,
        suppress_health_check=[HealthCheck.too_slow]))
