"""Releasing many settled orders' commissions in one transaction: the sweep and its cost."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from trustmart.accounts.models import User
from trustmart.commissions import handlers, services
from trustmart.commissions.models import Commission
from trustmart.core import events
from trustmart.core.jobs import run_job
from trustmart.ledger.models import Hold, Journal
from trustmart.ledger.selectors import ledger_check
from trustmart.orders.models import Order
from trustmart.sharing.models import Visit

from .conftest import World, available, clearing

pytestmark = pytest.mark.django_db


@contextmanager
def commissions_not_listening() -> Iterator[None]:
    """Settle while the commissions handler is away: its order.settled is left undelivered."""
    key = f"{handlers.on_order_settled.__module__}.{handlers.on_order_settled.__qualname__}"
    saved = events._handlers["order.settled"].pop(key)
    try:
        yield
    finally:
        events._handlers["order.settled"][key] = saved


def settled_quietly(world: World, count: int, quantity: int = 1) -> list[Order]:
    orders = [world.buy(quantity=quantity) for _ in range(count)]
    with commissions_not_listening():
        for order in orders:
            world.settle(order)
    return orders


def settlements(orders: list[Order]) -> list[services.lifecycle.Settlement]:
    return [(o.order_no, [{"line_id": line.pk, "paid_fen": line.paid_fen,
                           "refunded_fen": line.refunded_fen,
                           "commission_fen": line.commission_fen}
                          for line in o.lines.order_by("pk")]) for o in orders]


def test_many_orders_release_in_one_call_exactly_once(world: World, operator: User) -> None:
    services.policy_change(user=operator, level2_enabled=True, level2_bps=200)
    orders = settled_quietly(world, 3, quantity=2)
    assert Commission.objects.filter(status="pending").count() == 6
    assert clearing() == 3 * 2400  # funded by settlement, not yet released

    assert services.commissions_release_for_orders(settlements=settlements(orders)) == 6
    assert set(Commission.objects.values_list("status", flat=True)) == {"available"}
    assert available(world.b) == 3 * 2000 and available(world.a) == 3 * 400
    assert Journal.objects.filter(kind="commission").count() == 6
    assert clearing() == 0
    # Again, or through the handler path for one of them: nothing more.
    assert services.commissions_release_for_orders(settlements=settlements(orders)) == 0
    assert services.commissions_release_for_order(
        order_no=orders[0].order_no, lines=settlements(orders[:1])[0][1]) == 0
    assert Journal.objects.filter(kind="commission").count() == 6
    assert ledger_check() == []


def test_the_sweep_catches_up_and_leaves_flagged_commissions(world: World) -> None:
    Visit.objects.create(share=world.share_b, channel="link", visitor=world.b, device_id="d1")
    Visit.objects.create(share=world.share_b, channel="link", visitor=world.c, device_id="d1")
    flagged = settled_quietly(world, 1)[0]
    Visit.objects.all().delete()
    plain = settled_quietly(world, 4)
    assert services.commissions_release_settled(batch=3, limit=3) == 3
    assert run_job("commissions.release_settled") == 1  # the registered timed job
    assert Commission.objects.get(order_no=flagged.order_no).status == "pending"
    assert set(Commission.objects.filter(order_no__in=[o.order_no for o in plain])
               .values_list("status", flat=True)) == {"available"}
    assert services.commissions_release_settled() == 0
    assert clearing() == 1000  # only the flagged commission's funded money waits
    assert ledger_check() == []


def test_the_sweep_ignores_orders_that_have_not_settled(world: World) -> None:
    world.buy()
    assert services.commissions_release_settled() == 0
    assert Commission.objects.get().status == "pending"
    assert Hold.objects.get(kind="commission").status == "pending"


def test_a_batch_costs_the_same_number_of_queries_for_more_orders(world: World) -> None:
    """The point of the batch: statements per call do not grow with the number of orders."""
    few, many = settled_quietly(world, 2), settled_quietly(world, 6)
    # The lines as the event carries them (no funding fields: only the release is counted).
    two_orders, six_orders = ([(o.order_no, [{"line_id": line.pk} for line in o.lines.all()])
                               for o in orders] for orders in (few, many))
    with CaptureQueriesContext(connection) as two:
        assert services.commissions_release_for_orders(settlements=two_orders) == 2
    with CaptureQueriesContext(connection) as six:
        assert services.commissions_release_for_orders(settlements=six_orders) == 6
    assert len(six.captured_queries) == len(two.captured_queries)
    assert ledger_check() == []
