from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import DatabaseError, connection, transaction

from trustmart.ledger.models import Account, Entry, ImmutableRowError, Journal

Fund = Callable[[Account, int], Journal]


def test_entries_and_journals_refuse_changes_in_the_model_layer(
        escrow: Account, fund: Fund) -> None:
    journal = fund(escrow, 100)
    entry = journal.entries.first()
    assert entry is not None

    entry.amount_fen = 1
    for attempt in (entry.save, entry.delete, journal.save, journal.delete,
                    lambda: Entry.objects.filter(pk=entry.pk).update(amount_fen=1),
                    lambda: Entry.objects.all().delete(),
                    lambda: Journal.objects.filter(pk=journal.pk).update(memo="edited"),
                    lambda: Journal.objects.all().delete()):
        with pytest.raises(ImmutableRowError):
            attempt()

    assert Entry.objects.get(pk=entry.pk).amount_fen == 100
    assert Journal.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.parametrize("sql", [
    "UPDATE ledger_entry SET amount_fen = 1",
    "DELETE FROM ledger_entry",
    "UPDATE ledger_journal SET memo = 'edited'",
    "DELETE FROM ledger_journal",
])
def test_postgresql_refuses_changes_to_entries_even_in_raw_sql(
        escrow: Account, fund: Fund, sql: str) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the immutability trigger exists on PostgreSQL only")
    fund(escrow, 100)

    with pytest.raises(DatabaseError, match="immutable"), transaction.atomic(), \
            connection.cursor() as cursor:
        cursor.execute(sql)

    assert Entry.objects.filter(amount_fen=100).count() == 2
