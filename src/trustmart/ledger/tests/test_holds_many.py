"""``holds_post_many``: many holds posted set-based, with the same books as ``hold_post``."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from trustmart.core.errors import Conflict, InvalidInput, NotFound
from trustmart.ledger.models import Account, Hold, Journal, Purpose, Side
from trustmart.ledger.selectors import ledger_check
from trustmart.ledger.services import (
    account_get_or_create,
    hold_create,
    hold_post,
    hold_void,
    holds_post_many,
)

from .conftest import fresh, snapshot

Fund = Callable[[Account, int], Journal]


def earner(n: int) -> Account:
    return account_get_or_create(owner_type="user", owner_id=n,
                                 purpose=Purpose.COMMISSION_AVAILABLE)


@pytest.fixture
def holds(escrow: Account, fund: Fund) -> list[Hold]:
    """Escrow holds 10,000; five holds reserve 100, 200, … 500 for three earners."""
    fund(escrow, 10_000)
    return [hold_create(debit_account=escrow, credit_account=earner(n % 3), amount_fen=100 * n,
                        kind="commission", memo=f"h{n}", reference=f"c:{n}")
            for n in range(1, 6)]


def test_posts_every_hold_with_its_own_journal(holds: list[Hold], escrow: Account) -> None:
    assert holds_post_many(hold_ids=[h.pk for h in reversed(holds)]) == 5

    for hold in holds:
        hold.refresh_from_db()
        assert hold.status == Hold.Status.POSTED and hold.posted_amount_fen == hold.amount_fen
        assert hold.resolved_at is not None and hold.journal is not None
        assert hold.journal.kind == "commission" and hold.journal.memo == hold.memo
        assert sorted(hold.journal.entries.values_list("account_id", "side", "amount_fen")) == \
            sorted([(escrow.pk, Side.DEBIT.value, hold.amount_fen),
                    (hold.credit_account_id, Side.CREDIT.value, hold.amount_fen)])
    assert Journal.objects.filter(kind="commission").count() == 5
    escrow_now = fresh(escrow)
    assert (escrow_now.balance_fen, escrow_now.debits_pending_fen) == (10_000 - 1_500, 0)
    # earner 1 had holds 1 and 4, earner 2 holds 2 and 5, earner 0 hold 3
    assert [fresh(earner(n)).balance_fen for n in range(3)] == [300, 500, 700]
    assert all(fresh(earner(n)).credits_pending_fen == 0 for n in range(3))
    assert ledger_check() == []


def test_the_same_books_as_posting_one_by_one(holds: list[Hold], escrow: Account) -> None:
    holds_post_many(hold_ids=[holds[0].pk, holds[1].pk])
    hold_post(hold_id=holds[2].pk)
    assert holds_post_many(hold_ids=[holds[3].pk]) == 1
    assert fresh(escrow).balance_fen == 10_000 - 1_000
    assert fresh(escrow).debits_pending_fen == 500
    assert ledger_check() == []


def test_one_resolved_hold_refuses_the_whole_batch(holds: list[Hold]) -> None:
    hold_void(hold_id=holds[2].pk)
    before = snapshot()
    with pytest.raises(Conflict) as caught:
        holds_post_many(hold_ids=[h.pk for h in holds])
    assert caught.value.code == "hold_already_resolved"
    assert snapshot() == before
    # Posting twice is refused the same way, and changes nothing.
    holds_post_many(hold_ids=[holds[0].pk])
    before = snapshot()
    with pytest.raises(Conflict):
        holds_post_many(hold_ids=[holds[0].pk, holds[1].pk])
    assert snapshot() == before
    assert ledger_check() == []


def test_unknown_or_bad_ids_change_nothing(holds: list[Hold]) -> None:
    before = snapshot()
    with pytest.raises(NotFound):
        holds_post_many(hold_ids=[holds[0].pk, 999_999])
    with pytest.raises(InvalidInput):
        holds_post_many(hold_ids=[holds[0].pk, "7"])  # type: ignore[list-item]
    assert holds_post_many(hold_ids=[]) == 0
    assert snapshot() == before


def test_more_holds_than_one_chunk(escrow: Account, fund: Fund,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from trustmart.ledger.services import holds

    monkeypatch.setattr(holds, "HOLDS_CHUNK", 4)
    fund(escrow, 10_000)
    many = [hold_create(debit_account=escrow, credit_account=earner(n % 2), amount_fen=10,
                        kind="commission") for n in range(11)]
    assert holds_post_many(hold_ids=[h.pk for h in many]) == 11
    assert Hold.objects.filter(status=Hold.Status.POSTED).count() == 11
    assert len(set(Hold.objects.values_list("journal_id", flat=True))) == 11
    assert fresh(escrow).balance_fen == 10_000 - 110
    assert ledger_check() == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_racing_batches_and_single_posts_post_each_hold_once(escrow: Account,
                                                            fund: Fund) -> None:
    import threading

    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("row locks and real concurrency need PostgreSQL")
    fund(escrow, 100_000)
    ids = [hold_create(debit_account=escrow, credit_account=earner(n % 5), amount_fen=100,
                       kind="commission").pk for n in range(40)]
    calls: list[Callable[[], object]] = [
        lambda: holds_post_many(hold_ids=ids),
        lambda: holds_post_many(hold_ids=list(reversed(ids))),
        lambda: holds_post_many(hold_ids=ids[:20]),
        *[lambda pk=pk: hold_post(hold_id=pk) for pk in ids[10:30:3]],
    ]
    barrier = threading.Barrier(len(calls))
    unexpected: list[BaseException] = []
    posted_by: list[int] = []  # how many holds each successful call posted

    def run(call: Callable[[], object]) -> None:
        try:
            barrier.wait()
            result = call()
            posted_by.append(result if isinstance(result, int) else 1)
        except Conflict as exc:
            if exc.code != "hold_already_resolved":
                unexpected.append(exc)
        except BaseException as exc:  # a deadlock, anything else
            unexpected.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(c,)) for c in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not unexpected, unexpected
    posted = Hold.objects.filter(pk__in=ids, status=Hold.Status.POSTED).count()
    assert posted_by and sum(posted_by) == posted  # every hold posted by exactly one call
    assert Journal.objects.filter(kind="commission").count() == posted
    assert fresh(escrow).balance_fen == 100_000 - 100 * posted
    assert fresh(escrow).debits_pending_fen == 100 * (40 - posted)
    assert ledger_check() == []
