"""Real threads against PostgreSQL: a notification delivered many times at once is applied once."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable

import pytest
from django.db import connection

from trustmart.accounts.models import User
from trustmart.core.models import OutboxEvent
from trustmart.ledger.models import Journal
from trustmart.ledger.selectors import ledger_check
from trustmart.merchants.models import Merchant
from trustmart.merchants.selectors import merchant_deposit_balance_fen
from trustmart.payments import services
from trustmart.payments.models import CallbackLog, Payment

from .helpers import for_payment

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

DELIVERIES = 10


@pytest.fixture(autouse=True)
def _postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks and real concurrency need PostgreSQL")


def run_threads(work: Callable[[int], str], count: int) -> tuple[list[str], list[BaseException]]:
    """Start ``count`` threads at once; collect what each returned or raised."""
    start = threading.Barrier(count)
    results: list[str] = []
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            start.wait()
            results.append(work(i))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"
    return results, errors


def test_the_same_signed_callback_ten_times_at_once_pays_once(owner: User,
                                                              merchant: Merchant) -> None:
    payment = services.deposit_payment_create(user=owner, merchant_id=merchant.pk,
                                              amount_fen=merchant.deposit_required_fen)
    headers, body = for_payment(payment)

    def deliver(_i: int) -> str:
        return services.callback_handle(provider="sandbox", headers=headers, body=body).outcome

    results, errors = run_threads(deliver, DELIVERIES)
    assert errors == []
    assert Counter(results) == {"applied": 1, "duplicate": DELIVERIES - 1}
    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
    assert Payment.objects.filter(status=Payment.Status.SUCCEEDED).count() == 1
    assert Journal.objects.count() == 1
    assert Journal.objects.get().reference == f"payment:{payment.payment_no}"
    assert OutboxEvent.objects.filter(name="payment.succeeded").count() == 1
    assert CallbackLog.objects.count() == DELIVERIES
    merchant.refresh_from_db()
    assert merchant.deposit_ok
    assert merchant_deposit_balance_fen(merchant=merchant) == payment.amount_fen
    assert ledger_check() == []


def test_racing_success_and_failure_notifications_have_one_winner(owner: User,
                                                                 merchant: Merchant) -> None:
    """Half the deliveries say succeeded, half failed (other transactions): exactly one
    outcome is applied and the rest are refused or duplicates; the books agree with it."""
    payment = services.deposit_payment_create(user=owner, merchant_id=merchant.pk,
                                              amount_fen=merchant.deposit_required_fen)
    notes = [for_payment(payment, "succeeded" if i % 2 else "failed", txn_id=f"T{i % 2}")
             for i in range(DELIVERIES)]

    def deliver(i: int) -> str:
        headers, body = notes[i]
        return services.callback_handle(provider="sandbox", headers=headers, body=body).outcome

    results, errors = run_threads(deliver, DELIVERIES)
    assert errors == []
    assert results.count("applied") == 1
    payment.refresh_from_db()
    winners = DELIVERIES // 2
    assert Counter(results) == {"applied": 1, "duplicate": winners - 1, "rejected": winners}
    assert Journal.objects.count() == (1 if payment.status == "succeeded" else 0)
    assert ledger_check() == []
