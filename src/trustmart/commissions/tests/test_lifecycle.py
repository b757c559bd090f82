"""Commissions through the ledger: paid → pending holds, settled → available, refunds, review."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from trustmart.accounts.models import User
from trustmart.commissions import services
from trustmart.commissions.models import Commission
from trustmart.core.errors import Conflict, InvalidInput, NotFound
from trustmart.ledger.models import Hold, Purpose
from trustmart.ledger.selectors import ledger_check
from trustmart.orders.models import OrderLine
from trustmart.sharing.models import Visit

from .conftest import World, available, balance, clearing, pending

pytestmark = pytest.mark.django_db


def enable_level2(operator: User, **extra: object) -> None:
    services.policy_change(user=operator, level2_enabled=True, level2_bps=200, **extra)  # type: ignore[arg-type]


def hold_ref(commission: Commission) -> str:
    return str(Hold.objects.get(pk=commission.hold_id or 0).reference)


def rows(order_no: str) -> dict[int, Commission]:
    return {c.level: c for c in Commission.objects.filter(order_no=order_no)}


def test_level1_only_by_default(world: World) -> None:
    order = world.buy()
    got = rows(order.order_no)
    assert set(got) == {1}
    assert got[1].earner == world.b and got[1].amount_fen == 1000
    assert got[1].status == Commission.Status.PENDING
    assert pending(world.b) == 1000 and available(world.b) == 0
    assert OrderLine.objects.get(order=order).commission_fen == 1000
    assert hold_ref(got[1]) == f"commission:{got[1].order_line_id}:1"


def test_paid_then_settled_is_available_and_clearing_nets_to_zero(world: World,
                                                                   operator: User) -> None:
    enable_level2(operator)
    order = world.buy(quantity=2)
    got = rows(order.order_no)
    assert (got[1].earner, got[1].amount_fen) == (world.b, 2000)
    assert (got[2].earner, got[2].amount_fen) == (world.a, 400)
    assert OrderLine.objects.get(order=order).commission_fen == 2400
    world.settle(order)
    got = rows(order.order_no)
    assert {c.status for c in got.values()} == {Commission.Status.AVAILABLE}
    assert available(world.b) == 2000 and available(world.a) == 400
    assert pending(world.b) == 0
    assert clearing() == 0
    assert ledger_check() == []


def test_level2_needs_an_open_store(world: World, operator: User) -> None:
    enable_level2(operator)
    Store = type(world.store_a)
    Store.objects.filter(pk=world.store_a.pk).update(status=Store.Status.CLOSED)
    order = world.buy()
    assert set(rows(order.order_no)) == {1}


def test_level2_never_the_buyer(world: World, operator: User) -> None:
    enable_level2(operator)
    order = world.buy(buyer=world.a)  # A buys through B's re-share of A's own share
    assert set(rows(order.order_no)) == {1}


def test_cap_cuts_level2(world: World, operator: User) -> None:
    services.policy_change(user=operator, level2_enabled=True, level2_bps=500,
                           max_total_bps=1200)
    order = world.buy()
    got = rows(order.order_no)
    assert got[1].amount_fen == 1000 and got[2].amount_fen == 200


def test_self_purchase_earns_nothing_by_default(world: World, operator: User) -> None:
    order = world.buy(buyer=world.b)
    assert rows(order.order_no) == {}
    assert OrderLine.objects.get(order=order).commission_fen == 0
    services.policy_change(user=operator, allow_self_purchase=True)
    order = world.buy(buyer=world.b)
    assert rows(order.order_no)[1].amount_fen == 1000


def test_no_store_no_commission(world: World) -> None:
    from trustmart.orders import services as order_services

    from .conftest import ADDRESS
    addr = order_services.address_create(user=world.c, **ADDRESS)  # type: ignore[arg-type]
    order_services.cart_line_add(user=world.c, sku_id=world.sku.pk)
    checkout = order_services.checkout_create(buyer=world.c, address_id=addr.pk)
    with world.events():
        order_services.checkout_paid(checkout_no=checkout.checkout_no,
                                 amount_fen=checkout.total_fen, payment_ref="x")
    assert not Commission.objects.exists()


def test_handlers_are_idempotent(world: World, operator: User) -> None:
    enable_level2(operator)
    order = world.buy()
    services.commissions_create_for_order(order_no=order.order_no)
    assert Commission.objects.count() == 2
    world.settle(order)
    lines = [{"line_id": line.pk, "commission_fen": line.commission_fen}
             for line in order.lines.all()]
    assert services.commissions_release_for_order(order_no=order.order_no, lines=lines) == 0
    assert available(world.b) == 1000 and clearing() == 0
    assert ledger_check() == []


def test_buyer_cancel_of_paid_order_cancels_everything(world: World, operator: User) -> None:
    from trustmart.orders import services as order_services

    enable_level2(operator)
    order = world.buy()
    with world.events():
        order_services.order_cancel(user=world.c, order_no=order.order_no)
    got = rows(order.order_no)
    assert {c.status for c in got.values()} == {Commission.Status.CANCELLED}
    assert pending(world.a) == pending(world.b) == 0
    assert {h.status for h in Hold.objects.filter(kind="commission")} == {Hold.Status.VOIDED}
    assert ledger_check() == []


def test_partial_refund_cuts_both_levels_to_the_line_reserve(world: World,
                                                             operator: User) -> None:
    enable_level2(operator)
    order = world.buy(quantity=2)  # 20000 paid: 2000 + 400
    line = order.lines.get()
    # What orders.order_refund does to the line, then the event it publishes.
    new_reserve = 2400 * (20_000 - 5000) // 20_000
    OrderLine.objects.filter(pk=line.pk).update(refunded_fen=5000, commission_fen=new_reserve)
    payload = [{"line_id": line.pk, "refunded_fen": 5000, "total_refunded_fen": 5000,
                "paid_fen": 20_000, "commission_fen": new_reserve}]
    services.commissions_adjust_for_refund(order_no=order.order_no, lines=payload, full=False)
    services.commissions_adjust_for_refund(order_no=order.order_no, lines=payload, full=False)
    got = rows(order.order_no)
    assert got[2].amount_fen == 400 * 15_000 // 20_000 == 300
    assert got[1].amount_fen == new_reserve - 300 == 1500
    assert got[1].base_fen == 15_000
    assert pending(world.b) == 1500 and pending(world.a) == 300
    assert hold_ref(got[1]) == f"commission:{line.pk}:1:1500"
    assert ledger_check() == []


# --- review --------------------------------------------------------------------------------
def flag_by_shared_device(world: World) -> None:
    for user in (world.b, world.c):
        Visit.objects.create(share=world.share_a, channel="link", visitor=user, device_id="dev-1")


def test_shared_device_flags_and_approve_releases_after_settlement(world: World,
                                                                   operator: User) -> None:
    flag_by_shared_device(world)
    order = world.buy()
    c = rows(order.order_no)[1]
    assert c.review_status == Commission.Review.FLAGGED
    assert c.review_reasons == ["shared_device"]
    world.settle(order)
    c.refresh_from_db()
    assert c.status == Commission.Status.PENDING  # held back for review
    assert clearing() == 1000
    services.commission_approve(user=operator, commission_id=c.pk)
    c.refresh_from_db()
    assert c.status == Commission.Status.AVAILABLE and available(world.b) == 1000
    assert clearing() == 0
    assert ledger_check() == []


def test_reject_after_settlement_returns_money_to_merchant(world: World,
                                                          operator: User) -> None:
    flag_by_shared_device(world)
    order = world.buy()
    world.settle(order)
    payable = balance("merchant", world.merchant.pk, Purpose.MERCHANT_PAYABLE)
    c = rows(order.order_no)[1]
    with pytest.raises(InvalidInput):
        services.commission_reject(user=operator, commission_id=c.pk, reason=" ")
    services.commission_reject(user=operator, commission_id=c.pk, reason="同一设备下单")
    c.refresh_from_db()
    assert c.status == Commission.Status.CANCELLED
    assert c.review_status == Commission.Review.REJECTED and c.review_note == "同一设备下单"
    assert balance("merchant", world.merchant.pk, Purpose.MERCHANT_PAYABLE) == payable + 1000
    assert clearing() == 0 and pending(world.b) == 0
    with pytest.raises(Conflict):
        services.commission_approve(user=operator, commission_id=c.pk)
    assert ledger_check() == []


def test_reject_before_settlement_lowers_the_reserve(world: World, operator: User) -> None:
    flag_by_shared_device(world)
    order = world.buy()
    c = rows(order.order_no)[1]
    services.commission_reject(user=operator, commission_id=c.pk, reason="刷单")
    assert OrderLine.objects.get(order=order).commission_fen == 0
    world.settle(order)
    assert clearing() == 0
    assert ledger_check() == []


def test_approve_before_settlement_releases_at_settlement(world: World,
                                                          operator: User) -> None:
    flag_by_shared_device(world)
    order = world.buy()
    c = rows(order.order_no)[1]
    services.commission_approve(user=operator, commission_id=c.pk)
    c.refresh_from_db()
    assert c.status == Commission.Status.PENDING
    world.settle(order)
    c.refresh_from_db()
    assert c.status == Commission.Status.AVAILABLE and clearing() == 0
    assert ledger_check() == []


def test_only_operators_review(world: World, make_user: Callable[..., User]) -> None:
    flag_by_shared_device(world)
    order = world.buy()
    c = rows(order.order_no)[1]
    with pytest.raises(NotFound):
        services.commission_approve(user=world.b, commission_id=c.pk)
    with pytest.raises(NotFound):
        services.commission_reject(user=world.c, commission_id=c.pk, reason="x")


def test_other_fraud_signals(world: World, operator: User) -> None:
    from trustmart.orders import services as order_services

    from .conftest import ADDRESS
    # The order goes to B's own address, on B's mobile.
    b_address = dict(ADDRESS, mobile=world.b.mobile, detail="文三路1号 ")
    order_services.address_create(user=world.b, **dict(ADDRESS, detail="文三路 1号"))  # type: ignore[arg-type]
    order = world.buy(address=b_address)
    assert rows(order.order_no)[1].review_reasons == ["address_mobile", "earner_address"]


def test_fast_click_to_pay_flags(world: World, operator: User) -> None:
    Visit.objects.create(share=world.share_b, channel="link", visitor=world.c, device_id="c")
    order = world.buy()
    assert rows(order.order_no)[1].review_reasons == ["fast_click_to_pay"]
    services.policy_change(user=operator, min_click_to_pay_seconds=0)
    order = world.buy()
    assert rows(order.order_no)[1].review_status == Commission.Review.NONE


def test_refunds_through_orders_then_settlement_balance(world: World, operator: User) -> None:
    from trustmart.orders import services as order_services

    enable_level2(operator)
    order = world.buy(quantity=3)  # 30000 paid: 3000 + 600
    line = order.lines.get()
    for n, part in enumerate((7_000, 5_001)):
        with world.events():
            order_services.order_refund(order_no=order.order_no, amount_fen=part,
                                        lines={line.pk: part}, reason="部分退款",
                                        reference=f"test-refund-{n}")
        line.refresh_from_db()
        got = rows(order.order_no)
        assert got[1].amount_fen + got[2].amount_fen == line.commission_fen
        assert got[2].amount_fen == 600 * (30_000 - line.refunded_fen) // 30_000
    assert pending(world.a) + pending(world.b) == line.commission_fen
    world.settle(order)
    assert available(world.a) + available(world.b) == line.commission_fen
    assert clearing() == 0
    assert ledger_check() == []


def test_full_refund_through_orders_cancels(world: World, operator: User) -> None:
    from trustmart.orders import services as order_services

    enable_level2(operator)
    order = world.buy()
    line = order.lines.get()
    with world.events():
        order_services.order_refund(order_no=order.order_no, amount_fen=order.total_fen,
                                    lines={line.pk: line.paid_fen}, reason="全额退款",
                                    reference="test-full")
    assert {c.status for c in rows(order.order_no).values()} == {Commission.Status.CANCELLED}
    assert pending(world.a) == pending(world.b) == 0
    assert clearing() == 0
    assert ledger_check() == []


def test_refund_event_arriving_after_settlement_changes_nothing_twice(
        world: World, operator: User, monkeypatch: pytest.MonkeyPatch) -> None:
    """The refund's event is late (a queue reordered it): settlement's payload already carries
    the cut reserve, so the release is cut first; the late event then finds nothing to do."""
    from trustmart.commissions import handlers
    from trustmart.core import events
    from trustmart.core.models import OutboxEvent
    from trustmart.orders import services as order_services

    enable_level2(operator)
    order = world.buy(quantity=2)  # 20000: 2000 + 400
    line = order.lines.get()
    key = f"{handlers.on_order_refunded.__module__}.{handlers.on_order_refunded.__qualname__}"
    monkeypatch.delitem(events._handlers["order.refunded"], key)
    with world.events():
        order_services.order_refund(order_no=order.order_no, amount_fen=5000,
                                    lines={line.pk: 5000}, reason="部分退款",
                                    reference="late-refund")
    monkeypatch.undo()
    world.settle(order)
    line.refresh_from_db()
    got = rows(order.order_no)
    assert got[1].amount_fen + got[2].amount_fen == line.commission_fen == 1800
    assert got[2].amount_fen == 300
    assert {c.status for c in got.values()} == {Commission.Status.AVAILABLE}
    late = OutboxEvent.objects.get(name="order.refunded", payload__reference="late-refund")
    handlers.on_order_refunded(events.Event(late.id, late.name, late.payload, late.created_at))
    assert available(world.b) == 1500 and available(world.a) == 300
    assert clearing() == 0
    assert ledger_check() == []
