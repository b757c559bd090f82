"""Shipping an order: staff only, first package ships the order once, bad input saves nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.utils import timezone

from trustmart.accounts.models import User
from trustmart.core.errors import Conflict, InvalidInput, NotAuthenticated, NotFound
from trustmart.logistics import selectors, services
from trustmart.logistics.models import Shipment, TrackingEvent
from trustmart.orders.models import Order, OrderEvent

pytestmark = pytest.mark.django_db


def test_first_package_ships_the_order(seller: User, order: Order) -> None:
    shipment = services.shipment_create(user=seller, order_no=order.order_no, carrier="sf",
                                        tracking_no="sf 1234 5678 90")
    assert (shipment.carrier, shipment.tracking_no) == ("SF", "SF1234567890")
    order.refresh_from_db()
    assert order.status == Order.Status.SHIPPED
    assert order.shipped_at is not None and order.auto_confirm_due_at is not None
    assert OrderEvent.objects.filter(order=order, to_status="shipped").count() == 1


def test_second_package_does_not_ship_again(seller: User, clerk: User, order: Order) -> None:
    services.shipment_create(user=seller, order_no=order.order_no, carrier="SF",
                             tracking_no="SF1234567890")
    order.refresh_from_db()
    shipped_at = order.shipped_at
    second = services.shipment_create(user=clerk, order_no=order.order_no, carrier="ZTO",
                                      tracking_no="75312345678901")
    order.refresh_from_db()
    assert order.shipped_at == shipped_at
    assert OrderEvent.objects.filter(order=order, kind="shipped").count() == 1
    assert second.created_by == clerk
    assert [s.carrier for s in selectors.shipments_of_order(order=order)] == ["SF", "ZTO"]


@pytest.mark.parametrize("who", ["buyer", "stranger", "other_seller"])
def test_only_the_merchants_staff_can_ship(request: pytest.FixtureRequest, who: str,
                                           order: Order) -> None:
    user = request.getfixturevalue(who)
    with pytest.raises(NotFound):
        services.shipment_create(user=user, order_no=order.order_no, carrier="SF",
                                 tracking_no="SF1234567890")
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert not Shipment.objects.exists()


@pytest.mark.parametrize("status", [Order.Status.AWAITING_PAYMENT, Order.Status.CANCELLED,
                                    Order.Status.REFUNDED, Order.Status.RECEIVED])
def test_an_order_that_is_not_paid_cannot_ship(seller: User, make_order: Callable[..., Order],
                                               status: str) -> None:
    order = make_order(status)
    with pytest.raises(Conflict) as info:
        services.shipment_create(user=seller, order_no=order.order_no, carrier="SF",
                                 tracking_no="SF1234567890")
    assert info.value.code == "order_not_shippable"
    assert not Shipment.objects.exists()


@pytest.mark.parametrize(("carrier", "tracking_no", "code"), [
    ("UPS", "SF1234567890", "unknown_carrier"), ("SF", "123", "invalid_tracking_no"),
    ("SF", "SF-1234567890", "invalid_tracking_no")])
def test_bad_input_saves_nothing(seller: User, order: Order, carrier: str, tracking_no: str,
                                 code: str) -> None:
    with pytest.raises(InvalidInput) as info:
        services.shipment_create(user=seller, order_no=order.order_no, carrier=carrier,
                                 tracking_no=tracking_no)
    assert info.value.code == code
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert not Shipment.objects.exists()


def test_a_tracking_number_is_used_once(seller: User, make_order: Callable[..., Order]) -> None:
    first, second = make_order(), make_order()
    services.shipment_create(user=seller, order_no=first.order_no, carrier="SF",
                             tracking_no="SF1234567890")
    with pytest.raises(InvalidInput) as info:
        services.shipment_create(user=seller, order_no=second.order_no, carrier="SF",
                                 tracking_no="SF1234567890")
    assert info.value.code == "duplicate_tracking_no"
    second.refresh_from_db()
    assert second.status == Order.Status.PAID


def test_merchant_adds_an_event_by_hand(seller: User, order: Order) -> None:
    shipment = services.shipment_create(user=seller, order_no=order.order_no, carrier="SF",
                                        tracking_no="SF1234567890")
    event = services.tracking_event_add(user=seller, shipment_id=shipment.pk,
                                        status="delivered", location=" 杭州 ")
    assert (event.source, event.location, event.external_id) == ("merchant", "杭州", None)
    order.refresh_from_db()
    assert order.status == Order.Status.SHIPPED  # delivered is recorded, not a confirmation


def test_manual_event_needs_staff_and_valid_input(seller: User, buyer: User,
                                                  other_seller: User, order: Order) -> None:
    shipment = services.shipment_create(user=seller, order_no=order.order_no, carrier="SF",
                                        tracking_no="SF1234567890")
    for user in (buyer, other_seller):
        with pytest.raises(NotFound):
            services.tracking_event_add(user=user, shipment_id=shipment.pk, status="delivered")
    with pytest.raises(InvalidInput) as info:
        services.tracking_event_add(user=seller, shipment_id=shipment.pk, status="lost")
    assert info.value.code == "invalid_tracking_status"
    with pytest.raises(InvalidInput) as info:
        services.tracking_event_add(user=seller, shipment_id=shipment.pk, status="collected",
                                    occurred_at=timezone.now() + timedelta(hours=1))
    assert info.value.code == "event_in_future"
    assert not TrackingEvent.objects.exists()


def test_tracking_is_visible_to_buyer_staff_and_operators(
        order: Order, buyer: User, seller: User, clerk: User, operator: User,
        stranger: User, other_seller: User) -> None:
    for user in (buyer, seller, clerk, operator):
        assert selectors.order_for_tracking(user=user, order_no=order.order_no) == order
    for user in (stranger, other_seller):
        with pytest.raises(NotFound):
            selectors.order_for_tracking(user=user, order_no=order.order_no)
    with pytest.raises(NotFound):
        selectors.order_for_tracking(user=buyer, order_no="O-missing")


def test_visitors_cannot_ship(order: Order) -> None:
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises((NotFound, NotAuthenticated)):
        services.shipment_create(user=AnonymousUser(), order_no=order.order_no, carrier="SF",
                                 tracking_no="SF1234567890")
    assert not Shipment.objects.exists()
