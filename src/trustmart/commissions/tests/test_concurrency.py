"""Races on PostgreSQL with real threads: settlement delivered twice at once, double-submitted
withdrawals."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from trustmart.accounts.models import User
from trustmart.commissions import handlers, services
from trustmart.commissions.models import Commission, CommissionWithdrawal
from trustmart.core import events
from trustmart.core.events import Event
from trustmart.core.models import OutboxEvent
from trustmart.core.testing import run_all
from trustmart.ledger.models import Hold, Journal
from trustmart.ledger.selectors import ledger_check
from trustmart.sharing.models import Visit

from .conftest import World, available, clearing, make_world

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def tworld(make_user: Callable[..., User], operator: User) -> World:
    return make_world(make_user, operator, None)


@pytest.fixture
def settled_undelivered(tworld: World, operator: User,
                        monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[World, OutboxEvent]]:
    """An order settled while commissions was not listening: its order.settled is pending."""
    services.policy_change(user=operator, level2_enabled=True, level2_bps=200)
    order = tworld.buy(quantity=2)
    key = f"{handlers.on_order_settled.__module__}.{handlers.on_order_settled.__qualname__}"
    saved = events._handlers["order.settled"].pop(key)
    try:
        tworld.settle(order)
    finally:
        events._handlers["order.settled"][key] = saved
    event = OutboxEvent.objects.get(name="order.settled", payload__order_no=order.order_no)
    OutboxEvent.objects.filter(pk=event.pk).update(status=OutboxEvent.Status.PENDING)
    assert Commission.objects.filter(status=Commission.Status.PENDING).count() == 2
    yield tworld, event


def test_settled_delivered_concurrently_releases_once(
        settled_undelivered: tuple[World, OutboxEvent]) -> None:
    world, row = settled_undelivered
    event = Event(row.id, row.name, row.payload, row.created_at)
    calls: list[Callable[[], object]] = [lambda: events.deliver(row.id) for _ in range(3)]
    calls += [lambda: handlers.on_order_settled(event) for _ in range(3)]
    results = run_all(calls)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert set(Commission.objects.values_list("status", flat=True)) == {"available"}
    assert available(world.b) == 2000 and available(world.a) == 400
    assert Hold.objects.filter(kind="commission", status="posted").count() == 2
    assert Journal.objects.filter(kind="commission").count() == 2
    assert clearing() == 0
    assert ledger_check() == []


@pytest.fixture
def earned(tworld: World) -> World:
    for _ in range(3):
        tworld.settle(tworld.buy())
    assert available(tworld.b) == 3000
    return tworld


def test_double_submitted_withdrawal_pays_once(earned: World) -> None:
    results = run_all([lambda: services.commission_withdraw(user=earned.b, amount_fen=2000,
                                                            request_id="same")
                       for _ in range(4)])
    assert all(isinstance(r, CommissionWithdrawal) for r in results), results
    assert len({r.pk for r in results}) == 1
    assert available(earned.b) == 1000
    assert ledger_check() == []


def test_racing_withdrawals_never_overdraw(earned: World) -> None:
    results = run_all([lambda i=i: services.commission_withdraw(  # type: ignore[misc]
        user=earned.b, amount_fen=1000, request_id=f"r{i}") for i in range(5)])
    assert sum(isinstance(r, CommissionWithdrawal) for r in results) == 3
    assert available(earned.b) == 0
    assert ledger_check() == []


def test_reject_racing_settlement_delivery_keeps_clearing_at_zero(
        tworld: World, operator: User) -> None:
    """A flagged commission is rejected while order.settled is being delivered: whichever
    runs first, the funded money ends with the merchant and clearing nets to zero."""
    from trustmart.ledger.models import Purpose

    from .conftest import balance

    for user in (tworld.b, tworld.c):
        Visit.objects.create(share=tworld.share_a, channel="link", visitor=user, device_id="d")
    order = tworld.buy()
    key = f"{handlers.on_order_settled.__module__}.{handlers.on_order_settled.__qualname__}"
    saved = events._handlers["order.settled"].pop(key)
    try:
        tworld.settle(order)
    finally:
        events._handlers["order.settled"][key] = saved
    row = OutboxEvent.objects.get(name="order.settled", payload__order_no=order.order_no)
    OutboxEvent.objects.filter(pk=row.pk).update(status=OutboxEvent.Status.PENDING)
    payable = balance("merchant", tworld.merchant.pk, Purpose.MERCHANT_PAYABLE)
    commission = Commission.objects.get()
    results = run_all([
        lambda: events.deliver(row.id),
        lambda: services.commission_reject(user=operator, commission_id=commission.pk,
                                           reason="刷单"),
    ])
    assert not [r for r in results if isinstance(r, Exception)], results
    commission.refresh_from_db()
    assert commission.status == Commission.Status.CANCELLED
    assert balance("merchant", tworld.merchant.pk, Purpose.MERCHANT_PAYABLE) == payable + 1000
    assert clearing() == 0
    assert ledger_check() == []
