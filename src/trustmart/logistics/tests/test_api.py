"""The REST API behaves like the services: staff ship, buyers read, others get 404."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from trustmart.accounts.models import User
from trustmart.logistics.models import Shipment, TrackingEvent
from trustmart.orders.models import Order

pytestmark = pytest.mark.django_db

ClientFor = Callable[[User], Client]


def _ship(client: Client, order: Order, tracking_no: str = "SF1234567890", key: str = ""
          ) -> Any:
    headers = {"Idempotency-Key": key} if key else {}
    return client.post("/api/logistics/shipments", {"order_no": order.order_no, "carrier": "SF",
                                                     "tracking_no": tracking_no},
                       content_type="application/json", headers=headers)


def test_carriers_are_public() -> None:
    response = Client().get("/api/logistics/carriers")
    assert response.status_code == 200
    assert {"code": "SF", "name_zh": "顺丰速运", "name_en": "SF Express"} in response.json()


def test_staff_ship_and_everyone_involved_reads(api_client_for: ClientFor, seller: User,
                                                 buyer: User, operator: User,
                                                 order: Order) -> None:
    staff = api_client_for(seller)
    response = _ship(staff, order)
    assert response.status_code == 201
    body = response.json()
    assert (body["order_no"], body["carrier"], body["events"]) == (order.order_no, "SF", [])
    order.refresh_from_db()
    assert order.status == Order.Status.SHIPPED

    event = staff.post(f"/api/logistics/shipments/{body['id']}/events",
                       {"status": "in_transit", "location": "上海"},
                       content_type="application/json")
    assert event.status_code == 201
    assert event.json()["source"] == "merchant"

    for user in (buyer, seller, operator):
        listed = api_client_for(user).get(f"/api/logistics/orders/{order.order_no}/shipments")
        assert listed.status_code == 200
        [shipment] = listed.json()
        assert [e["status"] for e in shipment["events"]] == ["in_transit"]


def test_others_get_404(api_client_for: ClientFor, seller: User, buyer: User, stranger: User,
                        other_seller: User, order: Order) -> None:
    shipment_id = _ship(api_client_for(seller), order).json()["id"]
    for user in (stranger, other_seller):
        client = api_client_for(user)
        assert client.get(f"/api/logistics/orders/{order.order_no}/shipments"
                          ).status_code == 404
        assert client.post(f"/api/logistics/shipments/{shipment_id}/events",
                           {"status": "delivered"},
                           content_type="application/json").status_code == 404
        assert _ship(client, order, "ZTO123456789").status_code == 404
    buyer_client = api_client_for(buyer)
    assert _ship(buyer_client, order, "ZTO123456789").status_code == 404
    assert buyer_client.post(f"/api/logistics/shipments/{shipment_id}/events",
                             {"status": "delivered"},
                             content_type="application/json").status_code == 404
    assert Shipment.objects.count() == 1
    assert not TrackingEvent.objects.exists()


def test_errors_have_codes(api_client_for: ClientFor, seller: User,
                          make_order: Callable[..., Order]) -> None:
    client = api_client_for(seller)
    bad = _ship(client, make_order(), "123")
    assert bad.status_code == 422
    assert bad.json()["code"] == "invalid_tracking_no"
    unpaid = _ship(client, make_order(Order.Status.AWAITING_PAYMENT))
    assert unpaid.status_code == 409
    assert unpaid.json()["code"] == "order_not_shippable"
    assert not Shipment.objects.exists()
    assert Client().get("/api/logistics/orders/O1/shipments").status_code == 401


def test_retried_create_is_idempotent(api_client_for: ClientFor, seller: User,
                                      order: Order) -> None:
    client = api_client_for(seller)
    first = _ship(client, order, key="ship-1")
    again = _ship(client, order, key="ship-1")
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert Shipment.objects.count() == 1
