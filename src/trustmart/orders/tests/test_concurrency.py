"""Races that only a real database shows: PostgreSQL, real threads, one connection each."""

from __future__ import annotations

import functools
from collections.abc import Callable

import pytest

from trustmart.accounts.models import User
from trustmart.catalog.models import Sku
from trustmart.core.errors import Conflict
from trustmart.core.testing import run_all
from trustmart.ledger.selectors import ledger_check
from trustmart.orders import services
from trustmart.orders.models import Checkout, Order

from .test_services import add_address

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_fifty_buyers_race_for_ten_units(make_user: Callable[..., User], sku: Sku) -> None:
    Sku.objects.filter(pk=sku.pk).update(stock=10)
    buyers = [make_user(f"买家{i}") for i in range(50)]
    addresses = [add_address(b) for b in buyers]
    for b in buyers:
        services.cart_line_add(user=b, sku_id=sku.pk, quantity=1)
    results = run_all([functools.partial(services.checkout_create, buyer=b, address_id=a.pk)
                       for b, a in zip(buyers, addresses, strict=True)])
    won = [r for r in results if isinstance(r, Checkout)]
    lost = [r for r in results if isinstance(r, Conflict)]
    assert len(won) == 10 and len(lost) == 40
    assert {e.code for e in lost} == {"insufficient_stock"}
    sku.refresh_from_db()
    assert sku.stock == 0
    for checkout in won:
        assert services.checkout_paid(checkout_no=checkout.checkout_no,
                                      amount_fen=checkout.total_fen,
                                      payment_ref=f"p-{checkout.pk}")
    assert Order.objects.filter(status=Order.Status.PAID).count() == 10
    assert ledger_check() == []


def test_same_request_key_raced_creates_one_checkout(make_user: Callable[..., User],
                                                     sku: Sku) -> None:
    buyer = make_user("买家")
    address = add_address(buyer)
    services.cart_line_add(user=buyer, sku_id=sku.pk, quantity=2)
    results = run_all([
        lambda: services.checkout_create(buyer=buyer, address_id=address.pk, request_key="r")
        for _ in range(5)])
    assert all(isinstance(r, Checkout) for r in results), results
    assert len({r.pk for r in results}) == 1
    sku.refresh_from_db()
    assert sku.stock == 8


def test_ship_and_cancel_race_has_one_winner(make_user: Callable[..., User], sku: Sku) -> None:
    buyer = make_user("买家")
    address = add_address(buyer)
    services.cart_line_add(user=buyer, sku_id=sku.pk, quantity=1)
    checkout = services.checkout_create(buyer=buyer, address_id=address.pk)
    services.checkout_paid(checkout_no=checkout.checkout_no, amount_fen=checkout.total_fen,
                           payment_ref="p")
    order = checkout.orders.get()
    results = run_all([
        lambda: services.order_ship(order_no=order.order_no),
        lambda: services.order_cancel(user=buyer, order_no=order.order_no)])
    winners = [r for r in results if isinstance(r, Order)]
    assert len(winners) == 1
    assert isinstance(next(r for r in results if r not in winners), Conflict)
    order.refresh_from_db()
    assert order.status in (Order.Status.SHIPPED, Order.Status.REFUNDED)
    sku.refresh_from_db()
    assert sku.stock == (10 if order.status == Order.Status.REFUNDED else 9)
    assert ledger_check() == []


def test_payment_racing_expiry_is_either_paid_or_expired(make_user: Callable[..., User],
                                                         sku: Sku) -> None:
    buyer = make_user("买家")
    address = add_address(buyer)
    services.cart_line_add(user=buyer, sku_id=sku.pk, quantity=3)
    checkout = services.checkout_create(buyer=buyer, address_id=address.pk)
    Checkout.objects.filter(pk=checkout.pk).update(expires_at=checkout.created_at)
    paid, expired = run_all([
        lambda: services.checkout_paid(checkout_no=checkout.checkout_no,
                                       amount_fen=checkout.total_fen, payment_ref="p"),
        services.checkout_expire_due])
    checkout.refresh_from_db()
    sku.refresh_from_db()
    if paid is True:
        assert expired == 0 and checkout.status == Checkout.Status.PAID and sku.stock == 7
    else:
        # Closed exactly once: by the sweep (1), or by the late payment itself, which closes a
        # checkout past its deadline before the sweep gets the lock (then the sweep closes 0).
        assert paid is False and expired in (0, 1) and sku.stock == 10
        assert checkout.status == Checkout.Status.EXPIRED
        assert not checkout.orders.exclude(status=Order.Status.CANCELLED).exists()
    assert ledger_check() == []
