"""core.states: declared transitions, guarded moves, and the shared check of a machine."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from trustmart.core.models import OutboxEvent
from trustmart.core.states import StateMachine
from trustmart.core.testing import assert_state_machine, race, reachable

pytestmark = pytest.mark.django_db
S = OutboxEvent.Status
EVENTS = StateMachine(OutboxEvent, transitions={
    S.PENDING: {S.DELIVERED, S.FAILED},
    S.FAILED: {S.PENDING},
})


def event() -> OutboxEvent:
    return OutboxEvent.objects.create(name="test.event", next_attempt_at=timezone.now())


def test_the_table() -> None:
    assert EVENTS.allows(S.PENDING, S.FAILED) and not EVENTS.allows(S.DELIVERED, S.PENDING)
    assert EVENTS.targets(S.DELIVERED) == frozenset()
    assert EVENTS.sources(S.PENDING) == {"failed"}
    assert EVENTS.pairs() == [("failed", "pending"), ("pending", "delivered"),
                              ("pending", "failed")]
    assert reachable(EVENTS, ["pending"]) == {"pending", "delivered", "failed"}


def test_move_sets_fields_and_reads_back_expressions() -> None:
    row = event()
    assert EVENTS.move(row, S.FAILED, attempts=F("attempts") + 1, last_error="boom")
    assert (row.status, row.attempts, row.last_error) == ("failed", 1, "boom")
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("failed", 1)


def test_undeclared_or_stale_moves_lose_and_write_nothing() -> None:
    row = event()
    assert not EVENTS.move(row, S.PENDING)  # pending → pending is not a move
    stale = OutboxEvent.objects.get(pk=row.pk)
    assert EVENTS.move(row, S.DELIVERED)
    assert not EVENTS.move(stale, S.FAILED)  # it was delivered meanwhile
    assert stale.status == "pending"
    assert OutboxEvent.objects.get(pk=row.pk).status == "delivered"


def test_move_many_is_all_or_nothing() -> None:
    rows = [event() for _ in range(3)]
    with transaction.atomic():
        assert EVENTS.move_many(rows, S.FAILED, fields=lambda r: {"last_error": r.name})
    assert {r.status for r in rows} == {"failed"}
    assert set(OutboxEvent.objects.values_list("status", flat=True)) == {"failed"}
    rows[1].status = "pending"  # stale: the table has it failed
    with transaction.atomic():
        assert not EVENTS.move_many([rows[1]], S.DELIVERED)


def test_assert_state_machine_accepts_a_sound_machine() -> None:
    assert_state_machine(EVENTS, event, initial=[S.PENDING])


def test_assert_state_machine_finds_an_unreachable_status() -> None:
    broken = StateMachine(OutboxEvent, transitions={S.PENDING: {S.DELIVERED}})
    with pytest.raises(AssertionError, match="failed"):
        assert_state_machine(broken, event, initial=[S.PENDING])


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_racing_moves_have_one_winner() -> None:
    row = event()

    def deliver(i: int) -> bool:
        return EVENTS.move(OutboxEvent.objects.get(pk=row.pk),
                           S.DELIVERED if i % 2 else S.FAILED)

    results = race(deliver, 8)
    assert results.count(True) == 1 and results.count(False) == 7


def test_move_all_is_one_set_based_update() -> None:
    rows = [event() for _ in range(3)]
    assert EVENTS.move_all(rows, S.DELIVERED, from_status=S.PENDING, last_error="") == 3
    assert {r.status for r in rows} == {"delivered"}
    assert set(OutboxEvent.objects.values_list("status", flat=True)) == {"delivered"}
    assert EVENTS.move_all(rows, S.FAILED, from_status=S.DELIVERED) == 0  # not declared
    fresh = [event(), event()]
    OutboxEvent.objects.filter(pk=fresh[0].pk).update(status=S.FAILED)  # moved meanwhile
    assert EVENTS.move_all(fresh, S.DELIVERED, from_status=S.PENDING) == 1
    assert fresh[1].status == "pending"  # fewer than all: the caller decides, nothing applied
