"""Real threads against PostgreSQL: a checkout's success notification delivered many times at
once marks one payment succeeded and holds each order in escrow exactly once."""

from __future__ import annotations

from collections import Counter

import pytest
from django.db import connection

from trustmart.accounts.models import User
from trustmart.ledger.models import Hold
from trustmart.ledger.selectors import ledger_check
from trustmart.orders.models import Checkout, Order
from trustmart.payments import services
from trustmart.payments.models import Payment

from .helpers import for_payment
from .test_concurrency import DELIVERIES, run_threads

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks and real concurrency need PostgreSQL")


def test_the_same_checkout_callback_ten_times_at_once_holds_each_order_once(
        checkout: Checkout, buyer: User) -> None:
    payment = services.checkout_payment_create(user=buyer, checkout_no=checkout.checkout_no)
    headers, body = for_payment(payment)

    def deliver(_i: int) -> str:
        return services.callback_handle(provider="sandbox", headers=headers, body=body).outcome

    results, errors = run_threads(deliver, DELIVERIES)
    assert errors == []
    assert Counter(results) == {"applied": 1, "duplicate": DELIVERIES - 1}
    assert Payment.objects.filter(status=Payment.Status.SUCCEEDED).count() == 1
    orders = list(checkout.orders.all())
    assert len(orders) == 2
    for order in orders:
        order.refresh_from_db()
        assert order.status == Order.Status.PAID
        holds = Hold.objects.filter(reference=f"order:{order.order_no}:escrow")
        assert holds.count() == 1
        assert order.escrow_hold_id == holds.get().pk
    assert ledger_check() == []
