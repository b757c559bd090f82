"""H5: the merchant's ship page and the tracking partial; others get the 404 page."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from trustmart.accounts.models import User
from trustmart.logistics import services
from trustmart.logistics.models import Shipment, TrackingEvent
from trustmart.merchants.models import Merchant
from trustmart.orders.models import Order

pytestmark = pytest.mark.django_db

ClientFor = Callable[[User], Client]


def ship_url(order: Order) -> str:
    return f"/merchant/orders/{order.order_no}/ship/"


def tracking_url(order: Order) -> str:
    return f"/logistics/orders/{order.order_no}/tracking/"


def test_merchant_ships_from_the_page(client_for: ClientFor, seller: User,
                                      order: Order) -> None:
    client = client_for(seller)
    page = client.get(ship_url(order))
    assert page.status_code == 200
    assert "顺丰速运" in page.content.decode()
    response = client.post(ship_url(order), {"action": "ship", "carrier": "YTO",
                                             "tracking_no": "YT1234567890123"})
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == Order.Status.SHIPPED
    again = client.post(ship_url(order), {"action": "ship", "carrier": "JD",
                                          "tracking_no": "JDX000123456789"})
    assert again.status_code == 302
    shipment = Shipment.objects.get(carrier="YTO")
    event = client.post(ship_url(order), {"action": "event", "shipment_id": shipment.pk,
                                          "status": "in_transit", "location": "上海",
                                          "description": "运输中"})
    assert event.status_code == 302
    html = client.get(ship_url(order)).content.decode()
    assert "YT1234567890123" in html and "JDX000123456789" in html and "运输中" in html
    assert Shipment.objects.filter(order=order).count() == 2


def test_bad_tracking_number_shows_an_error(client_for: ClientFor, seller: User,
                                            order: Order) -> None:
    response = client_for(seller).post(ship_url(order), {"action": "ship", "carrier": "SF",
                                                         "tracking_no": "12"})
    assert response.status_code == 422
    assert 'class="field-error"' in response.content.decode()
    assert not Shipment.objects.exists()


def test_ship_page_is_404_for_others(client_for: ClientFor, buyer: User, stranger: User,
                                     other_seller: User, order: Order) -> None:
    for user in (buyer, stranger, other_seller):
        client = client_for(user)
        assert client.get(ship_url(order)).status_code == 404
        assert client.post(ship_url(order), {"action": "ship", "carrier": "SF",
                                             "tracking_no": "SF1234567890"}).status_code == 404
    assert not Shipment.objects.exists()


def test_event_on_another_merchants_shipment_is_404(
        client_for: ClientFor, seller: User, other_seller: User,
        make_order: Callable[..., Order]) -> None:
    """Staff of one order cannot slip in a package id of another merchant's order."""
    mine = make_order()
    theirs_order = make_order(seller=Merchant.objects.get(owner=other_seller))
    theirs = services.shipment_create(user=other_seller, order_no=theirs_order.order_no,
                                      carrier="SF", tracking_no="SF1234567890")
    response = client_for(seller).post(ship_url(mine), {
        "action": "event", "shipment_id": theirs.pk, "status": "delivered"})
    assert response.status_code == 404
    assert not TrackingEvent.objects.exists()


def test_tracking_partial_for_buyer_staff_operator(client_for: ClientFor, seller: User,
                                                   buyer: User, operator: User,
                                                   order: Order) -> None:
    shipment = services.shipment_create(user=seller, order_no=order.order_no, carrier="SF",
                                        tracking_no="SF1234567890")
    services.tracking_event_add(user=seller, shipment_id=shipment.pk, status="collected",
                                description="已揽收")
    services.tracking_event_add(user=seller, shipment_id=shipment.pk, status="delivering",
                                description="派送中")
    for user in (buyer, seller, operator):
        response = client_for(user).get(tracking_url(order), HTTP_HX_REQUEST="true")
        assert response.status_code == 200
        html = response.content.decode()
        assert "<html" not in html  # a partial for htmx
        assert "SF1234567890" in html and 'data-copy-text="SF1234567890"' in html
        assert html.index("派送中") < html.index("已揽收")  # newest first
    full = client_for(buyer).get(tracking_url(order))
    assert full.status_code == 200 and "<html" in full.content.decode()


def test_tracking_before_shipping_says_so(client_for: ClientFor, buyer: User,
                                         order: Order) -> None:
    response = client_for(buyer).get(tracking_url(order), HTTP_HX_REQUEST="true")
    assert 'data-testid="no-packages"' in response.content.decode()


def test_tracking_is_404_for_others(client_for: ClientFor, stranger: User, other_seller: User,
                                    order: Order) -> None:
    for user in (stranger, other_seller):
        assert client_for(user).get(tracking_url(order)).status_code == 404
    assert Client().get(tracking_url(order)).status_code == 302  # to the login page
